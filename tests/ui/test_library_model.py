"""The table model: Qt's model tester, numeric sort in the model, filters, drag-out URLs."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from anomalizer_desktop.core.library.store import SampleRecord
from anomalizer_desktop.ui.library_data import LibraryData
from anomalizer_desktop.ui.library_model import COLUMN_INDEX, ID_ROLE, SORT_ROLE, LibraryTableModel


def record(i, score, flag=None, status="ok", note=None, name=None, added=None):
    return SampleRecord(
        id=i,
        path=f"/lib/{'b' if i % 2 else 'a'}/{name or f'loop{i:03d}'}.wav",
        status=status,
        error="broken header" if status == "error" else None,
        duration=1.0 + i,
        sample_rate=44100,
        channels=2,
        embedders=("dsp",),
        score=score,
        percentile=None if score is None else score * 10,
        flag=flag,
        note=note,
        added=added,
    )


@pytest.fixture
def model():
    m = LibraryTableModel()
    m.set_library(
        LibraryData.from_records(
            [
                record(1, 9.0, "unusual", note="weird"),
                record(2, 10.0),
                record(3, None, status="error"),
                record(4, 2.5, "typical"),
                record(5, 0.5),
                record(6, 7.0, status="missing"),
            ]
        )
    )
    return m


def column(m, key, role=Qt.ItemDataRole.DisplayRole):
    return [m.data(m.index(r, COLUMN_INDEX[key]), role) for r in range(m.rowCount())]


def names_shown(m, text):
    """The names the table shows with `text` in the filter box."""
    m.set_filter(text)
    return column(m, "name")


def test_qt_model_tester(qtmodeltester, model):
    qtmodeltester.check(model, force_py=True)


def test_default_sort_is_most_unusual_first_with_unscored_last(model):
    assert column(model, "score", ID_ROLE) == [2, 1, 6, 4, 5, 3]


def test_scores_sort_as_numbers_both_ways(model):
    model.sort(COLUMN_INDEX["score"], Qt.SortOrder.AscendingOrder)
    assert column(model, "score", SORT_ROLE) == [0.5, 2.5, 7.0, 9.0, 10.0, None]
    model.sort(COLUMN_INDEX["duration"], Qt.SortOrder.DescendingOrder)
    assert column(model, "duration", SORT_ROLE) == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0]
    model.sort(COLUMN_INDEX["flag"], Qt.SortOrder.AscendingOrder)
    assert column(model, "flag", ID_ROLE)[:2] == [1, 4]  # unusual, then typical


def test_sorting_keeps_the_selection_on_the_same_rows(qtbot, model):
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(0)
    selected_id = model.sample_id(view.selectionModel().selectedRows()[0].row())
    model.sort(COLUMN_INDEX["name"], Qt.SortOrder.DescendingOrder)
    rows = view.selectionModel().selectedRows()
    assert [model.sample_id(i.row()) for i in rows] == [selected_id]


def test_text_flag_and_status_filters(model):
    model.set_filter("weird")
    assert column(model, "name", ID_ROLE) == [1]
    model.set_filter("/b/")
    assert sorted(column(model, "name", ID_ROLE)) == [1, 3, 5]
    model.set_filter("", flag="typical")
    assert column(model, "name", ID_ROLE) == [4]
    model.set_filter("", flag="unflagged", status="ok")
    assert sorted(column(model, "name", ID_ROLE)) == [2, 5]
    model.set_filter("", status="error")
    assert column(model, "status") == ["error: broken header"]
    model.set_filter("")
    assert model.rowCount() == 6


def test_same_audio_shows_each_recording_together_with_levels_in_the_tooltip():
    m = LibraryTableModel()
    library = LibraryData.from_records([record(i, 10.0 - i) for i in range(1, 7)])
    # loops 2, 5 and 6 are one recording (5 is 3.5 dB louder than 2, 6 is 6 dB quieter)
    m.set_library(library.with_same_audio({2: (0, 0.0), 5: (0, 3.5), 6: (0, -6.0)}))
    m.set_filter("", status="same_audio")
    assert column(m, "name", ID_ROLE) == [2, 5, 6]  # in the sort (score), together
    tip = column(m, "name", Qt.ItemDataRole.ToolTipRole)[0]
    assert "The same audio: loop005.wav (3.5 dB louder), loop006.wav (6.0 dB quieter)" in tip
    assert "same audio" not in column(m, "score", Qt.ItemDataRole.ToolTipRole)[0]
    assert library.with_copies([5]) == [5, 2, 6]  # a flag on one goes on its twins


def test_in_place_updates_for_flags_and_scores(model):
    model.update_flags([5], "unusual")
    model.sort(COLUMN_INDEX["flag"], Qt.SortOrder.AscendingOrder)
    assert column(model, "flag", ID_ROLE)[:2] == [1, 5]
    model.update_scores(np.array([5, 2]), np.array([100.0, 1.0]), np.array([99.0, 1.0]))
    model.sort(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
    assert column(model, "score", ID_ROLE)[:2] == [5, 2]
    assert column(model, "score")[-1] == ""  # the others lost their (stale) scores


def test_drag_gives_file_urls(model):
    mime = model.mimeData([model.index(0, 0), model.index(0, 3), model.index(1, 0)])
    assert [u.toLocalFile() for u in mime.urls()] == [model.path(0), model.path(1)]


def test_sort_and_filter_100k_rows_do_not_need_python_comparisons(model):
    records = [record(i, float(i % 977)) for i in range(100_000)]
    model.set_library(LibraryData.from_records(records))
    model.sort(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, COLUMN_INDEX["score"]), SORT_ROLE) == 976.0
    model.set_filter("loop99999.wav")
    assert model.rowCount() == 1


def test_unusual_percent_tells_the_top_percent_apart(model):
    from anomalizer_desktop.core.text import unusual_percent

    assert [unusual_percent(v) for v in (0.0, 42.9, 98.97, 99.0, 99.46, 99.99, 100.0)] == [
        "0",
        "42",
        "98",
        "99.0",
        "99.4",
        "99.9",
        "100",
    ]
    # in the table: percentiles 100 (score 10), 90, 70, 25, 5, and none for the broken file
    assert column(model, "percentile") == ["100", "90", "70", "25", "5", ""]


def test_the_unusual_percent_cell_wears_the_maps_colour(model):
    from PySide6.QtGui import QColor

    from anomalizer_desktop.ui.widgets.map_style import colour_bins

    column = COLUMN_INDEX["percentile"]
    colours = {}
    for row in range(model.rowCount()):
        name = model.data(model.index(row, COLUMN_INDEX["name"]))
        colours[name] = model.data(model.index(row, column), Qt.ItemDataRole.DecorationRole)
    assert colours["loop002.wav"] == QColor(*colour_bins()[-1])  # percentile 100: brightest
    assert colours["loop004.wav"] == QColor(*colour_bins()[4])  # 25 % of 16 bins
    assert colours["loop003.wav"] is None  # not scored: no colour, as on the map


def test_the_table_reads_the_same_library_from_rows_as_from_records(scored_library):
    """The window's lean read (`Store.table_rows`) holds what the full records hold."""
    from anomalizer_desktop.core.library.store import Store

    path, root = scored_library
    with Store(path) as store:
        records = store.list_samples()
        by_name = {os.path.basename(r.path): r.id for r in records}
        store.set_flag([by_name["tone_a.wav"]], "unusual")
        store.set_note([by_name["drum_03.wav"]], "swing")
        store.put_feature_error(by_name["drum_04.wav"], "clap", "1", "out of memory")
        os.remove(root / "drum_05.wav")
        store.mark_missing([by_name["drum_05.wav"]])
        lean = LibraryData.from_rows(store.table_rows())
        full = LibraryData.from_records(store.list_samples())
    for column in ("paths", "names", "folders", "flags", "status", "notes", "errors"):
        assert getattr(lean, column) == getattr(full, column), column
    for column in ("ids", "duration", "sample_rate", "score", "percentile"):
        assert np.array_equal(getattr(lean, column), getattr(full, column), equal_nan=True)
    assert "clap: out of memory" in lean.errors[lean.names.index("drum_04.wav")]
    assert lean.status[lean.names.index("drum_05.wav")] == "missing"
    assert len(LibraryData.from_rows([])) == 0


