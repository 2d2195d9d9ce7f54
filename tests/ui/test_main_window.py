"""The main window: the table and map, flags and notes, filters, the Why unusual? panel,
the layout, libraries and the trash (jobs, audition and export have files of their own)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import audiogen
import numpy as np
from PySide6.QtCore import QPoint, QRectF, Qt, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from qt_drops import drop_on
from qt_text import as_shown
from qt_windows import window_on_store, window_on_written_loops

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.library_model import COLUMN_INDEX


def test_window_shows_the_scored_library_most_unusual_first(window):
    assert window.pages.currentIndex() == 1  # the browser, not the welcome page
    names = [window.model.library.names[i] for i in window.model._view[:2]]
    assert set(names) == {"tone_a.wav", "tone_b.wav"}
    assert len(window.map.ids) == 16  # every embedded loop (the broken file has no vector)
    assert "17 loops" in window.counts_label.full_text()
    assert "Axes:" in window.map.caption.text()


def test_map_tips_never_say_more_than_99_percent(window):
    top = int(window.map.ids[np.nanargmax(window.map._percentile)])
    window.map._percentile[window.map._row_of(top)] = 99.8
    assert as_shown(window.map._tip(0, 0, top)).endswith("more unusual than 99% of the library")
    window.map._percentile[window.map._row_of(top)] = 0.4  # the most typical: not "than 0%"
    assert as_shown(window.map._tip(0, 0, top)).endswith("less unusual than 99% of the library")


def test_table_selection_rings_points_and_map_selection_selects_rows(window):
    window.table.selectRow(3)
    chosen = window.selected_ids()
    assert len(chosen) == 1
    ringed = window.map.rings.getData()
    position = window.map.point_position(chosen[0])
    assert (ringed[0][0], ringed[1][0]) == (position.x(), position.y())

    xy = window.map.xy
    box = QRectF(
        xy[:, 0].min() - 1,
        xy[:, 1].min() - 1,
        xy[:, 0].max() - xy[:, 0].min() + 2,
        xy[:, 1].max() - xy[:, 1].min() + 2,
    )
    window.map._select_in_rect(box)
    assert sorted(window.selected_ids()) == sorted(window.map.ids.tolist())
    target = int(window.map.ids[5])
    window.map.selection_made.emit([target])
    assert window.selected_ids() == [target]


def test_flag_keys_write_to_the_store_at_once(qtbot, window, scored_library):
    path, _ = scored_library
    window.table.setFocus()
    window.table.selectRow(0)
    first = window.selected_ids()[0]
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    window.table.selectRow(1)
    second = window.selected_ids()[0]
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    assert window.statusBar().currentMessage().startswith("Flagged 1 loop typical. Retrain")
    with Store(path) as other:  # a second connection sees it: it was committed
        flags = {r.id: r.flag for r in other.list_samples()}
    assert (flags[first], flags[second]) == ("unusual", "typical")
    assert window.model.flags_of([first]) == ["unusual"]
    assert "1 typical · 1 unusual" in window.counts_label.full_text()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_0)
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[first] is None
    assert "s" in window.map.point_symbols()  # the typical flag shows on the map
    assert window.map.point_count() == 16


def shown_ids(window) -> list[int]:
    return [window.model.sample_id(row) for row in range(window.model.rowCount())]


def flag_on_the_unflagged_list(qtbot, window, row: int) -> list[int]:
    """Show the Unflagged list, press T on its `row` and wait for the loop to leave it; the
    ids the list showed before."""
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    before = shown_ids(window)
    window.table.setFocus()
    window.table.selectRow(row)
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(before) - 1)
    return before


def test_flagging_through_the_unflagged_list_shrinks_it_and_undo_brings_a_loop_back(qtbot, window):
    """T and U on the Unflagged list: each loop flagged leaves it, the one below becomes
    current in the same place on the screen (the list used to fill up with flagged loops until
    the filter was chosen again). Ctrl+Z brings the loop back and selects it again."""
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    before = shown_ids(window)
    assert len(before) == 17
    window.table.setFocus()
    window.table.selectRow(2)
    y = window.table.visualRect(window.table.currentIndex()).top()
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: window.model.rowCount() == 16)
    assert shown_ids(window) == before[:2] + before[3:]
    assert window.selected_ids() == [before[3]]
    assert window.table.visualRect(window.table.currentIndex()).top() == y
    qtbot.keyClick(window.table, Qt.Key.Key_U)  # the new current loop, flagged in turn
    qtbot.waitUntil(lambda: window.model.rowCount() == 15)
    assert window.selected_ids() == [before[4]]
    window.undo()  # Ctrl+Z: the loop comes back, selected again, where the producer was
    qtbot.waitUntil(lambda: window.model.rowCount() == 16)
    assert before[3] in shown_ids(window) and window.model.flags_of([before[3]]) == [None]
    assert window.selected_ids() == [before[3]]
    window.table.selectRow(window.model.rowCount() - 1)  # the last loop: the one above follows
    last, above = shown_ids(window)[-1], shown_ids(window)[-2]
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: last not in shown_ids(window))
    assert window.selected_ids() == [above]
    window.filter_flag.setCurrentIndex(0)  # every loop again, the flags kept
    assert window.model.rowCount() == 17
    assert window.model.flags_of([before[2], last]) == ["typical", "unusual"]


def test_b_goes_back_to_a_loop_t_took_out_of_the_list_and_keeps_the_list(qtbot, window):
    """B after T on the Unflagged list: the loop just flagged is hidden by the filter, and B
    cleared every filter to show it, which lost the list being worked through. Now it shows
    in its place with the filter kept, until the next edit."""
    before = flag_on_the_unflagged_list(qtbot, window, 2)
    qtbot.keyClick(window.table, Qt.Key.Key_B)
    assert window.filter_flag.currentData() == "unflagged"
    assert shown_ids(window) == before and window.selected_ids() == [before[2]]
    qtbot.keyClick(window.table, Qt.Key.Key_B)  # and back: an A/B of the two
    assert window.selected_ids() == [before[3]] and window.model.rowCount() == 17
    qtbot.keyClick(window.table, Qt.Key.Key_U)  # the next edit: both flagged loops go
    qtbot.waitUntil(lambda: window.model.rowCount() == 15)
    assert shown_ids(window) == before[:2] + before[4:]
    assert window.selected_ids() == [before[4]]
    window.filter_flag.setCurrentIndex(0)
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    assert window.model.rowCount() == 15  # nothing kept in view for another filter


def test_every_loop_of_the_unflagged_list_flagged_at_once_empties_it_and_undo_refills_it(
    qtbot, window
):
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    window.table.setFocus()
    window.table.selectAll()
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert window.selected_ids() == [] and window.waveform.duration == 0.0
    # the end of a pass, and what comes next (not "No loop matches the filter")
    assert window.table.empty_text().startswith("Every loop here is flagged")
    assert window.table.accessibleDescription() == window.table.empty_text()  # read out too
    window.undo()
    qtbot.waitUntil(lambda: window.model.rowCount() == 17)
    assert window.model.flags_of(shown_ids(window)) == [None] * 17


def test_next_after_flag_on_the_unflagged_list_goes_to_the_next_loop_not_past_it(qtbot, window):
    """Next after flag moved on a row, then the flagged loop left: the two together must not
    skip the loop that was below it."""
    window.next_after_flag_box.setChecked(True)
    before = flag_on_the_unflagged_list(qtbot, window, 5)
    assert window.selected_ids() == [before[6]]


def test_n_writes_a_note_for_the_selection_that_the_filter_finds(
    qtbot, window, scored_library, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog

    path, _ = scored_library
    asked = []

    def answer(parent, title, label, mode, text):
        asked.append((label, text))
        return answers.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    window.table.setFocus()
    window.table.selectRow(0)
    window.table.selectionModel().select(
        window.model.index(1, 0),
        window.table.selectionModel().SelectionFlag.Select
        | window.table.selectionModel().SelectionFlag.Rows,
    )
    chosen = window.selected_ids()
    assert len(chosen) == 2
    answers = [("  too bright, pitch down  ", True)]
    qtbot.keyClick(window.table, Qt.Key.Key_N)
    assert asked[-1] == ("Note for these 2 loops (empty clears it; filter the table by it):", "")
    with Store(path) as other:  # committed at once
        notes = {r.id: r.note for r in other.list_samples()}
    assert [notes[i] for i in chosen] == ["too bright, pitch down"] * 2
    assert window.statusBar().currentMessage() == "Noted 2 loops. Ctrl+Z undoes it."
    column = COLUMN_INDEX["note"]
    assert window.model.data(window.model.index(0, column)) == "too bright, pitch down"
    tip = window.model.data(window.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tip).endswith("\nNote: too bright, pitch down")
    window.filter_text.setText("pitch down")
    assert sorted(window.model.visible_ids().tolist()) == sorted(chosen)
    window.filter_text.setText("")

    # the dialog starts from the shared note; cancel changes nothing, empty clears it
    window.select_ids([chosen[0]])
    answers = [("ignored", False), ("", True)]
    window.edit_note()
    assert asked[-1][1] == "too bright, pitch down"
    with Store(path) as other:
        assert {r.id: r.note for r in other.list_samples()}[chosen[0]] == "too bright, pitch down"
    window.edit_note()
    with Store(path) as other:
        assert {r.id: r.note for r in other.list_samples()}[chosen[0]] is None
    assert window.model.notes_of([chosen[0]]) == [""]


def test_home_and_end_go_to_the_first_and_last_loop(qtbot, window):
    """As in a file manager's list: a table's own End went to the row's last column, scrolling
    the names out of view while the same loop stayed selected."""
    window.resize(900, 700)  # too narrow for every column: End could scroll sideways
    window.table.selectRow(3)
    scrolled = window.table.horizontalScrollBar().value()
    last = window.model.rowCount() - 1
    qtbot.keyClick(window.table, Qt.Key.Key_End)
    assert window.table.currentIndex().row() == last and window.selected_rows() == [last]
    assert window.table.currentIndex().column() == 0
    assert window.table.horizontalScrollBar().value() == scrolled
    qtbot.keyClick(window.table, Qt.Key.Key_Home)
    assert window.table.currentIndex().row() == 0 and window.selected_rows() == [0]
    qtbot.keyClick(window.waveform, Qt.Key.Key_End)  # from wherever the audition keys work
    assert window.selected_rows() == [last]
    # with Ctrl, as Ctrl with the arrows: the current row moves, the selection stays
    qtbot.keyClick(window.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert window.table.currentIndex().row() == 0 and window.selected_rows() == [last]
    assert window.table.horizontalScrollBar().value() == scrolled


def test_a_click_on_a_column_half_in_view_keeps_the_names_in_view(qtbot, window):
    """A click on the BPM cell at the table's right edge scrolled the table sideways to show
    that column whole, and the loops' names went out of view (found by a monkey run); Left
    and Right scroll sideways instead of moving an unseen current column."""
    window.resize(900, 700)  # too narrow for every column
    window.show()
    qtbot.waitExposed(window)
    table, bar = window.table, window.table.horizontalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    width = table.viewport().width()
    column = max(  # the rightmost column that starts in view, made to run past the edge
        (c for c in range(window.model.columnCount()) if not table.isColumnHidden(c)),
        key=lambda c: (
            table.columnViewportPosition(c) if table.columnViewportPosition(c) < width - 30 else -1
        ),
    )
    table.setColumnWidth(column, width - table.columnViewportPosition(column) + 60)
    cell = table.visualRect(window.model.index(4, column)).intersected(table.viewport().rect())
    assert cell.width() >= 30  # half in view
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    assert window.selected_rows() == [4] and bar.value() == 0
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert 0 < bar.value() < bar.maximum() and window.selected_rows() == [4]  # a step
    qtbot.keyClick(table, Qt.Key.Key_Left)
    assert bar.value() == 0
    qtbot.keyClick(table, Qt.Key.Key_Down)  # the rows still scroll into view
    assert window.selected_rows() == [5]


def test_problems_panel_lists_filters_and_copies(qtbot, window):
    panel = window.problems
    assert panel.count() == 1
    assert "broken.wav" in panel.visible_problems()[0][0]
    assert "not an audio file" in panel.visible_problems()[0][1]
    assert window.problems_button.text() == "⚠ 1 problem"
    panel.add_problems([("/x/other.wav", "empty file (0 bytes)")])
    panel.filter.setText("empty")
    assert panel.visible_problems() == [("/x/other.wav", "empty file (0 bytes)")]
    assert panel.copy_visible() == "/x/other.wav\tempty file (0 bytes)"


def test_explain_panel_fills_for_the_selected_loop(qtbot, window):
    window.table.selectRow(0)
    qtbot.waitUntil(
        lambda: "more unusual than" in window.explain_panel.toPlainText(), timeout=10_000
    )
    assert "Nearest typical loops" in window.explain_panel.toPlainText()
    # each neighbour says which folder it is in (packs reuse names: "Kick 01.wav")
    for path in window.explain_panel._links:
        folder = os.path.basename(os.path.dirname(path))
        assert (
            f"{os.path.basename(path)} in {folder} · distance" in window.explain_panel.toPlainText()
        )


def test_the_panel_says_a_flag_at_once_and_names_only_typical_neighbours(qtbot, window):
    """A flag is explained again at once (the panel reads the library anew: the space kept
    for moving from loop to loop would still have the loop unflagged)."""
    panel = window.explain_panel
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "Nearest typical loops" in panel.toPlainText(), timeout=10_000)
    neighbour = panel._links[0]
    assert "You flagged it" not in panel.toPlainText()
    window.flag_selection("unusual")
    qtbot.waitUntil(lambda: "You flagged it unusual." in panel.toPlainText(), timeout=10_000)
    window.select_ids([window.model.library.ids[window.model.library.paths.index(neighbour)]])
    window.flag_selection("unusual")  # the first loop's nearest typical neighbour, no longer
    window.table.selectRow(0)
    qtbot.waitUntil(
        lambda: not window._explain_timer.isActive() and not window.runner.running("explain"),
        timeout=10_000,
    )
    # the explanation's result is delivered from the worker (queued: at once, or later under load)
    qtbot.waitUntil(lambda: neighbour not in panel._links, timeout=10_000)
    assert panel.toPlainText().startswith(os.path.basename(window.model.path(0)))
    assert "You flagged it unusual." in panel.toPlainText()


def test_a_neighbour_clicked_in_the_panel_is_selected_even_if_filtered_out(qtbot, window):
    from PySide6.QtCore import QUrl

    window.filter_text.setText("tone_a")  # the neighbours (drum loops) are filtered out
    window.table.selectRow(0)
    panel = window.explain_panel
    qtbot.waitUntil(lambda: "more unusual than" in panel.toPlainText(), timeout=10_000)
    first = panel._links[0]
    assert os.path.basename(first) in panel.toPlainText() and "href" in panel.toHtml()
    with qtbot.waitSignal(panel.loop_chosen) as chosen:
        panel.anchorClicked.emit(QUrl("loop:0"))
    assert chosen.args == [first]
    assert window.filter_text.text() == ""  # the filter made way for it
    assert [window.model.path(r) for r in window.selected_rows()] == [first]
    panel.anchorClicked.emit(QUrl("loop:99"))  # a stale link does nothing
    panel.anchorClicked.emit(QUrl("https://example.com"))
    assert [window.model.path(r) for r in window.selected_rows()] == [first]
    assert not window.go_to_path("/no/such/loop.wav")
    assert "no longer in the library" in window.statusBar().currentMessage()


def test_every_tags_copies_show_progress_and_a_cancel_keeps_the_dialog_open(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QProgressDialog

    from anomalizer_desktop.ui import plain_text
    from anomalizer_desktop.ui.export_dialog import EACH_TAG, ExportDialog

    ids = [int(i) for i in window.model.library.ids[:4]]
    window.store.edit_tags(ids[:2], add=["drums"])
    window.store.edit_tags(ids[2:], add=["keep"])
    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    dialog.which.setCurrentIndex(dialog.which.findData(EACH_TAG))
    dialog.format.setCurrentIndex(dialog.format.findData("copies"))
    dialog.target.setText(str(tmp_path / "Sets"))
    labels = []
    monkeypatch.setattr(QProgressDialog, "setLabelText", lambda self, text: labels.append(text))
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: len(labels) >= 3)
    assert not dialog.export()  # stopped in the second set: the first is written whole
    assert labels == [f"Copying the loops… {n} of 4" for n in (1, 2, 3)]
    assert dialog.count_label.text() == (
        "The export was cancelled: 1 set written whole (2 loops), the rest not."
    )
    assert sorted(os.listdir(tmp_path / "Sets")) == [".anomalizer-sets", "drums"]
    monkeypatch.undo()
    asked = []
    monkeypatch.setattr(plain_text, "confirm", lambda *args: asked.append(args[2]) or True)
    assert dialog.export()  # the set written before the cancel is replaced after asking
    assert asked == [f"The set of drums in {tmp_path / 'Sets'} is an earlier export. Replace it?"]
    assert sorted(os.listdir(tmp_path / "Sets")) == [".anomalizer-sets", "drums", "keep"]


def test_preferences_persist(qtbot, settings, tmp_path):
    from PySide6.QtCore import QSettings

    from anomalizer_desktop.ui.preferences import PreferencesDialog
    from anomalizer_desktop.ui.settings import Settings

    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    dialog.library.setText(str(tmp_path / "other.sqlite"))
    dialog.model_folder.setText(str(tmp_path / "models"))
    dialog.autoplay.setChecked(False)
    assert dialog.svdd_ensemble.value() == 5
    dialog.svdd_ensemble.setValue(1)
    dialog.audio_editor.setText(" /usr/bin/audacity ")
    dialog.accept()
    settings.q.sync()
    again = Settings(QSettings(settings.q.fileName(), QSettings.Format.IniFormat))
    assert again.get("library") == str(tmp_path / "other.sqlite")
    assert again.get("model_folder") == str(tmp_path / "models")
    assert again.get("autoplay") is False
    assert again.get("audio_device") == ""
    assert again.get("svdd_ensemble") == 1  # an int again, though the INI file holds text
    assert again.get("audio_editor") == "/usr/bin/audacity"


def test_a_late_explanation_does_not_replace_a_newer_selection(qtbot, window):
    window.table.selectRow(0)
    first = window.model.path(0)
    window.table.selectRow(1)
    window._show_explanation(first, "stale text for the first row")
    assert "stale text" not in window.explain_panel.toPlainText()


def test_a_slow_explanation_is_said_to_be_on_its_way_not_left_as_the_last_loops(
    qtbot, window, monkeypatch
):
    """The first explanation of a big library takes a second or two: meanwhile the panel
    showed the previous loop's (or "Select a loop", with one selected) as if it were this
    one's. Past EXPLAIN_WAIT_MS it says the explanation is being worked out."""
    import threading

    from anomalizer_desktop.ui import jobs, main_window

    panel = window.explain_panel
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "Nearest typical loops" in panel.toPlainText(), timeout=10_000)
    release = threading.Event()
    quick = jobs.explain_job

    def slow(path, embedder, generation=None):
        def factory(store, cancel):
            release.wait(10)
            return (yield from quick(path, embedder, generation)(store, cancel))

        return factory

    monkeypatch.setattr(jobs, "explain_job", slow)
    window.table.selectRow(1)
    second = os.path.basename(window.model.path(1))
    working = f"Working out why {second} is (or is not) unusual…"
    qtbot.waitUntil(lambda: panel.toPlainText() == working, timeout=10_000)
    assert not release.is_set()  # said while the explanation was still being worked out
    # on to the next loop while that one is still on its way: the panel names this one (it
    # had named the loop left behind until that one's explanation was done)
    window.table.selectRow(2)
    third = os.path.basename(window.model.path(2))
    qtbot.waitUntil(lambda: third in panel.toPlainText(), timeout=main_window.EXPLAIN_WAIT_MS)
    assert panel.toPlainText() == working.replace(second, third) and not release.is_set()
    release.set()
    qtbot.waitUntil(lambda: panel.toPlainText().startswith(third), timeout=10_000)
    assert "Nearest typical loops" in panel.toPlainText()
    qtbot.wait(main_window.EXPLAIN_WAIT_MS + 100)  # nothing overwrites it later
    assert panel.toPlainText().startswith(third)


def test_imported_embedders_are_offered(qtbot, scored_library, settings, tmp_path):
    import numpy as np

    from anomalizer_desktop.core.embedding.transfer import import_features

    path, _ = scored_library
    with Store(path) as store:
        ids, x = store.feature_matrix("dsp")
        paths = dict(store.execute("SELECT id, path FROM samples").fetchall())
        np.savez(tmp_path / "v.npz", x=x[:, :8], paths=np.array([paths[int(i)] for i in ids]))
        import_features(store, tmp_path / "v.npz", "studio")
    store = Store(path)
    win = window_on_store(qtbot, settings, store)
    items = [win.embedder_box.itemData(i)[0] for i in range(win.embedder_box.count())]
    assert items == ["dsp", "clap", "studio"]
    win.embedder_box.setCurrentIndex(2)
    win.reload()
    qtbot.waitUntil(lambda: not win.runner.any_running(), timeout=20_000)
    assert len(win.map.ids) == 16
    win.runner.cancel_all()
    store.close()


def test_installed_clap_checkpoints_are_offered(
    qtbot, scored_library, settings, tmp_path, monkeypatch
):

    models = tmp_path / "clap_models"
    models.mkdir()
    (models / "630k-audioset-fusion-best.pt").write_bytes(b"placeholder")
    monkeypatch.setenv("ANOMALIZER_MODELS", str(models))
    path, _ = scored_library
    store = Store(path)
    win = window_on_store(qtbot, settings, store)
    labels = [win.embedder_box.itemText(i) for i in range(win.embedder_box.count())]
    assert labels == ["dsp", "clap · 630k-audioset-fusion-best.pt"]
    assert win.embedder_box.itemData(1) == ("clap", str(models / "630k-audioset-fusion-best.pt"))
    qtbot.waitUntil(lambda: not win.runner.any_running(), timeout=20_000)
    store.close()


def test_dropping_loops_of_the_library_selects_them_through_the_filters(
    qtbot, window, monkeypatch, tmp_path
):
    """A loop dragged from the file manager is found: selected (the filter making way), so
    its unusualness and Why unusual? are there; a text file beside it is named and left out."""
    from anomalizer_desktop.ui import drops

    asked = []
    monkeypatch.setattr(drops, "ask_to_add", lambda *a: asked.append(a))
    names = ["tone_a.wav", "tone_b.wav"]
    paths = [p for p in window.model.library.paths if os.path.basename(p) in names]
    link = tmp_path / "link.wav"  # a link to a loop finds the loop
    link.symlink_to(paths[1])
    readme = tmp_path / "readme.txt"
    readme.write_text("not a loop")
    window.filter_text.setText("drum")  # hides both
    drop_on(window, paths[0], link, readme)
    message = window.statusBar().currentMessage()
    assert window.filter_text.text() == ""
    shown = sorted(os.path.basename(window.model.path(r)) for r in window.selected_rows())
    assert shown == sorted(names)
    assert asked == []  # nothing outside the library: nothing to ask
    assert message == "Left out 1 file that is not audio: readme.txt"
    assert not window.runner.any_running()
    # an Apple Loop is sound in a format it does not read, not "not audio"
    apple = tmp_path / "Shaker.m4a"
    apple.write_bytes(b"\x00" * 64)
    drop_on(window, apple, readme)
    assert window.statusBar().currentMessage() == (
        "Left out 1 file in a format anomalizer does not read: Shaker.m4a;"
        " 1 file that is not audio: readme.txt"
    )
    assert asked == [] and not window.runner.any_running()


def test_dropping_loops_from_outside_asks_before_adding_their_folder(
    qtbot, window, monkeypatch, tmp_path
):
    import audiogen

    from anomalizer_desktop.ui import drops

    pack = tmp_path / "new pack"
    for i in range(2):
        audiogen.write(pack / f"new_{i}.wav", audiogen.drum_loop(seed=50 + i))
    questions = []

    def answer(parent, drop):
        questions.append(drop.question())
        return None  # Cancel

    monkeypatch.setattr(drops, "ask_to_add", answer)
    drop_on(window, pack / "new_0.wav", pack / "new_1.wav")
    assert questions == [
        "2 dropped loops are not in this library. Add the folder they are in? Everything in"
        f" it is scanned, embedded and scored.\n\n{pack}"
    ]
    assert not window.runner.any_running() and window.model.rowCount() == 17  # cancelled
    monkeypatch.setattr(drops, "ask_to_add", lambda parent, drop: drops.ADD)
    window.table.selectRow(0)  # the user's own pick: the dropped loop takes over from it
    drop_on(window, pack / "new_1.wav")
    qtbot.waitUntil(lambda: window.model.rowCount() == 19, timeout=30_000)
    qtbot.waitUntil(lambda: np.isfinite(window.model.library.score).sum() == 18, timeout=60_000)
    shown = [os.path.basename(window.model.path(r)) for r in window.selected_rows()]
    assert shown == ["new_1.wav"]  # selected once scanned in, and still after scoring
    window._dropped_paths = [str(pack / "never_scanned.wav")]  # its scan was cancelled
    window.reload()
    qtbot.waitUntil(lambda: not window._dropped_paths, timeout=10_000)  # not waited for