def test_copies_are_grouped_by_whole_content_hashes_only():
    """Copies are present files of one whole-content hash. The edges-only hashes earlier
    versions stored (32 hex characters) can be shared by two different loops, so they make no
    copies until a scan replaces them; a missing file is no copy either."""
    from anomalizer_desktop.ui.library_data import _copy_groups

    whole, other, edges = "a" * 40, "b" * 40, "c" * 32
    hashes = [whole, other, whole, edges, edges, whole, None, None]
    status = ["ok", "ok", "ok", "ok", "ok", "missing", "ok", "ok"]
    groups = _copy_groups(hashes, status)
    assert groups[0] == groups[2] != -1
    assert list(groups[[1, 3, 4, 5, 6, 7]]) == [-1] * 6


def test_the_filter_finds_accented_names_however_the_disk_spells_the_accent():
    """A Mac's disk spells "é" as "e" and a combining accent (NFD); a keyboard types one
    character (NFC). A filter for "café" missed "Café Beats.wav", and one for "über" a note
    that said "Über"."""
    m = LibraryTableModel()
    records = [
        record(0, 1.0, name="Cafe\u0301 Beats"),  # as read from the disk
        record(1, 2.0, name="Caf\u00e9 Acid"),  # as typed
        record(2, 3.0, note="U\u0308ber dark"),
        record(3, 4.0, name="cafe"),
    ]
    m.set_library(LibraryData.from_records(records))
    for typed in ("caf\u00e9", "CAFE\u0301"):
        m.set_filter(typed)
        assert sorted(column(m, "name", ID_ROLE)) == [0, 1]
    m.set_filter("\u00fcber")
    assert column(m, "name", ID_ROLE) == [2]
    m.set_filter("")  # and they sort together, each spelling beside the other
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    assert column(m, "name", ID_ROLE)[:3] == [3, 1, 0]  # cafe, Café Acid, Café Beats