def test_delete_moves_the_selected_loops_to_the_trash_and_forgets_them(
    qtbot, window, monkeypatch, tmp_path
):
    from PySide6.QtGui import QKeyEvent

    from anomalizer_desktop.ui import trash

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the desktop's trash
    asked = []
    answer = [False]
    monkeypatch.setattr(
        trash,
        "confirm",
        lambda parent, paths, annotated, links: (
            asked.append((paths, annotated, links)) or answer[0]
        ),
    )
    window.table.selectRow(0)
    window.flag_selection("unusual")
    window.select_ids([window.model.sample_id(0), window.model.sample_id(1)])
    doomed = [window.model.path(0), window.model.path(1)]
    below = window.model.sample_id(2)
    delete = QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier)
    window.table.keyPressEvent(delete)  # Delete in the table; asked, and cancelled
    assert asked == [(doomed, 1, [])] and all(os.path.exists(p) for p in doomed)
    answer[0] = True
    window.table.keyPressEvent(delete)
    assert not any(os.path.exists(p) for p in doomed)
    trashed = sorted(os.listdir(tmp_path / "data" / "Trash" / "files"))
    assert trashed == sorted(os.path.basename(p) for p in doomed)
    assert window.statusBar().currentMessage() == "Moved 2 loops to the trash."
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    assert window.selected_ids() == [below]  # auditioning goes on from the next loop
    assert window.store.flag_counts()["unusual"] == 0
    assert not set(doomed) & set(window.model.library.paths)
    # Ctrl+Z takes them back out of the trash as they were: flag, scores, ids; the desktop's
    # trash lists them no more; redo sends them again (until 2026-12-04 it could not)
    scores = window.store.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    assert window.act_undo.text() == "Undo move 2 loops to the trash"
    window.undo()
    assert all(os.path.exists(p) for p in doomed)
    assert os.listdir(tmp_path / "data" / "Trash" / "files") == []
    assert os.listdir(tmp_path / "data" / "Trash" / "info") == []
    qtbot.waitUntil(lambda: window.model.rowCount() == 17, timeout=10_000)
    assert window.store.flag_counts()["unusual"] == 1
    assert window.store.execute("SELECT COUNT(*) FROM scores").fetchone()[0] > scores
    assert sorted(window.selected_ids()) == sorted(window.model.sample_ids([0, 1]))
    window.redo()
    assert not any(os.path.exists(p) for p in doomed)
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    assert window.store.flag_counts()["unusual"] == 0
    window.undo()
    qtbot.waitUntil(lambda: window.model.rowCount() == 17, timeout=10_000)
    assert all(os.path.exists(p) for p in doomed) and window.store.flag_counts()["unusual"] == 1


def test_move_to_folder_keeps_loops_moved_in_the_library_and_asks_before_taking_them_out(
    qtbot, window, scored_library, monkeypatch, tmp_path
):
    """Edit > Move to Folder: into a folder of the library the loops move with their flags and
    scores and stay selected, without a question; out of its folders it asks first, and the
    loops leave the library while their files are kept."""
    from anomalizer_desktop.ui import move_files

    _, root = scored_library
    chosen, asked, answer = [str(root / "Rejects")], [], [False]
    monkeypatch.setattr(move_files, "choose_folder", lambda parent, start: chosen[0])
    monkeypatch.setattr(
        move_files,
        "confirm_leaving",
        lambda parent, count, folder, annotated, links: (
            asked.append((count, folder, annotated)) or answer[0]
        ),
    )
    window.table.selectRow(0)
    window.flag_selection("unusual")
    ids = [window.model.sample_id(0), window.model.sample_id(1)]
    window.select_ids(ids)
    paths = [window.model.path(0), window.model.path(1)]
    scores = window.store.execute("SELECT COUNT(*) FROM scores").fetchone()[0]

    assert window.act_move.isEnabled()
    window.act_move.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Moved"), timeout=10_000)
    assert window.statusBar().currentMessage() == f"Moved 2 loops to {root / 'Rejects'}."
    assert asked == [] and not any(os.path.exists(p) for p in paths)
    moved = sorted(str(root / "Rejects" / os.path.basename(p)) for p in paths)
    qtbot.waitUntil(lambda: set(moved) <= set(window.model.library.paths), timeout=10_000)
    assert sorted(window.selected_ids()) == sorted(ids)  # the same loops, still selected
    assert window.store.flag_counts()["unusual"] == 1
    assert window.store.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == scores
    assert window.settings.get("move_folder") == str(root / "Rejects")
    assert window.act_undo.text() == "Undo move 2 loops to Rejects"
    window.undo()  # Ctrl+Z: each back where it was, the library following
    assert all(os.path.exists(p) for p in paths) and os.listdir(root / "Rejects") == []
    qtbot.waitUntil(lambda: set(paths) <= set(window.model.library.paths), timeout=10_000)
    window.redo()
    assert all(os.path.exists(p) for p in moved)
    qtbot.waitUntil(lambda: set(moved) <= set(window.model.library.paths), timeout=10_000)
    assert sorted(window.selected_ids()) == sorted(ids)
    assert window.store.flag_counts()["unusual"] == 1

    chosen[0] = str(tmp_path / "outside")
    window.act_move.trigger()  # asked, and cancelled: nothing moves
    assert asked == [(2, str(tmp_path / "outside"), 1)]
    assert all(os.path.exists(p) for p in moved)
    answer[0] = True
    window.act_move.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    assert sorted(os.listdir(tmp_path / "outside")) == sorted(os.path.basename(p) for p in paths)
    assert window.statusBar().currentMessage() == (
        f"Moved 2 loops to {tmp_path / 'outside'} (they left the library)."
    )
    assert window.store.flag_counts()["unusual"] == 0
    # Ctrl+Z brings them back as they left, under their ids: flagged, scored, selected, and
    # the older steps of the history are still there (a move out emptied it until 2026-12-04)
    assert window.act_undo.text() == "Undo move 2 loops out to outside"
    window.undo()
    qtbot.waitUntil(lambda: window.model.rowCount() == 17, timeout=10_000)
    assert all(os.path.exists(p) for p in moved) and os.listdir(tmp_path / "outside") == []
    assert window.store.flag_counts()["unusual"] == 1
    assert window.store.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == scores
    assert sorted(window.selected_ids()) == sorted(ids)
    assert window.act_undo.text() == "Undo move 2 loops to Rejects"
    window.redo()  # and out again
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    assert sorted(os.listdir(tmp_path / "outside")) == sorted(os.path.basename(p) for p in paths)
    assert window.store.flag_counts()["unusual"] == 0
    assert window.act_undo.text() == "Undo move 2 loops out to outside"

    # a name taken in the folder: that loop stays, and the producer is told why
    warned = []
    monkeypatch.setattr(
        move_files.plain_text, "warn", lambda parent, title, text: warned.append(text)
    )
    window.table.selectRow(0)
    staying = window.model.path(0)
    (tmp_path / "outside" / os.path.basename(staying)).write_bytes(b"another file")
    window.act_move.trigger()
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert warned == [
        "1 loop did not move as asked:\n\n"
        f"{os.path.basename(staying)}: a file of the same name is in the folder (never replaced)"
    ]
    assert os.path.exists(staying) and window.model.rowCount() == 15


def test_a_redo_after_a_partial_undo_moves_out_only_the_loops_that_came_back(
    qtbot, window, scored_library, monkeypatch, tmp_path
):
    """A loop whose name was taken in its folder meanwhile stays out on Ctrl+Z (and is named);
    Ctrl+Y then moves out again the loops that came back, not that one, which it called gone
    until 2026-12-04. When none came back, there is nothing to redo."""
    from anomalizer_desktop.ui import move_files

    monkeypatch.setattr(move_files, "choose_folder", lambda parent, start: str(tmp_path / "out"))
    monkeypatch.setattr(move_files, "confirm_leaving", lambda *args: True)
    warned = []
    monkeypatch.setattr(
        move_files.plain_text, "warn", lambda parent, title, text: warned.append(text)
    )
    said = []
    window.statusBar().messageChanged.connect(lambda text: text and said.append(text))
    paths = [window.model.path(0), window.model.path(1)]
    window.select_ids([window.model.sample_id(0), window.model.sample_id(1)])
    window.act_move.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    os.mkdir(paths[0])  # something took the first loop's name in its folder meanwhile
    window.undo()
    qtbot.waitUntil(lambda: paths[1] in window.model.library.paths, timeout=10_000)
    assert paths[0] not in window.model.library.paths
    assert len(warned) == 1 and os.path.basename(paths[0]) in warned[0]
    folder = os.path.basename(os.path.dirname(paths[1]))
    assert f"Moved 1 loop back to {folder}: back in the library with its flag" in said[-2]
    assert window.model.path(window.selected_rows()[0]) == paths[1]
    below = window._row_after(window.selected_rows())
    window.redo()
    qtbot.waitUntil(lambda: paths[1] not in window.model.library.paths, timeout=10_000)
    assert sorted(os.listdir(tmp_path / "out")) == sorted(os.path.basename(p) for p in paths)
    assert len(warned) == 1  # the loop that stayed out is not called gone
    assert window.statusBar().currentMessage() == "Redone: move 1 loop out to out."
    assert window.act_undo.text() == "Undo move 1 loop out to out"
    # it came back selected, so the loop below it is selected now (not a loop gone)
    assert window.selected_ids() == [below]
    os.rmdir(paths[0])

    os.mkdir(paths[1])  # and now the other one's name: neither comes back
    window.undo()
    qtbot.waitUntil(lambda: len(warned) == 2, timeout=10_000)
    assert os.path.basename(paths[1]) in warned[1]
    assert not window.undo_stack.canRedo()  # nothing came back, so nothing to move out again
    assert sorted(os.listdir(tmp_path / "out")) == sorted(os.path.basename(p) for p in paths)


def test_a_move_between_drives_is_undone_as_a_job_with_its_progress(
    qtbot, window, scored_library, monkeypatch
):
    """Into a library folder on another drive each file is a copy: Ctrl+Z was not offered
    (it would have copied them back while the window waited). Now undo and redo run as a
    "move" job in the background, with Cancel (and the next undo waits for it)."""
    import errno

    from anomalizer_desktop.core.library import move_loops as mover
    from anomalizer_desktop.ui import window_move

    _, root = scored_library
    real_link = os.link

    def across(source, target, *args, **kwargs):  # as between two drives
        if ".partial" not in os.path.basename(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link", source)
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(mover.os, "link", across)
    monkeypatch.setattr(window_move, "_on_one_drive", lambda one, other: False)
    started = []
    real_start = window.runner.start
    monkeypatch.setattr(
        window.runner, "start", lambda kind, f: (started.append(kind), real_start(kind, f))[1]
    )
    ids = [window.model.sample_id(0), window.model.sample_id(1)]
    paths = [window.model.path(0), window.model.path(1)]
    other = root / "Other drive"
    window.move_dropped(str(other), ids)
    moved = [str(other / os.path.basename(p)) for p in paths]
    qtbot.waitUntil(lambda: set(moved) <= set(window.model.library.paths), timeout=10_000)
    assert window.act_undo.text() == "Undo move 2 loops to Other drive"

    started.clear()
    window.undo()
    assert started == ["move"]  # a job, not the window waiting on the copies
    qtbot.waitUntil(lambda: set(paths) <= set(window.model.library.paths), timeout=10_000)
    assert all(os.path.exists(p) for p in paths) and os.listdir(other) == []
    assert window.statusBar().currentMessage() == f"Moved 2 loops back to {root.name}."
    assert sorted(window.selected_ids()) == sorted(ids)
    window.redo()
    qtbot.waitUntil(lambda: set(moved) <= set(window.model.library.paths), timeout=10_000)
    assert window.statusBar().currentMessage() == "Moved 2 loops to Other drive again."
    assert all(os.path.exists(p) for p in moved) and not any(os.path.exists(p) for p in paths)


def test_a_move_out_of_the_library_between_drives_is_undone_as_a_job(
    qtbot, window, scored_library, monkeypatch, tmp_path
):
    """Out of the library onto another drive: Ctrl+Z copies the files back as a "move" job
    and the loops come back with their flags and scores, selected. Had a loop scanned in since
    taken a freed number, the loop comes back under a new one and the older history goes (its
    steps would reach the newcomer)."""
    from anomalizer_desktop.ui import move_files, window_move

    _, root = scored_library
    monkeypatch.setattr(move_files, "confirm_leaving", lambda *args: True)
    monkeypatch.setattr(window_move, "_on_one_drive", lambda one, other: False)
    newest = max(range(window.model.rowCount()), key=lambda r: window.model.sample_id(r))
    ids = [int(window.model.sample_id(newest))]
    path = window.model.path(newest)
    window.select_ids(ids)
    window.flag_selection("unusual")
    monkeypatch.setattr(move_files, "choose_folder", lambda parent, start: str(tmp_path / "out"))
    window.act_move.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 16, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    assert window.act_undo.text() == "Undo move 1 loop out to out"
    started = []
    real_start = window.runner.start
    monkeypatch.setattr(
        window.runner, "start", lambda kind, f: (started.append(kind), real_start(kind, f))[1]
    )
    window.undo()
    assert started[0] == "move"
    qtbot.waitUntil(lambda: window.model.rowCount() == 17, timeout=10_000)
    assert os.path.exists(path) and window.selected_ids() == ids
    assert window.store.flag_counts()["unusual"] == 1
    assert window.statusBar().currentMessage() == (
        f"Moved 1 loop back to {os.path.basename(os.path.dirname(path))}: back in the library"
        " with its flag, note, tags and scores."
    )
    assert window.act_undo.text() == "Undo flag 1 loop unusual"  # the steps before it stay

    window.redo()  # out again, and a new loop scanned in takes the freed number
    qtbot.waitUntil(lambda: window.model.rowCount() == 16, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    audiogen.write(root / "newcomer.wav", audiogen.tone(880, 1.0))
    window.rescan()
    qtbot.waitUntil(lambda: "newcomer.wav" in window.model.library.names, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=20_000)
    assert window.model.library.ids[window.model.library.names.index("newcomer.wav")] == ids[0]
    window.undo()
    qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=10_000)
    qtbot.waitUntil(lambda: not window.undo_stack.count(), timeout=10_000)
    back = window.model.library.ids[window.model.library.paths.index(path)]
    assert back != ids[0] and window.store.flag_counts()["unusual"] == 1


def test_loops_dragged_onto_a_folder_of_the_folders_panel_move_into_it(
    qtbot, window, scored_library
):
    """A drag out of the table carries the loops' ids; dropped on a folder of the Folders
    panel (not All loops, and not a drag of files from elsewhere) they move into it."""
    from PySide6.QtCore import QMimeData

    from anomalizer_desktop.ui.widgets.folder_panel import ALL, PATH_ROLE

    _, root = scored_library
    window.select_ids([window.model.sample_id(0), window.model.sample_id(1)])
    ids = [window.model.sample_id(0), window.model.sample_id(1)]
    paths = [window.model.path(0), window.model.path(1)]
    dragged = window.model.mimeData([window.model.index(r, 0) for r in (0, 1)])
    assert [u.toLocalFile() for u in dragged.urls()] == paths  # still the files, for a DAW
    tree = window.folder_panel.model
    folder = tree.index_of(0)  # the library's folder
    assert folder.data(PATH_ROLE) == str(root)
    assert tree.canDropMimeData(dragged, Qt.DropAction.CopyAction, -1, -1, folder)
    assert not tree.canDropMimeData(dragged, Qt.DropAction.CopyAction, -1, -1, tree.index_of(ALL))
    files_only = QMimeData()
    files_only.setUrls(dragged.urls())
    assert not tree.canDropMimeData(files_only, Qt.DropAction.CopyAction, -1, -1, folder)
    dropped = []
    window.folder_panel.loops_dropped.connect(lambda path, got: dropped.append((path, got)))
    assert not tree.dropMimeData(dragged, Qt.DropAction.CopyAction, -1, -1, folder)
    assert dropped == [(str(root), ids)]
    qtbot.waitUntil(lambda: "Nothing moved" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage() == f"Nothing moved to {root}: 2 in it already."

    window.move_dropped(str(root / "Pack B"), ids)  # as a drop on that folder does
    moved = [str(root / "Pack B" / os.path.basename(p)) for p in paths]
    qtbot.waitUntil(lambda: set(moved) <= set(window.model.library.paths), timeout=10_000)
    assert window.statusBar().currentMessage() == f"Moved 2 loops to {root / 'Pack B'}."
    assert window.act_undo.text() == "Undo move 2 loops to Pack B"


def test_a_drag_out_of_the_table_shows_a_small_picture_beside_the_pointer(window, monkeypatch):
    """Qt's picture of the dragged rows was as wide as the table and hid the folder or the
    track they were dragged onto: a badge with the first name and how many more."""
    from anomalizer_desktop.ui import window_build
    from anomalizer_desktop.ui.file_mime import dragged_loop_ids
    from anomalizer_desktop.ui.widgets.drag_badge import badge_text

    started = []

    class Drag:
        def __init__(self, source):
            started.append(self)

        def setMimeData(self, mime):
            self.mime = mime

        def setPixmap(self, pixmap):
            self.pixmap = pixmap

        def setHotSpot(self, point):
            self.hot_spot = point

        def exec(self, actions, default):
            self.default = default
            return answer

    monkeypatch.setattr(window_build, "QDrag", Drag)
    window.select_ids([window.model.sample_id(r) for r in (0, 1, 2)])
    answer = Qt.DropAction.IgnoreAction  # dropped nowhere
    window.table.startDrag(Qt.DropAction.CopyAction)
    assert not window._edited_folders()
    answer = Qt.DropAction.CopyAction  # into an audio editor, say: its folder is looked at later
    window.table.startDrag(Qt.DropAction.CopyAction)
    assert list(window._edited_folders()) == [os.path.dirname(window.model.path(0))]
    drag = started[-1]
    assert len(drag.mime.urls()) == 3 and len(dragged_loop_ids(drag.mime)) == 3
    assert drag.default == Qt.DropAction.CopyAction
    assert drag.pixmap.deviceIndependentSize().width() <= 300
    assert drag.hot_spot.x() < 0 and drag.hot_spot.y() < 0  # beside the pointer, not under it
    assert badge_text(["kick.wav", "a", "b"]) == ("kick.wav", "+ 2 more loops")
    assert badge_text(["kick.wav"]) == ("kick.wav", "")


def test_moves_and_renames_wait_for_jobs_that_read_the_loops_files(qtbot, window, monkeypatch):
    """A file moved under a scan, an embedding or the same audio's comparison would be an
    error there: Move to Folder, Rename and the undo of either say they wait, and ask nothing."""
    from anomalizer_desktop.ui import move_files
    from anomalizer_desktop.ui.undo import LoopRenamed

    asked = []
    monkeypatch.setattr(move_files, "choose_folder", lambda *args: asked.append(args) or "")
    monkeypatch.setattr(move_files, "ask_name", lambda *args: asked.append(args))
    running = window.runner.running
    monkeypatch.setattr(
        window.runner, "running", lambda kind: kind == "same_audio" or running(kind)
    )
    window.table.selectRow(0)
    window.act_move.trigger()
    assert window.statusBar().currentMessage() == (
        "Move to Folder waits until the library's same audio is done (or cancelled in the"
        " status bar)."
    )
    window.act_rename.trigger()
    assert window.statusBar().currentMessage().startswith("Rename waits until")
    assert asked == []
    # an undo that would move files back waits too; one of flags does not
    path = window.model.path(0)
    monkeypatch.setattr(window.runner, "running", running)
    new = window.rename_file(window.model.sample_id(0), path, "Renamed")
    window.undo_stack.push(LoopRenamed(window.rename_file, window.model.sample_id(0), path, new))
    monkeypatch.setattr(window.runner, "running", lambda kind: kind == "scan" or running(kind))
    window.undo()
    assert os.path.exists(new) and not os.path.exists(path)
    assert window.statusBar().currentMessage().startswith("Undo waits until the library's scan")


def test_f2_renames_the_loop_in_its_folder_and_keeps_it_selected(qtbot, window, monkeypatch):
    from anomalizer_desktop.ui import move_files

    names, warned = ["Big Break"], []
    monkeypatch.setattr(move_files, "ask_name", lambda parent, path: names[0])
    monkeypatch.setattr(
        move_files.plain_text, "warn", lambda parent, title, text: warned.append((title, text))
    )
    window.table.selectRow(3)
    sample_id, path = window.model.sample_id(3), window.model.path(3)
    window.flag_selection("typical")
    with qtbot.waitActive(window):  # F2 is a window shortcut: it needs the active window
        window.show()
        window.activateWindow()
    window.filter_text.setFocus()  # where the window opens: F2 types nothing there
    qtbot.keyClick(window.filter_text, Qt.Key.Key_F2)
    new = os.path.join(os.path.dirname(path), "Big Break.wav")
    assert os.path.isfile(new) and not os.path.exists(path)
    assert window.statusBar().currentMessage() == "Renamed to Big Break.wav."
    qtbot.waitUntil(lambda: new in window.model.library.paths, timeout=10_000)
    assert window.selected_ids() == [sample_id]
    assert window.model.path(window.selected_rows()[0]) == new
    assert window.store.flag_counts()["typical"] == 1
    assert window.act_undo.text() == f"Undo rename {os.path.basename(path)}"
    window.undo()  # Ctrl+Z: the old name back
    assert os.path.isfile(path) and not os.path.exists(new)
    assert window.statusBar().currentMessage() == f"Undone: rename {os.path.basename(path)}."
    window.redo()
    assert os.path.isfile(new) and not os.path.exists(path)
    qtbot.waitUntil(lambda: new in window.model.library.paths, timeout=10_000)

    names[0] = "tone_a"  # taken: said, nothing renamed
    window.act_rename.trigger()
    assert warned == [("Not renamed", "tone_a.wav is taken in that folder")]
    assert os.path.isfile(new)


def test_the_trash_keys_of_each_desktop_ask_and_backspace_alone_only_on_a_mac(
    qtbot, window, monkeypatch
):
    """Ctrl+Backspace (⌘+Backspace on a Mac, as in Finder) asks too; Backspace alone is a Mac
    keyboard's delete key, so it asks there and nowhere else; Alt+Delete never does."""
    from PySide6.QtGui import QKeyEvent

    from anomalizer_desktop.ui import trash, window_audition

    asked = []
    monkeypatch.setattr(trash, "confirm", lambda *args: asked.append(args[1]) or False)
    window.select_ids([window.model.sample_id(0)])
    doomed = [window.model.path(0)]

    def press(key, modifiers=Qt.KeyboardModifier.NoModifier):
        window.table.keyPressEvent(QKeyEvent(QKeyEvent.Type.KeyPress, key, modifiers))

    press(Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert asked == [doomed]
    press(Qt.Key.Key_Backspace)
    press(Qt.Key.Key_Delete, Qt.KeyboardModifier.AltModifier)
    assert asked == [doomed]
    monkeypatch.setattr(window_audition.sys, "platform", "darwin")
    press(Qt.Key.Key_Backspace)
    assert asked == [doomed, doomed] and os.path.exists(doomed[0])
    shortcuts = [k.toString() for k in window.act_trash.shortcuts()]
    assert shortcuts == ["Del", "Ctrl+Backspace"]


def test_the_loop_to_go_on_from_is_the_one_below_when_delete_was_pressed(
    qtbot, window, monkeypatch, tmp_path
):
    """A job that ends while the question is open re-sorts the table: the next loop is still
    the one that was below the trashed ones (it was taken from the re-sorted rows: another
    loop, or one of those trashed, and the selection went to the top)."""
    from anomalizer_desktop.ui import trash

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    def confirm_while_the_table_resorts(parent, paths, annotated, links):
        window.model.sort(COLUMN_INDEX["name"], Qt.SortOrder.DescendingOrder)
        return True

    monkeypatch.setattr(trash, "confirm", confirm_while_the_table_resorts)
    window.model.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    window.select_ids([window.model.sample_id(r) for r in (3, 4)])
    below = window.model.sample_id(5)
    window.trash_selection()
    assert window.selected_ids() == [below]
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=10_000)
    assert window.selected_ids() == [below]


def test_a_loop_that_cannot_go_to_the_trash_stays_and_is_named(
    qtbot, window, monkeypatch, tmp_path
):
    from anomalizer_desktop.ui import trash

    def refused(path):  # as Qt's mover does when it cannot
        raise OSError("no trash on that drive, or no permission to move the file")

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # (never the real trash)
    monkeypatch.setattr(trash, "confirm", lambda *a: True)
    monkeypatch.setattr(trash, "_qt_mover", refused)
    warned = []
    monkeypatch.setattr(trash, "warn_failed", lambda parent, failed: warned.append(failed))
    window.table.selectRow(3)
    stays = window.model.path(3)
    window.trash_selection()
    assert warned == [[stays]] and os.path.exists(stays)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    assert window.model.rowCount() == 17


def _one_loop_gone(qtbot, window, root) -> None:
    """tone_a.wav deleted from disk and the library rescanned: one loop missing."""
    (root / "tone_a.wav").unlink()
    window.rescan()
    qtbot.waitUntil(lambda: window.store.counts_by_status()["missing"] == 1, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=60_000)


def test_forget_and_remove_folder_the_library_refuses_say_so(
    qtbot, window, scored_library, monkeypatch
):
    """A full disk, a read-only file or a lock held elsewhere: a dialog says nothing was
    changed (the error went to the console alone), and the loops are all still there."""
    from anomalizer_desktop.ui import plain_text

    path, root = scored_library
    _one_loop_gone(qtbot, window, root)
    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[1:3]))
    monkeypatch.setattr(plain_text, "confirm", lambda *args: True)
    window.store.execute("PRAGMA query_only = ON")  # from now on the file refuses writes
    assert window.forget_missing() == 0
    assert window.remove_folder(str(root)) == 0
    assert [title for title, _ in warnings] == ["The library was not changed"] * 2
    assert all("cannot write to the library" in text for _, text in warnings)
    window.store.execute("PRAGMA query_only = OFF")
    with Store(path) as other:
        assert other.counts_by_status()["missing"] == 1 and other.roots() != []
    assert window.model.rowCount() == 17