def test_a_name_or_note_with_a_newline_or_tab_shows_on_one_line():
    """A file name with a newline showed as "two…" in its cell; its path is kept whole."""
    m = LibraryTableModel()
    records = [record(0, 1.0, name="two\nlines", note="take\tthis"), record(1, 2.0)]
    m.set_library(LibraryData.from_records(records))
    m.sort(COLUMN_INDEX["score"], Qt.SortOrder.AscendingOrder)
    assert column(m, "name") == ["two\\nlines.wav", "loop001.wav"]
    assert column(m, "note") == ["take\\tthis", ""]
    assert m.path(0) == "/lib/a/two\nlines.wav"


def test_bpm_and_key_columns_show_what_the_names_declare_and_sort_as_music():
    """BPM sorts as a number and Key round the scale (C before Db, majors before minors),
    loops whose names declare none last either way; the cell's tooltip says where the value
    was read."""
    m = LibraryTableModel()
    names = ["Loop 128 BPM F#min", "SO_90_keys_Cm", "Kick 01", "Pad 100 BPM C", "Bass 95bpm Am"]
    m.set_library(LibraryData.from_records([record(i, 1.0, name=n) for i, n in enumerate(names)]))
    m.sort(COLUMN_INDEX["tempo"], Qt.SortOrder.AscendingOrder)
    assert column(m, "tempo") == ["90", "95", "100", "128", ""]
    m.sort(COLUMN_INDEX["tempo"], Qt.SortOrder.DescendingOrder)
    assert column(m, "tempo") == ["128", "100", "95", "90", ""]
    m.sort(COLUMN_INDEX["key"], Qt.SortOrder.AscendingOrder)
    assert column(m, "key") == ["C", "Cm", "F#m", "Am", ""]
    names = column(m, "name")
    tips = dict(zip(names, column(m, "tempo", Qt.ItemDataRole.ToolTipRole), strict=True))
    assert (
        "'>90 BPM, the one number in its file name that can be a tempo\n/lib/b/"
        in (tips["SO_90_keys_Cm.wav"])
    )
    assert "'>100 BPM, as its file name says\n" in tips["Pad 100 BPM C.wav"]
    assert "'>No tempo in its name" in tips["Kick 01.wav"]
    key_tips = dict(zip(names, column(m, "key", Qt.ItemDataRole.ToolTipRole), strict=True))
    assert "'>Am, as its file name says\n" in key_tips["Bass 95bpm Am.wav"]