def test_forget_missing_asks_first_and_keeps_everything_on_cancel(
    qtbot, window, scored_library, monkeypatch
):
    from anomalizer_desktop.ui import plain_text

    _, root = scored_library
    _one_loop_gone(qtbot, window, root)
    asked = []

    def answer(button):
        def question(*args, **kwargs):
            asked.append(args[2])
            return button

        return question

    # through the menu action, as a user does (its triggered signal carries an argument)
    monkeypatch.setattr(plain_text, "confirm", answer(False))
    window.act_forget_missing.trigger()
    assert "Remove 1 loop whose files are gone" in asked[-1]
    assert window.store.counts_by_status()["missing"] == 1
    monkeypatch.setattr(plain_text, "confirm", answer(True))
    window.act_forget_missing.trigger()
    assert len(asked) == 2 and window.store.counts_by_status()["missing"] == 0
    qtbot.waitUntil(lambda: window.model.rowCount() == 16, timeout=20_000)
    assert "tone_a.wav" not in window.model.library.names


def test_ctrl_z_takes_back_flags_and_notes_loop_by_loop(qtbot, window, scored_library, monkeypatch):
    """Undo writes each loop's earlier flag (or note) back to the store; redo writes the new
    one again; the Edit menu says what it would undo."""
    from PySide6.QtWidgets import QInputDialog

    path, _ = scored_library

    def stored():
        with Store(path) as other:
            return {r.id: (r.flag, r.note) for r in other.list_samples()}

    window.resize(1200, 800)
    with qtbot.waitActive(window):  # Ctrl+Z is a window shortcut: it needs the active window
        window.show()
        window.activateWindow()
    window.table.setFocus()
    first, second = (int(window.model.library.ids[window.model._view[r]]) for r in (0, 1))
    assert not window.act_undo.isEnabled()
    window.select_ids([first])
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    window.select_ids([first, second])
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    assert stored()[first][0] == stored()[second][0] == "unusual"
    assert window.act_undo.text() == "Undo flag 2 loops unusual"

    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (stored()[first][0], stored()[second][0]) == ("typical", None)
    assert window.model.flags_of([first, second]) == ["typical", None]
    assert window.act_redo.text() == "Redo flag 2 loops unusual"
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)  # leaves no Ctrl/Shift for later selections
    assert (stored()[first][0], stored()[second][0]) == ("unusual", "unusual")
    window.act_undo.trigger()
    window.act_undo.trigger()
    assert (stored()[first][0], stored()[second][0]) == (None, None)
    assert not window.act_undo.isEnabled()

    window.set_note([first], "keep")
    window.select_ids([first, second])
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: ("swap", True))
    window.edit_note()
    assert (stored()[first][1], stored()[second][1]) == ("swap", "swap")
    window.act_undo.trigger()
    assert (stored()[first][1], stored()[second][1]) == ("keep", None)
    assert window.model.notes_of([first, second]) == ["keep", ""]


def test_a_flag_or_note_the_library_refuses_is_said_and_not_shown_as_saved(
    qtbot, window, scored_library, monkeypatch
):
    """A full disk or a drive gone: a dialog says so, the table keeps what is really in the
    library, and the refused change is no step of the undo history."""
    from anomalizer_desktop.ui import plain_text

    path, _ = scored_library
    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[1:3]))
    first = window.model.sample_id(0)
    window.select_ids([first])
    window.flag_selection("typical")  # saved
    window.store.execute("PRAGMA query_only = ON")  # from now on the file refuses writes
    window.flag_selection("unusual")
    window.set_note([first], "lost?")
    assert [title for title, _ in warnings] == ["The flag was not saved", "The note was not saved"]
    assert "cannot write to the library" in warnings[0][1]
    assert window.model.flags_of([first]) == ["typical"] and window.model.notes_of([first]) == [""]
    assert window.undo_stack.count() == 1 and window.act_undo.text() == "Undo flag 1 loop typical"
    window.store.execute("PRAGMA query_only = OFF")
    with Store(path) as other:
        assert {r.id: (r.flag, r.note) for r in other.list_samples()}[first] == ("typical", None)
    window.act_undo.trigger()  # the history still works on what was saved
    assert window.model.flags_of([first]) == [None]


def test_show_in_folder_and_copy_path(qtbot, window, monkeypatch):
    """Show in folder points the file manager at the loop itself (the file selected in its
    folder) the way each desktop does; where none can, the folder opens."""
    import subprocess
    import sys

    from PySide6.QtGui import QDesktopServices

    from anomalizer_desktop.ui import reveal

    opened, launched, asked = [], [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    monkeypatch.setattr(subprocess, "Popen", lambda args: launched.append(args))
    monkeypatch.setattr(reveal, "_show_items", lambda path: asked.append(path) or answer)
    first, second = (int(window.model.library.ids[window.model._view[r]]) for r in (0, 1))
    window.select_ids([first, second])  # explicit flags: no stale keyboard modifiers involved
    loop = window.model.path(0)
    answer = True  # a freedesktop file manager answered
    monkeypatch.setattr(sys, "platform", "linux")
    window.show_in_folder()
    assert (asked, opened, launched) == ([loop], [], [])
    assert list(window._edited_folders()) == [str(Path(loop).parent)]  # looked at when back
    answer = False  # none did: the folder opens
    window.show_in_folder()
    assert [url.toLocalFile() for url in opened] == [str(Path(loop).parent)]
    monkeypatch.setattr(sys, "platform", "darwin")
    window.show_in_folder()
    monkeypatch.setattr(sys, "platform", "win32")
    window.show_in_folder()
    assert launched == [["open", "-R", loop], ["explorer", f"/select,{os.path.normpath(loop)}"]]
    monkeypatch.setattr(sys, "platform", "linux")
    # Ctrl+C in the table: the files, for a file manager to paste (it copied the cell's text)
    QApplication.clipboard().clear()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    paths = [window.model.path(0), window.model.path(1)]
    clipboard = QApplication.clipboard().mimeData()
    assert clipboard.text().split("\n") == paths  # pasted into a text: the paths
    assert [url.toLocalFile() for url in clipboard.urls()] == paths
    gnome = bytes(clipboard.data("x-special/gnome-copied-files")).decode().split("\n")
    assert gnome[0] == "copy" and [QUrl(url).toLocalFile() for url in gnome[1:]] == paths
    assert window.statusBar().currentMessage().startswith("Copied 2 loops: paste into a folder")
    assert window.act_copy_paths.shortcut().toString() == "Ctrl+C"
    # words selected in Why unusual? are what Ctrl+C copies there (the panel takes the keys)
    panel = window.explain_panel
    panel.setPlainText("Its length stands out")
    panel.selectAll()
    qtbot.keyClick(panel, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "Its length stands out"
    panel.moveCursor(panel.textCursor().MoveOperation.End)  # none selected: the loops
    qtbot.keyClick(panel, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text().split("\n") == paths


def _reopened(qtbot, window, settings, scored_library):
    """A new window on the same library and settings (close the first one before: closing
    saves its layout)."""

    path, _ = scored_library
    store = Store(path)
    again = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: again.model.rowCount() == 17, timeout=20_000)
    qtbot.waitUntil(lambda: not again.runner.any_running(), timeout=20_000)
    return again, store


def test_the_table_layout_is_where_the_user_left_it(qtbot, window, settings, scored_library):
    header = window.table.horizontalHeader()
    name, note, rate = (COLUMN_INDEX[k] for k in ("name", "note", "sample_rate"))
    menu_titles = [a.text() for a in window.table_layout.column_actions()]
    assert "Name" not in menu_titles and "Rate" in menu_titles  # Name can never be hidden
    window.table_layout.set_column_shown(rate, False)
    window.table_layout.set_column_shown(name, False)
    header.moveSection(header.visualIndex(note), 1)  # the note beside the name
    header.resizeSection(note, 300)
    window.table.sortByColumn(name, Qt.SortOrder.AscendingOrder)
    window.close()

    again, store = _reopened(qtbot, window, settings, scored_library)
    try:
        header = again.table.horizontalHeader()
        assert header.isSectionHidden(rate) and not header.isSectionHidden(name)
        assert header.visualIndex(note) == 1 and header.sectionSize(note) == 300
        names = [again.model.library.names[i] for i in again.model._view]
        assert names == sorted(names)  # the rows are sorted, not only the arrow
        again.table_layout.reset()
        assert not header.isSectionHidden(rate) and header.visualIndex(note) == note
    finally:
        again.runner.cancel_all()
        store.close()


def _close_with_an_earlier_header_state(window, settings, columns, arrange):
    """Close the window with only Qt's header state saved, for `columns`, as versions before
    the layout kept by name saved it; `arrange(header, columns)` lays that header out first."""
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QHeaderView

    from anomalizer_desktop.ui import table_layout

    old = QHeaderView(Qt.Orientation.Horizontal)
    old.setModel(QStandardItemModel(0, len(columns)))
    arrange(old, columns)
    window.close()
    for key in (table_layout.LAYOUT_KEY, table_layout.NAMED_LAYOUT_KEY):
        settings.q.remove(key)
    settings.q.setValue(f"{table_layout.layout_key(columns)}/header", old.saveState())


def test_a_layout_saved_for_other_columns_is_kept_by_name(qtbot, window, settings, scored_library):
    """BPM and Key came in after Rate's time: a producer's layout saved by the version before
    (its header state for the earlier columns) keeps its widths, order, hidden columns and sort,
    and the new columns show where they are by default; so does one this version keeps by
    name when its header state is gone."""

    from anomalizer_desktop.ui import table_layout

    def arrange(old, earlier):
        old.moveSection(old.visualIndex(earlier.index("note")), 1)
        old.resizeSection(earlier.index("note"), 310)
        old.setSectionHidden(earlier.index("sample_rate"), True)
        old.setSortIndicator(earlier.index("name"), Qt.SortOrder.AscendingOrder)

    _close_with_an_earlier_header_state(window, settings, table_layout.EARLIER_COLUMNS[0], arrange)

    again, store = _reopened(qtbot, window, settings, scored_library)
    try:
        header = again.table.horizontalHeader()
        note, rate, tempo, key = (COLUMN_INDEX[k] for k in ("note", "sample_rate", "tempo", "key"))
        assert header.visualIndex(note) == 1 and header.sectionSize(note) == 310
        assert header.isSectionHidden(rate) and not header.isSectionHidden(tempo)
        visual = sorted(range(header.count()), key=header.visualIndex)
        assert visual.index(tempo) == visual.index(COLUMN_INDEX["duration"]) + 1
        assert visual.index(key) == visual.index(tempo) + 1
        names = [again.model.library.names[i] for i in again.model._view]
        assert names == sorted(names)  # sorted by name, as it was
        header.resizeSection(note, 320)
        header.resizeSection(tempo, 40)  # as narrow as BPM was before tempos were heard
        again.close()  # this version keeps it by name too: its header state may go
        settings.q.remove(table_layout.LAYOUT_KEY)
        third, store3 = _reopened(qtbot, again, settings, scored_library)
        try:
            header = third.table.horizontalHeader()
            assert header.sectionSize(note) == 320 and header.visualIndex(note) == 1
            # widened for "≈121.46", a tempo heard in the sound
            assert header.sectionSize(tempo) == table_layout.AT_LEAST["tempo"] == 64
        finally:
            third.runner.cancel_all()
            store3.close()
    finally:
        again.runner.cancel_all()
        store.close()


def test_a_header_state_saved_with_bpm_and_key_gains_tags_beside_the_flag(
    qtbot, window, settings, scored_library
):
    """Versions between BPM/Key and the layout kept by name saved Qt's header state for their
    eleven columns: it is read by name, and Tags shows right after Flag."""

    from anomalizer_desktop.ui import table_layout

    def arrange(old, earlier):
        old.setSectionHidden(earlier.index("key"), True)
        old.resizeSection(earlier.index("name"), 333)

    _close_with_an_earlier_header_state(window, settings, table_layout.EARLIER_COLUMNS[1], arrange)
    again, store = _reopened(qtbot, window, settings, scored_library)
    try:
        header = again.table.horizontalHeader()
        assert header.isSectionHidden(COLUMN_INDEX["key"])
        assert header.sectionSize(COLUMN_INDEX["name"]) == 333
        tags, flag = COLUMN_INDEX["tags"], COLUMN_INDEX["flag"]
        assert header.visualIndex(tags) == header.visualIndex(flag) + 1
    finally:
        again.runner.cancel_all()
        store.close()


def test_a_damaged_saved_layout_leaves_the_default_one(qtbot, window, settings, scored_library):
    from anomalizer_desktop.ui import table_layout

    assert table_layout.LAYOUT_KEY.startswith("table-")  # named after the columns it fits
    window.table_layout.set_column_shown(COLUMN_INDEX["score"], False)
    window.close()  # saves the layout; then something mangles it (both ways it is kept)
    settings.q.setValue(f"{table_layout.LAYOUT_KEY}/header", b"not a header state")
    settings.q.setValue(table_layout.NAMED_LAYOUT_KEY, '{"order": 7, "sort": "x"}')
    again, store = _reopened(qtbot, window, settings, scored_library)
    try:
        header = again.table.horizontalHeader()
        assert not header.isSectionHidden(COLUMN_INDEX["score"])
        names = [again.model.library.names[i] for i in again.model._view[:2]]
        assert set(names) == {"tone_a.wav", "tone_b.wav"}  # still most unusual first
    finally:
        again.runner.cancel_all()
        store.close()


def test_ctrl_f_finds_and_escape_gives_the_rows_back(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.table.setFocus()
    window.filter_text.setText("tone")
    window.act_find.trigger()
    qtbot.waitUntil(window.filter_text.hasFocus, timeout=10_000)
    assert window.filter_text.selectedText() == "tone"  # typing replaces the old filter
    assert window.model.rowCount() == 2
    qtbot.keyClick(window.filter_text, Qt.Key.Key_Escape)
    assert window.filter_text.text() == "" and window.model.rowCount() == 17
    assert window.table.hasFocus()
    window.filter_text.setFocus()
    qtbot.keyClicks(window.filter_text, "drum_0")
    qtbot.keyClick(window.filter_text, Qt.Key.Key_Return)
    assert window.table.hasFocus() and window.model.rowCount() == 10
    assert window.selected_ids() == [window.model.sample_id(0)]  # Space plays what it found
    qtbot.keyClick(window.table, Qt.Key.Key_Slash)  # / as Ctrl+F, where the keys work
    qtbot.waitUntil(window.filter_text.hasFocus, timeout=10_000)
    assert window.filter_text.selectedText() == "drum_0" and window.filter_text.text() == "drum_0"


def test_the_selected_loop_stays_selected_through_filters(qtbot, window, monkeypatch):
    played = []
    monkeypatch.setattr(
        window.player, "play", lambda path, start=0.0, tempo=None, key=None: played.append(path)
    )
    window._auditioning = True  # the user has been auditioning: moving plays
    window.filter_text.setText("tone_b")
    window.table.selectRow(0)
    chosen = window.selected_ids()
    assert [window.model.library.names[row] for row in window.model.rows_of(chosen)] == [
        "tone_b.wav"
    ]
    assert len(played) == 1
    window.filter_text.clear()
    assert window.model.rowCount() == 17 and window.selected_ids() == chosen
    assert window.model.path(window.table.currentIndex().row()).endswith("tone_b.wav")
    assert len(played) == 1  # the same loop, only at another row: it does not play again
    stopped = []
    monkeypatch.setattr(window.player, "stop", lambda: stopped.append(True))
    window.filter_text.setText("drum")  # the filter hides it: nothing is selected
    assert window.selected_ids() == []
    assert len(window.map.rings.getData()[0]) == 0  # and the map no longer rings it
    # nor do the waveform and the player keep a loop that Space and clicks cannot reach
    assert window.waveform.title.toPlainText() == "Select a loop to see and hear it."
    assert stopped == [True]
    window.filter_text.setText("drum_0")  # typed on: still hidden
    assert stopped == [True]
    window.filter_text.clear()  # shown again: selected again, where the user left it
    assert window.selected_ids() == chosen and len(window.map.rings.getData()[0]) == 1
    qtbot.waitUntil(
        lambda: window.waveform.title.toPlainText().startswith("tone_b.wav"), timeout=10_000
    )
    assert len(played) == 1  # given back by the filter, not moved to: drawn, not replayed
    window.filter_text.setText("drum")
    window.table.selectRow(2)  # picked something else meanwhile: that stays the selection
    picked = window.selected_ids()
    window.filter_text.clear()
    assert window.selected_ids() == picked != chosen


def test_selections_with_gaps_survive_filters_row_for_row(qtbot, window):
    ids = [window.model.sample_id(r) for r in (0, 1, 2, 5, 6, 9)]
    window.select_ids(list(reversed(ids)))
    assert window.selected_ids() == ids  # in row order, the gaps kept
    assert window.model.path(window.table.currentIndex().row()) == window.model.path(9)
    assert len(window.map.rings.getData()[0]) == 6
    window.filter_text.setText(".wav")  # every loop matches: the same rows stay selected
    assert sorted(window.selected_ids()) == sorted(ids)
    window.table.selectAll()
    window.filter_text.setText("drum")
    assert len(window.selected_ids()) == window.model.rowCount() == 14
    assert len(window.map.rings.getData()[0]) == 14


def test_the_panel_says_to_embed_when_the_chosen_embedder_has_no_vectors(qtbot, window):
    window.embedder_box.setCurrentText("clap (no checkpoint installed)")
    qtbot.waitUntil(lambda: len(window.map.ids) == 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 17, timeout=10_000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "press Embed" in window.explain_panel.toPlainText(), timeout=10_000)
    assert window.explain_panel.toPlainText() == (
        "No loop has clap vectors yet: press Embed to describe your loops with it, then Train."
    )
    window._chain = [lambda: None]  # an embed is on its way (added folders): nothing to press
    window._explain_current()
    assert window.explain_panel.toPlainText().startswith("Your loops are being described")
    window._chain = []


def test_the_shortcuts_list_names_every_shortcut_the_window_has(qtbot, window):
    from PySide6.QtGui import QAction, QKeySequence

    from anomalizer_desktop.ui import help_dialogs

    listed = " ".join(keys for keys, _ in help_dialogs.SHORTCUTS)
    bound = {
        sequence.toString(QKeySequence.SequenceFormat.PortableText)
        for act in window.findChildren(QAction)
        if act not in (window.act_undo, window.act_redo)  # the platform's undo keys, listed
        for sequence in act.shortcuts()  # as Ctrl+Z / Ctrl+Shift+Z
    }
    assert bound >= {"Ctrl+F", "Ctrl+T", "F1"}
    missing = {k for k in bound if k not in listed} - {"Ctrl+Q", "Ctrl+Y", "F1"}
    assert not missing
    assert "F1 all keys" in window.keys_hint.text()
    box = help_dialogs.show_shortcuts(window)
    shown = box.browser.toPlainText()
    assert "Ctrl+F" in shown and "flag typical" in shown
    # within the screen's free height, the rest scrolls; F1 again brings the same one forward
    assert box.height() <= box.screen().availableGeometry().height() * 0.85 + 1
    assert help_dialogs.show_shortcuts(window) is box
    about = help_dialogs.show_about(window, "/lib.sqlite", "/models")
    assert "/lib.sqlite" in about.text() and "nothing is downloaded unless you ask" in about.text()
    assert not about.iconPixmap().isNull()  # the app's icon
    box.close()
    about.close()


def explained(qtbot, **fields):
    """An explanation panel showing x.wav (97 %, one neighbour) with these fields changed."""
    from anomalizer_desktop.core.analysis.explain import Explanation
    from anomalizer_desktop.ui.widgets.explain_panel import ExplainPanel

    panel = ExplainPanel()
    qtbot.addWidget(panel)
    shown = {
        "path": "/l/x.wav",
        "score": 1.0,
        "percentile": 97.0,
        "neighbours": [{"path": "/l/n.wav", "distance": 3.0, "flag": None}],
        "deviations": [],
        "summary": "x.wav is more unusual than 97% of your library.",
    }
    panel.show_explanation(Explanation(**{**shown, **fields}))
    return panel


def clicked(panel, *links: str) -> list[str]:
    """The loops the panel chose for these links ("loop:N"), clicked in turn."""
    from PySide6.QtCore import QUrl

    chosen = []
    panel.loop_chosen.connect(chosen.append)
    for link in links:
        panel.anchorClicked.emit(QUrl(link))
    return chosen


def test_the_flagged_loop_a_loop_sounds_like_is_a_link_too(qtbot):
    panel = explained(
        qtbot,
        summary="x.wav is more unusual than 97% of your library. It sounds like a & b.wav "
        "and c.wav, which you flagged unusual.",
        like_flagged=[{"path": "/l/a & b.wav", "gain": 1.0}, {"path": "/l/c.wav", "gain": 0.5}],
    )
    assert panel.toPlainText().startswith("x.wav is more unusual than 97%")
    assert "It sounds like a & b.wav and c.wav, which you flagged unusual." in panel.toPlainText()
    assert clicked(panel, "loop:1", "loop:2", "loop:0") == ["/l/a & b.wav", "/l/c.wav", "/l/n.wav"]
    assert panel.toHtml().count("href") == 3


def test_the_copies_of_a_loop_are_listed_as_links_after_its_neighbours(qtbot):
    panel = explained(
        qtbot,
        path="/packs/A/Drums/x.wav",
        neighbours=[{"path": "/packs/A/Drums/n.wav", "distance": 3.0, "flag": None}],
        copies=["/packs/B/Drums/x.wav", "/songs/demo/x <1>.wav"],
    )
    text = panel.toPlainText()
    assert text.index("Nearest typical loops") < text.index("The same audio, elsewhere")
    # copies share the file name: the folder that tells them apart is shown
    assert "x.wav in B/Drums" in text and "x <1>.wav in demo" in text
    assert clicked(panel, "loop:2", "loop:1", "loop:0") == [
        "/songs/demo/x <1>.wav",
        "/packs/B/Drums/x.wav",
        "/packs/A/Drums/n.wav",
    ]
    assert "The same audio" not in explained(qtbot, neighbours=[]).toPlainText()


def test_remove_folder_asks_what_goes_then_empties_the_library(
    qtbot, window, scored_library, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog

    from anomalizer_desktop.ui import plain_text

    path, root = scored_library
    window.table.selectRow(2)  # picked by the user, not the window's own first row
    window.flag_selection("unusual")
    offered, asked = [], []

    def pick(parent, title, label, items, current, editable):
        offered.extend(items)
        return items[0], True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    monkeypatch.setattr(plain_text, "confirm", lambda *args: asked.append(args[2]) or False)
    assert window.remove_folder() == 0 and window.model.rowCount() == 17
    assert offered == [str(root)]
    assert asked[0].startswith(f"Remove {root} and its 17 loops from the library? 1 of them")
    assert "The files stay on disk" in asked[0]
    monkeypatch.setattr(plain_text, "confirm", lambda *a: True)
    qtbot.waitUntil(lambda: "is more unusual than" in window.explain_panel.toPlainText())
    cursors, remove_root = [], window.store.remove_root
    monkeypatch.setattr(
        window.store,
        "remove_root",
        lambda root_id: (
            cursors.append(QApplication.overrideCursor().shape()) or remove_root(root_id)
        ),
    )
    assert window.remove_folder() == 17
    assert cursors == [Qt.CursorShape.WaitCursor] and QApplication.overrideCursor() is None
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=10_000)
    assert window.pages.currentIndex() == 0  # the welcome page again
    # Why unusual? let the loop go: it went on explaining a loop the library no longer held
    qtbot.waitUntil(lambda: "Select one loop" in window.explain_panel.toPlainText())
    assert window.welcome_status.text() == ""  # no progress words of the jobs before
    assert (root / "tone_a.wav").exists() and not window.undo_stack.canUndo()
    with Store(path) as other:
        assert other.roots() == []


def test_open_library_switches_to_another_file_and_keeps_a_bad_one_out(
    qtbot, window, settings, tmp_path, monkeypatch
):
    from anomalizer_desktop.ui import plain_text

    other = tmp_path / "other.sqlite"
    new = window.open_library(str(other))
    qtbot.addWidget(new)
    try:
        qtbot.waitUntil(lambda: not new.runner.any_running(), timeout=20_000)
        assert new.store.path == str(other) and other.exists()
        assert new.pages.currentIndex() == 0  # a new library: the welcome page
        assert "other.sqlite" in new.windowTitle()
        assert not window.isVisible() and settings.get("library") == str(other)
        assert not window.outside_changes._timer.isActive()  # the closed one stops looking
        warnings = []
        monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
        bad = tmp_path / "bad.sqlite"
        bad.write_text("this is not a database, it is a text file pretending")
        assert new.open_library(str(bad)) is None
        assert f"The library {other} stays open." in warnings[0]
        assert new.open_library(str(other)) is None  # the same file: nothing to do
        assert settings.get("library") == str(other)
    finally:
        new.runner.cancel_all()
        new.store.close()


def test_the_window_follows_changes_made_from_outside_it(qtbot, window, scored_library):
    path, _ = scored_library
    assert not window.outside_changes.check()  # reading the library is not a change
    window.table.setFocus()
    window.table.selectRow(0)
    mine = window.selected_ids()[0]
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    assert not window.outside_changes.check()  # nor are the window's own flags

    other_id = int(window.model.library.ids[window.model._view[5]])
    with Store(path) as other:  # the command line, or a second window
        other.set_flag([other_id], "typical")
        other.set_note([other_id], "from the shell")
    assert window.outside_changes.check()
    qtbot.waitUntil(lambda: window.model.flags_of([other_id]) == ["typical"], timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    assert window.model.flags_of([other_id, mine]) == ["typical", "unusual"]
    assert "1 typical · 1 unusual" in window.counts_label.full_text()
    assert "changed from outside this window" in window.statusBar().currentMessage()
    assert window.selected_ids() == [mine]  # the user's selection stays
    assert not window.outside_changes.check()  # once seen, quiet again


def test_s_sorts_by_likeness_and_a_header_click_or_the_button_sorts_by_columns_again(qtbot, window):
    tone = next(r for r in range(window.model.rowCount()) if "tone_a" in window.model.path(r))
    window.table.setFocus()
    window.table.selectRow(tone)
    qtbot.keyClick(window.table, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: window.likeness_button.isVisibleTo(window), timeout=10_000)
    names = [window.model.library.names[i] for i in window.model._view]
    # the loop itself first (still selected), then the other tone, then the drums
    assert names[:2] == ["tone_a.wav", "tone_b.wav"]
    assert window.selected_ids() == [window.model.sample_id(0)]
    assert window.likeness_button.text() == "Like tone_a.wav  ✕"
    assert not window.table.horizontalHeader().isSortIndicatorShown()
    assert names[-1] == "broken.wav"  # not embedded: after every loop that is

    window.filter_text.setText("drum")  # filters keep the likeness order
    drums = [window.model.library.names[i] for i in window.model._view]
    assert drums == [n for n in names if "drum" in n]
    window.filter_text.clear()

    window.likeness_button.click()  # back to the column sort (score, highest first)
    assert not window.likeness_button.isVisibleTo(window)
    assert window.table.horizontalHeader().isSortIndicatorShown()
    scores = window.model.library.score[window.model._view]
    known = scores[~np.isnan(scores)]
    assert (np.diff(known) <= 0).all()

    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: window.likeness_button.isVisibleTo(window), timeout=10_000)
    header = window.table.horizontalHeader()
    at = QPoint(header.sectionViewportPosition(COLUMN_INDEX["name"]) + 10, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert not window.likeness_button.isVisibleTo(window) and header.isSortIndicatorShown()
    assert window.model.sort_state()[0] == COLUMN_INDEX["name"]
    names = [window.model.library.names[i] for i in window.model._view]
    assert names in (sorted(names), sorted(names, reverse=True))


def test_the_likeness_button_shortens_long_names():
    from anomalizer_desktop.ui.window_likeness import BUTTON_NAME_CHARS, _shortened

    assert _shortened("kick.wav") == "kick.wav"
    long = "lmms__bassloops__techno_bass_very_long_name01.ogg"
    short = _shortened(long)
    assert len(short) == BUTTON_NAME_CHARS and "…" in short
    assert short.startswith("lmms__") and short.endswith("01.ogg")


def test_a_reload_after_the_library_closed_raises_nothing(window):
    """A reload retried by a timer can fire after Open library… closed this window's store."""
    window.store.close()  # (the fixture closes it again: closing twice is harmless)
    window.outside_changes.mark_seen()
    assert window.outside_changes.check() is False


def test_open_recent_lists_the_libraries_opened_before_and_opens_one(
    qtbot, window, settings, tmp_path
):
    from anomalizer_desktop.ui.settings import RECENT_LIBRARIES, recent_libraries, remember_library

    for i in range(RECENT_LIBRARIES + 2):
        remember_library(settings, tmp_path / f"lib{i}.sqlite")
    remember_library(settings, tmp_path / "." / "lib3.sqlite")  # the same file, spelled otherwise
    listed = recent_libraries(settings)
    assert len(listed) == RECENT_LIBRARIES and listed[0] == str(tmp_path / "lib3.sqlite")
    assert listed.count(str(tmp_path / "lib3.sqlite")) == 1

    with Store(tmp_path / "lib3.sqlite"):
        pass  # lib3 exists; the others were never made
    remember_library(settings, tmp_path / "R&B.sqlite")  # shown as it is, not as a mnemonic
    window._fill_recent_menu()
    actions = {a.text(): a for a in window.recent_menu.actions()}
    assert f"{tmp_path / 'R&&B.sqlite'} (not found)" in actions
    assert actions[str(tmp_path / "lib3.sqlite")].isEnabled()
    assert not actions[f"{tmp_path / 'lib9.sqlite'} (not found)"].isEnabled()
    actions[str(tmp_path / "lib3.sqlite")].trigger()
    new = window._successor
    qtbot.addWidget(new)
    try:
        qtbot.waitUntil(lambda: not new.runner.any_running(), timeout=20_000)
        assert new.store.path == str(tmp_path / "lib3.sqlite")
        assert recent_libraries(settings)[0] == str(tmp_path / "lib3.sqlite")
        new._fill_recent_menu()  # the open one is not offered
        assert str(tmp_path / "lib3.sqlite") not in [a.text() for a in new.recent_menu.actions()]
    finally:
        new.runner.cancel_all()
        new.store.close()


def test_s_pressed_while_the_last_sort_finishes_is_done_after_it(qtbot, window):
    import threading

    release = threading.Event()

    def busy(store, cancel):  # a likeness job still running (its thread not yet done)
        release.wait(10)
        return None
        yield  # a generator job

    window.runner.start("likeness", busy)
    row = next(r for r in range(window.model.rowCount()) if "tone_b" in window.model.path(r))
    window.table.setFocus()
    window.table.selectRow(row)
    qtbot.keyClick(window.table, Qt.Key.Key_S)
    assert not window.likeness_button.isVisibleTo(window)
    release.set()
    qtbot.waitUntil(lambda: window.likeness_button.isVisibleTo(window), timeout=10_000)
    assert window.likeness_button.text() == "Like tone_b.wav  ✕"


def test_the_map_follows_the_filter_once_typing_pauses(qtbot, window):
    from anomalizer_desktop.ui.widgets.map_style import HIDDEN

    faint = window.map._layers[(HIDDEN, "o")]
    window.filter_text.setText("ton")
    window.filter_text.setText("tone")  # typed on: one redraw when the typing pauses
    assert len(faint.data) == 0
    qtbot.waitUntil(lambda: len(faint.data) > 0, timeout=10_000)
    shown = set(window.model.visible_ids().tolist())
    hidden = {int(i) for i in faint.data["data"]}
    assert hidden and not hidden & shown
    assert hidden | shown >= set(window.map.ids.tolist())
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unusual"))  # none flagged
    qtbot.waitUntil(lambda: len(faint.data) == len(window.map.ids), timeout=10_000)
    window._clear_filter()
    window.filter_flag.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(faint.data) == 0, timeout=10_000)
    assert window.map.point_count() == len(window.map.ids)


def test_a_library_reopens_on_the_loop_that_was_current_when_it_closed(
    qtbot, window, scored_library, settings
):
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.settings import last_loop, remember_last_loop
    from anomalizer_desktop.ui.workers import JobRunner

    path, _ = scored_library

    def reopened():
        again = MainWindow(
            Store(path), settings, JobRunner(str(path)), AudioPlayer(device="no such device")
        )
        qtbot.addWidget(again)
        qtbot.waitUntil(lambda: again.model.rowCount() == 17, timeout=20_000)
        qtbot.waitUntil(lambda: not again.runner.any_running(), timeout=20_000)
        return again

    window.table.selectRow(5)
    chosen = window.model.path(5)
    window.close()
    assert last_loop(settings, path) == chosen
    again = reopened()
    assert [again.model.path(r) for r in again.selected_rows()] == [chosen]
    assert again.model.path(again.table.currentIndex().row()) == chosen
    again.runner.cancel_all()
    again.store.close()
    remember_last_loop(settings, path, "/gone/from/the/library.wav")  # not there any more
    third = reopened()
    assert third.selected_rows() == [0]  # the top of the list, as for a first opening
    third.runner.cancel_all()
    third.store.close()
    remember_last_loop(settings, "/other/lib.sqlite", "/x.wav")  # another library's own
    assert last_loop(settings, "/other/lib.sqlite") == "/x.wav"
    assert last_loop(settings, path) == "/gone/from/the/library.wav"


def test_the_copies_filter_shows_the_loops_whose_file_is_there_twice(qtbot, window, scored_library):
    """Sample packs repeat each other: the same file in two folders is two loops of the
    library. "Copies" shows them, each loop's copies right after it."""
    import shutil

    _, root = scored_library
    (root / "pack").mkdir()
    shutil.copy(root / "drum_03.wav", root / "pack" / "drum_03 copy.wav")
    shutil.copy(root / "tone_a.wav", root / "pack" / "a.wav")
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 19, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.filter_status.setCurrentIndex(window.filter_status.findData("copies"))
    from PySide6.QtCore import Qt

    up, down = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
    # by name both ways, by unusualness (the new copies are not scored yet)
    for column, order in ((0, up), (0, down), (1, down)):
        window.table.sortByColumn(column, order)
        shown = [
            os.path.relpath(window.model.path(r), root) for r in range(window.model.rowCount())
        ]
        assert sorted(shown) == ["drum_03.wav", "pack/a.wav", "pack/drum_03 copy.wav", "tone_a.wav"]
        pairs = [sorted(shown[:2]), sorted(shown[2:])]
        assert sorted(pairs) == [
            ["drum_03.wav", "pack/drum_03 copy.wav"],
            ["pack/a.wav", "tone_a.wav"],
        ]
    # Edit > Select Extra Copies leaves one of each file unselected: the first, or the
    # one with a flag or a note
    assert window.select_extra_copies() == 2
    selected = [os.path.relpath(window.model.path(r), root) for r in window.selected_rows()]
    assert selected == [shown[1], shown[3]]
    assert window.statusBar().currentMessage().startswith("Selected 2 extra copies of 2 files")
    window.select_ids([window.model.sample_id(1)])
    window.set_note(window.selected_ids(), "the one I use")
    assert window.select_extra_copies() == 2
    selected = [os.path.relpath(window.model.path(r), root) for r in window.selected_rows()]
    assert selected == [shown[0], shown[3]]
    # a flag is the sound's: flagging one copy flags the other, and an undo takes both back
    window.select_ids([window.model.sample_id(3)])
    window.flag_selection("unusual")
    ids = [window.model.sample_id(r) for r in range(4)]
    assert window.model.flags_of(ids) == [None, None, "unusual", "unusual"]
    assert (
        window.statusBar()
        .currentMessage()
        .startswith("Flagged 1 loop unusual with 1 copy of it. Retrain")
    )
    stored = {r.path: r.flag for r in window.store.list_samples()}
    assert [stored[str(root / p)] for p in shown] == [None, None, "unusual", "unusual"]
    assert window.undo_stack.undoText() == "flag 1 loop unusual with 1 copy of it"
    window.undo()
    assert window.model.flags_of(ids) == [None] * 4
    assert {r.flag for r in window.store.list_samples()} == {None}
    # a copy whose file went is no copy any more
    (root / "pack" / "drum_03 copy.wav").unlink()
    window.rescan()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    (root / "pack" / "a.wav").unlink()  # and with no copies left, the action says so
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.select_extra_copies() == 0
    assert window.statusBar().currentMessage() == "No file is in the library more than once."


def test_select_extra_copies_never_takes_the_file_a_kept_link_leads_to(
    qtbot, window, scored_library, monkeypatch
):
    """A link is the file it leads to, not a copy of it. With the link flagged (so it is the
    loop kept), the file it leads to must stay too: moving it to the trash would leave the
    flagged loop leading nowhere. A true copy goes, with the library's link to it."""
    _, root = scored_library
    (root / "favourites").mkdir()
    (root / "favourites" / "drum_03 link.wav").symlink_to(root / "drum_03.wav")
    (root / "pack").mkdir()
    shutil.copy(root / "drum_03.wav", root / "pack" / "drum_03 copy.wav")
    (root / "favourites" / "copy link.wav").symlink_to(root / "pack" / "drum_03 copy.wav")
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.filter_status.setCurrentIndex(window.filter_status.findData("copies"))
    assert window.model.rowCount() == 4
    link = next(r for r in range(4) if window.model.path(r).endswith("favourites/drum_03 link.wav"))
    window.select_ids([window.model.sample_id(link)])
    window.flag_selection("typical")
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.select_extra_copies() == 2
    selected = sorted(os.path.relpath(window.model.path(r), root) for r in window.selected_rows())
    assert selected == ["favourites/copy link.wav", "pack/drum_03 copy.wav"]
    assert window.statusBar().currentMessage().startswith("Selected 2 extra copies of 1 file")
    # moving the file a loop of the library links to is asked with that link named
    from anomalizer_desktop.ui import trash

    asked = []
    monkeypatch.setattr(trash, "confirm", lambda *args: asked.append(args[1:]) or False)
    target = next(r for r in range(4) if window.model.path(r) == str(root / "drum_03.wav"))
    window.select_ids([window.model.sample_id(target)])
    window.trash_selection()
    # (the file carries the link's flag: a flag goes on every copy of a sound)
    assert asked == [([str(root / "drum_03.wav")], 1, [str(root / "favourites/drum_03 link.wav")])]
    window.select_ids([window.model.sample_id(link)])  # the link itself leaves nothing behind
    window.trash_selection()
    assert asked[-1] == ([str(root / "favourites/drum_03 link.wav")], 1, [])
    assert trash._left_behind(["/a/x.wav"], ["/b/l.wav"]) == (
        "\n\n“l.wav” in /b is a link to its file, and would lead nowhere."
    )
    assert trash._left_behind(["/a/x.wav", "/a/y.wav"], ["/b/l.wav", "/b/m.wav"]) == (
        "\n\n2 other loops are links to their files, and would lead nowhere."
    )
    # with the true copy gone, the file and its link are all that is left: nothing to select
    (root / "favourites" / "copy link.wav").unlink()
    (root / "pack" / "drum_03 copy.wav").unlink()
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.select_extra_copies() == 0
    assert window.statusBar().currentMessage() == (
        "No file is in the library more than once: the loops shown are links to one file."
    )


def test_the_loop_menu_does_what_the_keys_do_to_the_selection(qtbot, window, scored_library):
    """The menu bar's Loop menu (and the context menu) hold the actions the keys take; they
    act on the selection, wait for one, and never take a key typed in the filter box."""
    path, _ = scored_library
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "L&oop")
    shown = {
        a.text(): a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        for a in menu.actions()
        if not a.isSeparator()
    }
    assert {k: shown[k] for k in ("Play", "Loop playback", "Flag unusual", "Clear flag")} == {
        "Play": "Space",
        "Loop playback": "L",
        "Flag unusual": "U",
        "Clear flag": "0",
    }
    assert shown["Note…"] == "N" and shown["Sort by likeness"] == "S"
    window.table.clearSelection()
    assert not window.act_flag_unusual.isEnabled() and not window.act_trash.isEnabled()
    assert window.act_loop.isEnabled()
    window.table.selectRow(2)
    chosen = window.selected_ids()[0]
    assert window.act_flag_unusual.isEnabled() and window.act_trash.isEnabled()
    window.act_flag_unusual.trigger()
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[chosen] == "unusual"
    window.act_clear_flag.trigger()
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[chosen] is None
    before = window.loop_box.isChecked()
    window.act_loop.trigger()
    assert window.loop_box.isChecked() is (not before)
    window.loop_box.toggle()
    assert window.act_loop.isChecked() is before
    window.filter_text.setFocus()
    qtbot.keyClicks(window.filter_text, "u")
    assert window.filter_text.text() == "u"
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[chosen] is None


def test_select_all_leaves_the_header_out_of_the_selection_and_its_clicks_still_sort(qtbot, window):
    """Ctrl+A at 100,000 rows held the window 1.5-2.1 s: the header drew each section by
    whether its column was wholly selected, asking the table's selection row by row. It has
    an empty selection of its own now; a click on it still sorts, and selects nothing."""
    from anomalizer_desktop.ui.library_model import COLUMN_INDEX

    header = window.table.horizontalHeader()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.selected_rows()) == window.model.rowCount() == 17
    assert header.selectionModel() is not window.table.selectionModel()
    assert not header.selectionModel().hasSelection()
    at = QPoint(header.sectionViewportPosition(COLUMN_INDEX["name"]) + 10, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
    names = [window.model.path(r).rsplit("/", 1)[1] for r in range(window.model.rowCount())]
    assert names == sorted(names, key=str.casefold) or names == sorted(
        names, key=str.casefold, reverse=True
    )
    assert header.sortIndicatorSection() == COLUMN_INDEX["name"]
    assert not header.selectionModel().hasSelection()


def test_k_shows_the_loops_in_keys_that_mix_and_k_again_every_key(qtbot, tmp_path, settings):
    names = ["Bass 120 BPM Am", "Keys 100 BPM C", "Lead 120 BPM Em", "Pluck 120 BPM F#m", "Kick"]
    loops = {name: audiogen.tone(200 + 30 * i, 0.5) for i, name in enumerate(names)}
    win = window_on_written_loops(qtbot, settings, tmp_path / "keys", loops)
    win.model.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    # "120 BPM", not "120": the filter's text is looked for in the whole path too, and a
    # pytest folder numbered 120 (/tmp/pytest-of-root/pytest-120/) held it for every loop
    win.filter_text.setText("120 BPM")
    win.table.setFocus()
    win.table.selectRow(0)  # Bass 120 BPM Am
    qtbot.keyClick(win.table, Qt.Key.Key_K)
    assert win.filter_text.text() == "120 BPM key:Am+"  # the text stays, the key term joins it
    qtbot.waitUntil(lambda: win.model.rowCount() == 2)
    shown = [win.model.path(r).rsplit("/", 1)[1] for r in range(win.model.rowCount())]
    assert shown == ["Bass 120 BPM Am.wav", "Lead 120 BPM Em.wav"]  # Keys is 100 BPM
    assert (
        win.statusBar().currentMessage().startswith("Loops in keys that mix with Am: Am, C, Em, Dm")
    )
    qtbot.keyClick(win.table, Qt.Key.Key_K)  # again: every key
    assert win.filter_text.text() == "120 BPM"
    win.filter_text.setText("")
    qtbot.waitUntil(lambda: win.model.rowCount() == 5)
    win.table.selectRow([win.model.path(r).endswith("Kick.wav") for r in range(5)].index(True))
    qtbot.keyClick(win.table, Qt.Key.Key_K)
    assert win.filter_text.text() == ""
    assert "Kick.wav declares no key" in win.statusBar().currentMessage()
    assert win.act_key_mix in win.loop_menu_actions
    win.runner.cancel_all()
    win.store.close()


def test_a_table_the_filter_empties_says_so_and_how_to_get_the_loops_back(
    qtbot, window, monkeypatch
):
    """A filter that matched nothing left a blank table, as if the library had no loops."""
    from anomalizer_desktop.ui.window_build import NOTHING_MATCHES

    assert window.table.empty_text() == ""
    window.filter_text.setText("no loop is called this")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert window.table.empty_text() == NOTHING_MATCHES
    assert window.table.accessibleDescription() == NOTHING_MATCHES  # a screen reader says it
    blank = window.table.viewport().grab().toImage()
    colours = {blank.pixel(x, y) for x in range(0, blank.width(), 3) for y in range(0, 200, 3)}
    assert len(colours) > 1  # the words are drawn on it
    # a sideways scroll moves the viewport's pixels: the words, which stay put, were drawn
    # again only in the strip it uncovered (shown twice, offset); the whole viewport repaints
    window.resize(800, 600)  # narrow enough for the columns to scroll
    bar = window.table.horizontalScrollBar()
    assert bar.maximum() > 0
    repainted = []
    viewport = window.table.viewport()
    monkeypatch.setattr(viewport, "update", lambda *args: repainted.append(args))
    bar.setValue(bar.maximum() // 2)
    assert () in repainted  # all of it, not a strip
    window.filter_text.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 17)
    assert window.table.empty_text() == "" == window.table.accessibleDescription()


def test_every_control_has_a_name_a_screen_reader_can_say(qtbot, window):
    """Each control the keyboard reaches has a name for assistive technology: the table,
    the map, the folders, the filter and the volume were nameless ("table", "slider"). A
    combo box's own name is its choice on Linux, so the toolbar's boxes are labelled by the
    labels before them too; the waveform describes the loop on show."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QAbstractScrollArea, QWidget

    name_of = QAccessible.Text.Name
    unnamed = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget:
            continue  # (the view around it is named)
        said = QAccessible.queryAccessibleInterface(widget).text(name_of)
        if not (widget.accessibleName() or said.strip()):
            unnamed.append(type(widget).__name__)
    assert unnamed == []
    assert (window.table.accessibleName(), window.volume.accessibleName()) == ("Loops", "Volume")
    for box, label in ((window.detector_box, "Detector"), (window.embedder_box, "Embedder")):
        assert box.accessibleName() == label
        relations = QAccessible.queryAccessibleInterface(box).relations(
            QAccessible.RelationFlag.Label
        )
        assert [other.text(name_of).strip() for other, _ in relations] == [label]
    row = next(r for r in range(window.model.rowCount()) if "tone_a" in window.model.path(r))
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.waveform.duration > 0, timeout=10_000)
    assert window.waveform.accessibleDescription().startswith("tone_a.wav · peak ")


def test_a_loop_whose_file_is_missing_is_left_out_of_a_copy_and_a_drag(
    qtbot, window, scored_library
):
    """A loop on a drive not connected went onto the clipboard and into drags as a path to
    nothing, which a paste or a drop would then look for in vain."""
    _, root = scored_library
    (root / "tone_a.wav").unlink()
    window.rescan()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    model = window.model
    rows = {os.path.basename(model.path(r)): r for r in range(model.rowCount())}
    qtbot.waitUntil(lambda: window.model.file_missing(rows["tone_a.wav"]), timeout=20_000)
    gone, there = rows["tone_a.wav"], rows["tone_b.wav"]
    window.select_ids([model.library.ids[model._view[r]] for r in (gone, there)])
    window.copy_paths()
    copied = QApplication.clipboard().mimeData()
    assert [url.toLocalFile() for url in copied.urls()] == [model.path(there)]
    assert window.statusBar().currentMessage().startswith("Copied 1 loop (1 left out: missing)")
    dragged = model.mimeData([model.index(gone, 0), model.index(there, 0)])
    assert [url.toLocalFile() for url in dragged.urls()] == [model.path(there)]
    window.select_ids([model.library.ids[model._view[gone]]])
    QApplication.clipboard().clear()
    window.copy_paths()
    held = QApplication.clipboard().mimeData()
    assert held is None or not held.urls()
    assert window.statusBar().currentMessage() == (
        "Nothing copied: the selected loop's file is missing (a drive not connected?)."
    )