def test_a_tempo_heard_in_the_sound_is_shown_as_heard_never_as_declared():
    """A loop that declares no tempo shows the one heard in its sound, marked and muted, its
    tooltip saying where it comes from; a declared tempo wins over a heard one."""
    from dataclasses import replace

    from anomalizer_desktop.ui.theme import colour

    m = LibraryTableModel()
    groove = replace(record(0, 1.0, name="groove"), duration=4.0, heard_tempo=120.0)
    named = replace(record(1, 1.0, name="Beat 100 BPM"), duration=2.4, heard_tempo=123.0)
    m.set_library(LibraryData.from_records([groove, named, record(2, 1.0, name="hum")]))
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    assert column(m, "name") == ["Beat 100 BPM.wav", "groove.wav", "hum.wav"]
    assert column(m, "tempo") == ["100", "\u2248120", ""]
    assert column(m, "bars") == ["1", "2", ""]  # counted at the heard tempo too
    tip_text = column(m, "tempo", Qt.ItemDataRole.ToolTipRole)[1]
    assert "About 120 BPM, heard in its sound, not declared" in tip_text
    assert "it lasts 2 bars of four at this tempo" in tip_text
    assert "(60 or 240 BPM): Loop &gt; Halve or Double the tempo" in tip_text
    assert "Double the tempo (- or +) makes it the one you hear" in tip_text
    muted = column(m, "tempo", Qt.ItemDataRole.ForegroundRole)
    assert muted[0] is None and muted[1].name() == colour("muted").lower()
    assert m.declared_tags(1) == "120 BPM (heard)"
    assert m.declared_tempo(1) == 120.0  # what Sync plays it at
    assert names_shown(m, "bpm:118-122") == ["groove.wav"]


def test_the_filter_finds_loops_by_tempo_and_key_terms():
    """bpm:120, bpm:90-100 and key:Am filter on the BPM and Key columns (a loop without a
    tempo never matches a tempo term), and combine with the plain text."""
    m = LibraryTableModel()
    names = ["Loop 128 BPM F#min", "SO_90_keys_Cm", "Kick 01", "Pad 100 BPM Am", "Bass 95bpm Am"]
    m.set_library(LibraryData.from_records([record(i, 1.0, name=n) for i, n in enumerate(names)]))
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    shown = functools.partial(names_shown, m)

    assert shown("bpm:128") == ["Loop 128 BPM F#min.wav"]
    assert shown("bpm:90-100") == ["Bass 95bpm Am.wav", "Pad 100 BPM Am.wav", "SO_90_keys_Cm.wav"]
    assert shown("key:am") == ["Bass 95bpm Am.wav", "Pad 100 BPM Am.wav"]
    assert shown("pad key:A minor bpm:100") == ["Pad 100 BPM Am.wav"]
    assert shown("bpm:60-70") == []
    # key:Em+: the keys that mix with Em (Em, G, Bm, Am)
    assert shown("key:Em+") == ["Bass 95bpm Am.wav", "Pad 100 BPM Am.wav"]
    assert shown("key:Gm+") == ["SO_90_keys_Cm.wav"]  # Gm, Bb, Dm and Cm
    assert shown("key:Bbm+") == []  # Bbm, Db, Fm and Ebm
    assert shown("") == sorted(f"{n}.wav" for n in names)


def test_the_filter_finds_loops_that_last_so_many_whole_bars():
    """bars:2 (or bars:1-2) keeps the loops that last that many whole bars at the tempo they
    declare: none without a tempo, and none whose length is not whole bars at it."""
    m = LibraryTableModel()
    names = ["Kick 01", "Hat 120 BPM", "Loop 90 BPM", "Loop 120 BPM", "Pad 60 BPM"]
    m.set_library(LibraryData.from_records([record(i, 1.0, name=n) for i, n in enumerate(names)]))
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    shown = functools.partial(names_shown, m)

    assert shown("bars:2") == ["Loop 120 BPM.wav"]  # 4 s at 120 BPM
    assert shown("bars:1-2") == ["Hat 120 BPM.wav", "Loop 120 BPM.wav"]
    assert shown("loop bars:1") == []  # 3 s at 90 BPM: four and a half beats
    assert shown("bars:3-8") == []

    # the Bars column says the same, sorts by it (none last) and says why on hover
    shown("")
    assert column(m, "bars") == ["1", "", "2", "", ""]  # Hat, Kick, Loop 120, Loop 90, Pad
    m.sort(COLUMN_INDEX["bars"], Qt.SortOrder.DescendingOrder)
    assert column(m, "name")[:2] == ["Loop 120 BPM.wav", "Hat 120 BPM.wav"]
    tips = dict(zip(column(m, "name"), column(m, "bars", Qt.ItemDataRole.ToolTipRole), strict=True))
    assert "2 bars of four at 120 BPM" in tips["Loop 120 BPM.wav"]
    assert "Not a whole number of bars of four at 90 BPM" in tips["Loop 90 BPM.wav"]
    assert "No tempo declared" in tips["Kick 01.wav"]


def test_the_waveform_title_names_the_tempo_and_key_a_loop_declares():
    m = LibraryTableModel()
    names = ["Loop 128 BPM F#min", "Kick 01", "Pad Am"]
    m.set_library(LibraryData.from_records([record(i, 1.0, name=n) for i, n in enumerate(names)]))
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    assert [m.declared_tags(r) for r in range(3)] == ["", "128 BPM \u00b7 F#m", "Am"]


def test_rows_of_ids_finds_the_rows_of_the_ids_the_library_holds():
    library = LibraryData.from_records([record(i, 1.0) for i in (30, 10, 20)])
    rows, found = library.rows_of_ids([20, 99, 30, 10])
    assert found.tolist() == [True, False, True, True]  # 99: a loop scanned in since
    assert library.ids[rows].tolist() == [20, 30, 10]
    empty = LibraryData.from_records([])
    assert empty.rows_of_ids([1, 2])[1].tolist() == [False, False]
    assert library.rows_of_ids([])[0].tolist() == []


def test_extra_copies_keep_the_copy_the_producer_noted_before_one_only_flagged():
    """A flag goes on every copy of a sound, so the copy with a note or tags is the one the
    producer worked with; a flag alone (older versions flagged one copy) comes next."""
    m = LibraryTableModel()
    lib = LibraryData.from_records(
        [
            record(0, 1.0, flag="unusual"),
            record(1, 1.0, note="the one in my song"),
            record(2, 1.0),
            record(3, 1.0, flag="typical"),
            record(4, 1.0),
        ]
    )
    lib.copy_group[:] = [0, 0, 0, 1, 1]  # two files: rows 0-2 the same bytes, rows 3-4 too
    m.set_library(lib)
    m.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    assert sorted(m.extra_copies()) == [0, 2, 4]
    # flagged with this version, every copy carries the flag: the noted one still stays,
    # and without a note the first
    lib.flags[:] = ["unusual"] * 3 + ["typical"] * 2
    assert sorted(m.extra_copies()) == [0, 2, 4]
    lib.notes[1] = ""
    assert sorted(m.extra_copies()) == [1, 2, 4]


def test_values_of_ids_come_in_the_order_given_with_unknown_ids_as_none():
    """The window asks for a selection's flags, notes and tags before a change (for its undo):
    in the order given, and an id the table no longer holds reads as none."""
    m = LibraryTableModel()
    lib = LibraryData.from_records(
        [record(i, 1.0, flag=f, note=n) for i, f, n in ((7, "typical", "a"), (3, None, None))]
    )
    m.set_library(lib)
    assert m.flags_of([3, 99, 7]) == [None, None, "typical"]
    assert m.notes_of([7, 3, 99]) == ["a", "", ""]
    m.update_flags([99, 3], "unusual")
    m.update_notes(np.array([3]), "b")
    assert m.flags_of([7, 3]) == ["typical", "unusual"] and m.notes_of([3]) == ["b"]
    m.update_scores(np.array([99, 7]), np.array([5.0, 2.5]), np.array([100.0, 40.0]))
    assert lib.score[lib.ids == 7][0] == 2.5 and np.isnan(lib.score[lib.ids == 3][0])


def test_the_added_column_sorts_by_when_loops_came_in_and_reads_as_a_date():
    import time

    now = time.time()
    m = LibraryTableModel()
    m.set_library(
        LibraryData.from_records(
            [
                record(1, 1.0, added=now - 400 * 86400),
                record(2, 2.0, added=now - 60),
                record(3, 3.0, added=now - 3 * 86400),
                record(4, 4.0),  # not known (a row repair rebuilt, say): last either way
            ]
        )
    )
    m.sort(COLUMN_INDEX["added"], Qt.SortOrder.DescendingOrder)
    assert column(m, "added", ID_ROLE) == [2, 3, 1, 4]
    shown = column(m, "added")
    assert shown[0].startswith("Today ") and shown[3] == ""
    assert shown[2].endswith(time.strftime("%Y", time.localtime(now - 400 * 86400)))
    tips = column(m, "added", Qt.ItemDataRole.ToolTipRole)
    assert "Added to the library " + time.strftime("%Y-%m-%d", time.localtime(now - 60)) in tips[0]
    m.sort(COLUMN_INDEX["added"], Qt.SortOrder.AscendingOrder)
    assert column(m, "added", ID_ROLE) == [1, 3, 2, 4]

    # the filter's added: term keeps what came in since then (not known: never)
    m.set_filter("added:today")
    assert column(m, "added", ID_ROLE) == [2]
    m.set_filter("added:1w")
    assert column(m, "added", ID_ROLE) == [3, 2]
    m.set_filter("loop001 added:2w")
    assert column(m, "added", ID_ROLE) == []


def test_a_first_click_on_unusual_score_or_added_sorts_high_to_low(model):
    order = Qt.ItemDataRole.InitialSortOrderRole
    header = {key: model.headerData(COLUMN_INDEX[key], Qt.Orientation.Horizontal, order)
              for key in ("percentile", "score", "added", "name", "duration")}  # fmt: skip
    assert header == {
        "percentile": Qt.SortOrder.DescendingOrder,
        "score": Qt.SortOrder.DescendingOrder,
        "added": Qt.SortOrder.DescendingOrder,
        "name": Qt.SortOrder.AscendingOrder,
        "duration": Qt.SortOrder.AscendingOrder,
    }


def test_the_filter_s_unusual_term_keeps_the_loops_shown_at_or_above_that_percent(model):
    """Unusual % here: loop001 90, loop002 100, loop004 25, loop005 5, loop006 70, loop003
    not scored (never kept)."""
    assert sorted(names_shown(model, "unusual:90")) == ["loop001.wav", "loop002.wav"]
    assert sorted(names_shown(model, "unusual:20-80")) == ["loop004.wav", "loop006.wav"]
    assert sorted(names_shown(model, "unusual:80-20")) == ["loop004.wav", "loop006.wav"]
    assert names_shown(model, "loop006 unusual:50") == ["loop006.wav"]
    assert names_shown(model, "unusual:120") == []  # no such percent: text, which finds nothing


def test_loops_the_latest_training_moved_across_the_cut_are_marked_and_found():
    """↑ before the Unusual % of a loop the latest training put above the cut (the one
    before had it below), ↓ for one it put below; the tooltip says so, and unusual:new /
    unusual:fell show them. A reload without crossings (the next training) takes them off."""
    m = LibraryTableModel()
    records = [record(1, 9.0), record(2, 10.0), record(4, 2.5), record(3, None, status="error")]
    m.set_library(LibraryData.from_records(records).with_crossings(new=[2, 99], fell=[4]))
    shown = dict(zip(column(m, "name"), column(m, "percentile"), strict=True))
    assert shown == {"loop002.wav": "\u2191100", "loop001.wav": "90", "loop004.wav": "\u219325",
                     "loop003.wav": ""}  # fmt: skip
    tip_role = Qt.ItemDataRole.ToolTipRole
    tips = dict(zip(column(m, "name"), column(m, "percentile", tip_role), strict=True))
    assert "Above the unusual cut since the last training" in tips["loop002.wav"]
    assert "Below the unusual cut since the last training" in tips["loop004.wav"]
    assert "unusual cut" not in tips["loop001.wav"]
    assert names_shown(m, "unusual:new") == ["loop002.wav"]
    assert names_shown(m, "loop unusual:fell") == ["loop004.wav"]
    assert names_shown(m, "unusual:new unusual:90") == ["loop002.wav"]
    # after a switch of detector the tooltip names the one before: the switch moves loops
    m.set_filter("")
    m.set_library(LibraryData.from_records(records).with_crossings([2], [4], before="knn"))
    tips = dict(zip(column(m, "name"), column(m, "percentile", tip_role), strict=True))
    assert "(the one before (knn) had it below)" in tips["loop002.wav"]
    assert "(the one before (knn) had it above)" in tips["loop004.wav"]
    m.set_library(LibraryData.from_records(records).with_crossings([], []))
    assert "\u2191100" not in column(m, "percentile") and names_shown(m, "unusual:new") == []


def test_a_tempo_and_key_set_by_hand_show_over_the_heard_one_and_give_it_back():
    """Yours shows plain (not muted, no ≈), Bars counts at it, and taking it off shows what
    the loop says again, without reading the library anew."""
    from dataclasses import replace

    from qt_text import as_shown

    m = LibraryTableModel()
    groove = replace(record(0, 1.0, name="groove"), duration=2.0, heard_tempo=120.0)
    mine = replace(groove, user_tempo=240.0, user_key="Dm")
    m.set_library(LibraryData.from_records([mine]))
    assert (column(m, "tempo"), column(m, "key"), column(m, "bars")) == (["240"], ["Dm"], ["2"])
    assert column(m, "tempo", Qt.ItemDataRole.ForegroundRole) == [None]
    tip = as_shown(column(m, "tempo", Qt.ItemDataRole.ToolTipRole)[0])
    assert tip.startswith("240 BPM, set by you (Loop > Tempo and Key…)\nThe loop itself says")
    assert "about \u2248" not in tip and "about 120 BPM, heard in its sound" in tip
    assert m.declared_tags(0) == "240 BPM (yours) \u00b7 Dm (yours)"  # the waveform's title
    assert m.declared_tempo(0) == 240.0
    m.update_user_data("tempo", {None: [0]})
    m.update_user_data("key", {None: [0]})
    assert (column(m, "tempo"), column(m, "key"), column(m, "bars")) == (["\u2248120"], [""], ["1"])
