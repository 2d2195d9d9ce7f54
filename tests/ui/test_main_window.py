"""The main window, driven as a user would: selection sync, flag keys, jobs, problems, export."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import audiogen
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from qt_drops import drop_on
from qt_text import as_shown
from qt_windows import window_on_store

from anomalizer_desktop.core.export import Project
from anomalizer_desktop.core.jobs import Progress, run_job
from anomalizer_desktop.core.library.scanner import scan
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


def test_no_audio_device_is_reported_and_nothing_else_breaks(qtbot, window):
    assert not window.player.available
    assert "No audio output" in window.player.problem
    # said beside the transport for as long as the window is open, the reason on hover
    assert window.no_audio.isVisibleTo(window)
    assert window.no_audio.toolTip() == window.player.problem == window.play_button.toolTip()
    window.table.selectRow(0)
    with qtbot.waitSignal(window.player.message, timeout=10_000) as message:
        qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert "No audio output" in message.args[0]
    qtbot.keyClick(window.table, Qt.Key.Key_L)
    assert window.loop_box.isChecked()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 1
    window.player.output_changed.emit(True)  # an output came back: the row stops saying so
    assert not window.no_audio.isVisibleTo(window) and window.play_button.toolTip() == ""
    window.player.output_changed.emit(False)
    assert window.no_audio.isVisibleTo(window)


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


def test_worker_job_reports_progress_and_cancels(qtbot, window):
    seen = []

    def slow_job(store, cancel):
        for i in range(200):
            if cancel.cancelled:
                return {"cancelled": True, "done": i}
            yield Progress(i, 200, f"item {i}")
            time.sleep(0.01)
        return {"cancelled": False, "done": 200}

    handle = window.runner.start("test", slow_job)
    handle.progress.connect(lambda done, total, message: seen.append((done, total)))
    assert window.runner.start("test", slow_job) is None  # one job of a kind at a time
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    with qtbot.waitSignal(handle.finished, timeout=10_000) as finished:
        handle.cancel()
    assert finished.args[0]["cancelled"]
    assert finished.args[0]["done"] < 200
    assert all(total == 200 for _, total in seen)
    qtbot.waitUntil(lambda: window.runner.running("test") is None, timeout=10_000)


def test_failed_job_reports_its_message(qtbot, window):
    from anomalizer_desktop.core.errors import AnomalizerError

    def failing(store, cancel):
        yield Progress(0, 1, "")
        raise AnomalizerError("the folder vanished")

    handle = window.runner.start("fail", failing)
    with qtbot.waitSignal(handle.failed, timeout=10_000) as failed:
        pass
    assert failed.args[0] == "the folder vanished"


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
    assert os.path.basename(first) in panel.toHtml() and "href" in panel.toHtml()
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


def test_export_dialog_writes_the_selection(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    window.table.selectRow(0)
    window.table.selectionModel().select(
        window.model.index(1, 0),
        window.table.selectionModel().SelectionFlag.Select
        | window.table.selectionModel().SelectionFlag.Rows,
    )
    paths = [window.model.path(r) for r in window.selected_rows()]
    dialog = ExportDialog(window.store, paths, window)
    qtbot.addWidget(dialog)
    assert dialog.which.currentData() == "selection"
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.target.setText(str(tmp_path / "picked"))
    assert dialog.export()
    with open(tmp_path / "picked.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["path"] for r in rows) == sorted(paths)
    assert "Exported 2 loops" in dialog.result_message

    top = ExportDialog(window.store, [], window)
    qtbot.addWidget(top)
    top.which.setCurrentIndex(top.which.findData("top"))
    top.top_n.setValue(3)
    top.format.setCurrentIndex(top.format.findData("m3u8"))
    top.target.setText(str(tmp_path / "top.m3u8"))
    assert top.export()
    lines = (tmp_path / "top.m3u8").read_text().splitlines()
    assert len(lines) == 1 + 2 * 3
    assert Path(lines[2]).name in {"tone_a.wav", "tone_b.wav"}


def test_export_dialog_counts_the_set_and_suggests_where_it_goes(qtbot, window, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from anomalizer_desktop.ui.export_dialog import ExportDialog, export_folder

    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert dialog.which.currentData() == "unusual"
    assert dialog.count_label.text().startswith("No loop is flagged unusual yet")
    assert not save.isEnabled()
    assert dialog.target.text() == os.path.join(export_folder(), "unusual-loops.m3u8")
    dialog.which.setCurrentIndex(dialog.which.findData("top"))
    dialog.top_n.setValue(5)
    assert dialog.count_label.text() == "5 loops will be exported." and save.isEnabled()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.target.text() == os.path.join(export_folder(), "top-5-loops.csv")
    dialog.target.setText(str(tmp_path / "mine.csv"))  # typed by the user: kept from now on
    dialog.format.setCurrentIndex(dialog.format.findData("xspf"))
    assert dialog.target.text() == str(tmp_path / "mine.csv")


def test_the_export_dialog_reads_each_set_once(qtbot, window, monkeypatch):
    """Each step of N and each format read the library again: 1.7 s a step at 100,000 loops."""
    from anomalizer_desktop.ui import export_dialog
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    reads = []
    real_select = export_dialog.select_entries

    def counted(*args, **kwargs):
        reads.append(kwargs)
        return real_select(*args, **kwargs)

    monkeypatch.setattr(export_dialog, "select_entries", counted)
    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    dialog.which.setCurrentIndex(dialog.which.findData("top"))
    for n in (3, 4, 2):
        dialog.top_n.setValue(n)
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.count_label.text() == "2 loops will be exported."
    assert [e.score for e in dialog.entries()] == sorted(
        (r.score for r in window.store.list_samples() if r.score is not None), reverse=True
    )[:2]
    dialog.which.setCurrentIndex(dialog.which.findData("unusual"))
    dialog.which.setCurrentIndex(dialog.which.findData("top"))
    assert len(reads) == 2  # the unusual set, then every scored loop for the top N, once


def test_the_export_dialog_says_which_copies_it_leaves_out(qtbot, store, tmp_path):
    import shutil

    import audiogen

    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    audiogen.write(tmp_path / "a" / "kick.wav", audiogen.drum_loop(seed=1))
    audiogen.write(tmp_path / "a" / "snare.wav", audiogen.drum_loop(seed=2))
    (tmp_path / "b").mkdir()
    shutil.copy(tmp_path / "a" / "kick.wav", tmp_path / "b" / "kick.wav")
    run_job(scan(store, [str(tmp_path / "a"), str(tmp_path / "b")]))
    paths = sorted(r.path for r in store.list_samples())
    dialog = ExportDialog(store, paths)
    qtbot.addWidget(dialog)
    assert dialog.count_label.text() == (
        "2 loops will be exported (1 copy of files already in it left out)."
    )
    dialog.format.setCurrentIndex(dialog.format.findData("m3u8"))
    dialog.target.setText(str(tmp_path / "set.m3u8"))
    assert dialog.export()
    assert dialog.result_message == (
        f"Exported 2 loops to {tmp_path / 'set.m3u8'} (1 copy of files already in it left out)"
    )
    assert (tmp_path / "set.m3u8").read_text().count("kick.wav") == 1


def test_the_next_export_is_suggested_beside_the_last_one(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog, export_folder

    project = tmp_path / "daw project"
    project.mkdir()

    def save_into_the_project(dialog):
        dialog.which.setCurrentIndex(dialog.which.findData("top"))
        dialog.target.setText(str(project / "odd ones"))
        return dialog.export()

    monkeypatch.setattr(ExportDialog, "exec", save_into_the_project)
    first = window.open_export()
    qtbot.addWidget(first)
    assert first.written == str(project / "odd ones.m3u8") and Path(first.written).is_file()
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: False)  # opened, then cancelled
    second = window.open_export()
    qtbot.addWidget(second)
    assert Path(second.target.text()).parent == project
    project.joinpath("odd ones.m3u8").unlink()
    project.rmdir()  # the folder went away: suggestions go back to Music or home
    third = window.open_export()
    qtbot.addWidget(third)
    assert Path(third.target.text()).parent == Path(export_folder())


def test_exporting_to_an_earlier_folder_export_asks_before_replacing_it(
    qtbot, window, tmp_path, monkeypatch
):
    """A folder export into an earlier one asks (No keeps it and the dialog open); into a
    folder of the user's files it is refused, whatever the answer would be."""
    from anomalizer_desktop.ui import plain_text
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    asked, warnings = [], []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))

    def dialog_for(target):
        dialog = ExportDialog(window.store, [], window)
        qtbot.addWidget(dialog)
        dialog.which.setCurrentIndex(dialog.which.findData("top"))
        dialog.format.setCurrentIndex(dialog.format.findData("folder"))
        dialog.top_n.setValue(3)
        dialog.target.setText(str(target))
        return dialog

    target = tmp_path / "top loops"
    assert dialog_for(target).export()
    first = sorted(os.listdir(target))
    monkeypatch.setattr(plain_text, "confirm", lambda *args: asked.append(args[2]) or False)
    again = dialog_for(target)
    again.top_n.setValue(2)
    assert not again.export() and sorted(os.listdir(target)) == first
    assert asked == [f"{target} holds an earlier export. Replace it with this one?"]
    monkeypatch.setattr(plain_text, "confirm", lambda *args: True)
    assert again.export() and len(os.listdir(target)) == 2 + 1  # two links and the marker
    mine = tmp_path / "my loops"
    mine.mkdir()
    (mine / "kick.wav").write_bytes(b"RIFF")
    assert not dialog_for(mine).export()
    assert os.listdir(mine) == ["kick.wav"]
    assert "holds files an export did not make (kick.wav)" in warnings[-1]


def test_the_export_dialog_writes_a_folder_of_copies_and_says_their_size(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QProgressDialog

    from anomalizer_desktop.core.text import file_size
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    dialog.which.setCurrentIndex(dialog.which.findData("top"))
    dialog.top_n.setValue(3)
    assert dialog.format.itemText(dialog.format.findData("copies")) == "Folder of copies"
    assert dialog.count_label.text() == "3 loops will be exported."
    dialog.format.setCurrentIndex(dialog.format.findData("copies"))
    size = sum(os.path.getsize(e.path) for e in dialog.entries())
    assert dialog.count_label.text() == f"3 loops will be exported, {file_size(size)} of copies."
    dialog.target.setText(str(tmp_path / "to take along"))
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    assert not dialog.export()
    assert dialog.count_label.text() == "The export was cancelled: nothing was written."
    assert not [n for n in os.listdir(tmp_path) if "to take along" in n]
    monkeypatch.undo()
    assert dialog.export()
    copies = [n for n in os.listdir(tmp_path / "to take along") if n.endswith(".wav")]
    assert len(copies) == 3
    assert not any((tmp_path / "to take along" / n).is_symlink() for n in copies)


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


def test_export_failure_keeps_the_dialog_open(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui import plain_text
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("m3u8"))
    dialog.target.setText(str(blocker / "sub" / "set.m3u8"))
    assert not dialog.export()
    assert warnings and "cannot write" in warnings[0]


def test_network_and_device_are_offered_only_for_the_neural_detectors(window):
    """Greyed out in the toolbar, the two boxes held Export behind its » at half a screen."""

    def shown() -> list[bool]:
        return [choice.isVisible() for choice in window.neural_choices]

    window.detector_box.setCurrentText("default")
    assert not window.network_box.isEnabled() and not window.device_box.isEnabled()
    assert shown() == [False, False]
    assert "Only for svdd and sad" in window.network_box.toolTip()
    window.detector_box.setCurrentText("sad")
    assert window.network_box.isEnabled() and window.device_box.isEnabled()
    assert shown() == [True, True]
    window.detector_box.setCurrentText("knn")
    assert not window.device_box.isEnabled() and shown() == [False, False]


def test_training_from_the_window_refreshes_scores(qtbot, window):
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("iforest")
    window.start_train(False)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    scores = window.model.library.score
    assert np.isfinite(scores).sum() == 16
    column = COLUMN_INDEX["score"]
    assert window.table.horizontalHeader().sortIndicatorSection() == column
    said = window.statusBar().currentMessage()  # how long it took: a retrain takes seconds
    assert re.fullmatch(
        r"Trained on 16 loops in (\d+\.\d|under 0\.1) s: \d+ above the unusual cut"
        r" \((the same loops as before|\d+ of them new(; \d+ fell below it)?"
        r"|\d+ fell below it)(; the last training used knn)?\)\."
        r"( Marked \u2191 and \u2193 in Unusual %\.)?",
        said,
    )
    # the table's tooltips on loops it moved name the detector before, as the message does
    assert window.model.library.crossed_before == "knn"
    # the scores' headers say which training made them (the Detector box says the next)
    header = window.model.headerData(
        COLUMN_INDEX["score"], Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    run = window.store.latest_run_id()
    assert re.search(rf"Scores from iforest \(dsp\) on 16 loops, trained [-\d: ]+ \(run {run}\)\.",
                     header)  # fmt: skip


def test_retraining_with_an_unusual_flag_lifts_that_loop(qtbot, window, scored_library):
    library = window.model.library
    drums = [i for i, name in enumerate(library.names) if name.startswith("drum_")]
    pick = drums[int(np.argmin(library.score[drums]))]  # the most ordinary drum loop
    flagged_id = int(library.ids[pick])
    window.map.selection_made.emit([flagged_id])
    window.flag_selection("unusual")
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("default")
    window.start_train(True)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    library = window.model.library
    score = dict(zip(library.ids.tolist(), library.score.tolist(), strict=True))
    others = [int(library.ids[i]) for i in drums if i != pick]
    assert all(score[flagged_id] > score[other] for other in others)
    with sqlite3.connect(scored_library[0]) as db:
        config = db.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["labelled"] == {"typical": 0, "unusual": 1}
    # the flagged loop crossed the cut: the status bar says where to see it, Unusual % marks
    # it, and the filter's unusual:new shows it
    said = window.statusBar().currentMessage()
    assert "1 of them new" in said and said.endswith(" Marked \u2191 and \u2193 in Unusual %.")
    row = int(window.model.library.rows_of_ids([flagged_id])[0][0])
    assert int(library.crossed[row]) == 1 and int((library.crossed == 1).sum()) == 1
    view_row = window.model.view_row_of(flagged_id)
    percent = window.model.data(window.model.index(view_row, COLUMN_INDEX["percentile"]))
    assert percent.startswith("\u2191")
    tip = window.model.data(
        window.model.index(view_row, COLUMN_INDEX["percentile"]), Qt.ItemDataRole.ToolTipRole
    )
    assert "(the one before (knn) had it below)" in tip  # the fixture's knn, as the panel says
    window.filter_text.setText("unusual:new")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.model.data(window.model.index(0, COLUMN_INDEX["name"])) == library.names[row]


def test_a_large_library_trains_in_a_process_of_its_own(qtbot, window, monkeypatch):
    """From OWN_PROCESS_FROM_LOOPS loops the window trains in another process (its memory goes
    when it ends); the flags, the run and the scores are the same as in the worker thread's."""
    from anomalizer_desktop.core import job_process
    from anomalizer_desktop.ui import jobs

    ran = []
    real = job_process.run_in_process

    def recorded(job, library_path, args=(), cancel=None, what="", kwargs=None):
        ran.append((job.__name__, what, kwargs))
        return real(job, library_path, args, cancel, what, kwargs)

    monkeypatch.setattr(jobs, "OWN_PROCESS_FROM_LOOPS", 16)
    monkeypatch.setattr(job_process, "run_in_process", recorded)
    library = window.model.library
    flagged_id = int(library.ids[np.flatnonzero(np.isfinite(library.score))[0]])  # embedded
    window.map.selection_made.emit([flagged_id])
    window.flag_selection("unusual")
    before = window.store.latest_run_id()
    window.start_train(True)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    assert ran == [("train", "training", {"use_flags": True})]
    assert np.isfinite(window.model.library.score).sum() == 16
    config = window.store.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(config[0])["labelled"] == {"typical": 0, "unusual": 1}
    assert "Trained" in window.statusBar().currentMessage()


def test_status_bar_follows_the_newest_job_when_jobs_chain(qtbot, window):
    def quick(store, cancel):
        yield Progress(1, 1, "")
        return None

    def slow(store, cancel):
        for i in range(100):
            if cancel.cancelled:
                return None
            yield Progress(i, 100, "")
            time.sleep(0.01)
        return None

    first = window.runner.start("a", quick)
    window.job_status.track(first, "first")
    second = window.runner.start("b", slow)
    window.job_status.track(second, "second")
    qtbot.waitUntil(lambda: window.runner.running("a") is None, timeout=10_000)
    assert window.job_status.isVisibleTo(window)  # the first job's end did not hide it
    second.cancel()
    qtbot.waitUntil(lambda: window.runner.running("b") is None, timeout=10_000)
    assert not window.job_status.isVisibleTo(window)


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
    dialog.accept()
    settings.q.sync()
    again = Settings(QSettings(settings.q.fileName(), QSettings.Format.IniFormat))
    assert again.get("library") == str(tmp_path / "other.sqlite")
    assert again.get("model_folder") == str(tmp_path / "models")
    assert again.get("autoplay") is False
    assert again.get("audio_device") == ""
    assert again.get("svdd_ensemble") == 1  # an int again, though the INI file holds text


def test_svdd_from_the_window_trains_as_many_networks_as_the_preference_says(
    qtbot, window, monkeypatch
):
    from anomalizer_desktop.ui import jobs as ui_jobs

    specs = []
    real = ui_jobs.train_job

    def spy(spec, *args, **kwargs):
        specs.append(spec)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(ui_jobs, "train_job", spy)
    window.settings.set("svdd_ensemble", 2)
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("svdd")
    window.start_train(False)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=60_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=60_000)
    assert [(s.detector, s.ensemble) for s in specs] == [("svdd", 2)]
    config = window.store.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["spec"]["ensemble"] == 2


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


def test_dropping_a_folder_scans_embeds_and_scores_it(qtbot, window, tmp_path):
    import audiogen

    extra = tmp_path / "dropped"
    for i in range(3):
        audiogen.write(extra / f"new_{i}.wav", audiogen.drum_loop(seed=40 + i))
    drop_on(window, extra)
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=60_000)
    qtbot.waitUntil(lambda: np.isfinite(window.model.library.score).sum() == 19, timeout=30_000)


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
    from PySide6.QtCore import QFile

    from anomalizer_desktop.ui import trash

    monkeypatch.setattr(trash, "confirm", lambda *a: True)
    monkeypatch.setattr(QFile, "moveToTrash", lambda path: False)
    warned = []
    monkeypatch.setattr(trash, "warn_failed", lambda parent, failed: warned.append(failed))
    window.table.selectRow(3)
    stays = window.model.path(3)
    window.trash_selection()
    assert warned == [[stays]] and os.path.exists(stays)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    assert window.model.rowCount() == 17


def test_flagging_shows_the_stale_banner_and_its_button_retrains(qtbot, window):
    assert not window.stale_banner.isVisibleTo(window)  # fresh scores: no banner
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    table_top = window.table.mapTo(window, QPoint(0, 0))
    window.flag_selection("unusual")
    qtbot.waitUntil(lambda: window.stale_banner.isVisibleTo(window), timeout=10_000)
    assert window.stale_banner.button.text() == "Retrain with flags"
    # the bar appears below the table: the rows do not jump under the user's pointer
    QApplication.processEvents()
    assert window.table.mapTo(window, QPoint(0, 0)) == table_top
    assert window.stale_banner.mapTo(window, QPoint(0, 0)).y() > table_top.y()
    assert "it used 0 typical, 0 unusual; now 0 typical, 1 unusual" in (
        window.stale_banner.label.text()
    )
    before = window.store.latest_run_id()
    window.stale_banner.button.click()
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    qtbot.waitUntil(lambda: not window.stale_banner.isVisibleTo(window), timeout=10_000)
    with sqlite3.connect(window.store.path) as db:
        config = db.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["labelled"] == {"typical": 0, "unusual": 1}


def test_rescan_scores_new_loops_with_the_latest_run(qtbot, window, scored_library):
    import audiogen

    _, root = scored_library
    run = window.store.latest_run_id()
    audiogen.write(root / "drum_new.wav", audiogen.drum_loop(seed=77, bpm=104))
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=60_000)
    qtbot.waitUntil(lambda: np.isfinite(window.model.library.score).sum() == 17, timeout=30_000)
    assert window.store.latest_run_id() == run  # scored by the same model, not retrained
    assert not window.stale_banner.isVisibleTo(window)


def age_the_library(qtbot, window, run_version: str, vector_version: str | None = None) -> None:
    """Make the run (and, if given, the vectors) look as if an older DSP version made them,
    then wait for the stale-scores bar."""
    with sqlite3.connect(window.store.path) as db:
        if vector_version is not None:
            db.execute("UPDATE features SET version = ?", (vector_version,))
        config = json.loads(db.execute("SELECT config FROM runs").fetchone()[0])
        config["embedder_version"] = run_version
        db.execute("UPDATE runs SET config = ?", (json.dumps(config),))
    window.reload()
    qtbot.waitUntil(lambda: window.stale_banner.isVisibleTo(window), timeout=10_000)


def test_scores_from_an_older_embedding_offer_training(qtbot, window):
    age_the_library(qtbot, window, run_version="1")
    assert window.stale_banner.button.text() == "Train"
    assert "dsp v1 vectors" in window.stale_banner.label.text()


def test_vectors_from_an_older_dsp_version_offer_new_embeddings_then_train(qtbot, window):
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    age_the_library(qtbot, window, run_version="3", vector_version="3")  # the previous release
    assert window.stale_banner.button.text() == "Update embeddings and train"
    assert "16 loops have dsp v3 vectors" in window.stale_banner.label.text()  # + 1 broken
    before = window.store.latest_run_id()
    window.stale_banner.button.click()
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=60_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    qtbot.waitUntil(lambda: not window.stale_banner.isVisibleTo(window), timeout=10_000)
    with sqlite3.connect(window.store.path) as db:
        assert db.execute("SELECT DISTINCT version FROM features").fetchall() == [
            (DspEmbedder.version,)
        ]


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


def test_cancelling_a_job_says_so_in_the_status_bar_not_a_dialog(qtbot, window, monkeypatch):
    from anomalizer_desktop.core.detector.svdd import TrainingCancelled
    from anomalizer_desktop.ui import plain_text

    dialogs = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: dialogs.append(args[2]))

    def cancellable(store, cancel):
        while not cancel.cancelled:
            yield Progress(1, 3, "")
            time.sleep(0.01)
        raise TrainingCancelled

    window._run("slow", "Training", cancellable)
    handle = window.runner.running("slow")
    qtbot.waitUntil(lambda: window.job_status.bar.maximum() == 3, timeout=10_000)
    assert window.job_status.bar.format().startswith("33%")
    assert window.job_status.bar.toolTip() == "1 of 3"
    window.job_status.cancel_button.click()
    qtbot.waitUntil(lambda: window.runner.running("slow") is None, timeout=10_000)
    assert handle.token.cancelled
    assert dialogs == []
    assert window.statusBar().currentMessage() == "Training cancelled; nothing was stored"

    def failing(store, cancel):
        yield Progress(0, 1, "")
        raise TrainingCancelled  # the same error without a cancel request is a real failure

    window._run("fail", "Training", failing)
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=10_000)
    assert dialogs == ["training cancelled; nothing was stored"]


def test_player_starts_where_it_is_asked(qtbot, tmp_path):
    """play(path, start) begins that many seconds in, once the loop is decoded (off the GUI
    thread); past the end it starts at the top."""
    import audiogen

    from anomalizer_desktop.ui.player import AudioPlayer

    path = str(audiogen.write(tmp_path / "ramp.wav", audiogen.tone(220, 2.0)))
    player = AudioPlayer(device="none")
    player.available = True  # no device here: drive the audio callback by hand
    player.set_volume(1.0)
    assert player.play(path, start=0.5)
    qtbot.waitUntil(player.is_playing, timeout=10_000)
    assert player.position() == pytest.approx(0.5, abs=1e-3)
    samples = player.cached(path)
    block = np.zeros((256, 1), dtype=np.float32)
    player._callback(block, 256, None, None)
    offset = int(0.5 * player.rate)
    np.testing.assert_allclose(block[:, 0], samples[offset : offset + 256, 0], atol=1e-6)
    assert player.play(path, start=60.0)  # cached now: at once
    assert player.position() == 0.0
    player.close()


def test_stereo_loops_are_heard_in_stereo_and_mono_ones_on_both_sides(qtbot, tmp_path):
    """Every loop played as its mono mix until 2026-11-30: a wide pad and a narrow one
    sounded alike. On a two-output device a stereo loop's channels go left and right."""
    import audiogen

    from anomalizer_desktop.ui.player import AudioPlayer

    left, right = audiogen.tone(220, 1.0), 0.5 * audiogen.tone(330, 1.0)
    wide = str(audiogen.write(tmp_path / "wide.wav", np.stack([left, right], axis=1)))
    mono = str(audiogen.write(tmp_path / "mono.wav", left))
    player = AudioPlayer(device="none")
    player.available, player.rate, player.channels = True, audiogen.SR, 2
    player.set_volume(1.0)
    blocks = {}
    for name, path in (("wide", wide), ("mono", mono)):
        assert player.play(path, start=0.25)
        qtbot.waitUntil(lambda path=path: player.current_path == path, timeout=10_000)
        blocks[name] = np.zeros((256, 2), dtype=np.float32)
        player._callback(blocks[name], 256, None, None)
    start = int(0.25 * audiogen.SR)
    np.testing.assert_allclose(blocks["wide"][:, 0], left[start : start + 256], atol=1e-4)
    np.testing.assert_allclose(blocks["wide"][:, 1], right[start : start + 256], atol=1e-4)
    np.testing.assert_array_equal(blocks["mono"][:, 0], blocks["mono"][:, 1])
    np.testing.assert_allclose(blocks["mono"][:, 0], left[start : start + 256], atol=1e-4)
    player.close()


def test_the_players_cache_is_bounded_by_size_and_keeps_the_newest(qtbot, tmp_path, monkeypatch):
    import audiogen

    from anomalizer_desktop.ui import player as player_module

    paths = [
        str(audiogen.write(tmp_path / f"{i}.wav", audiogen.tone(200 + i, 1.0))) for i in range(4)
    ]
    player = player_module.AudioPlayer(device="none")
    player.rate, player.channels = audiogen.SR, 1
    one_loop = player.decode(paths[0]).nbytes
    monkeypatch.setattr(player_module, "CACHE_BYTES", int(2.5 * one_loop))
    for path in paths[1:]:
        player.decode(path)
    assert list(player._cache) == paths[2:]  # two fit; the oldest went first
    monkeypatch.setattr(player_module, "CACHE_BYTES", 1)
    player.decode(paths[0])
    assert list(player._cache) == [paths[0]]  # the loop just asked for always stays
    assert player.hot_peak(paths[0]) is None  # its samples are its own level (0.3)
    hot = str(
        audiogen.write(tmp_path / "hot.wav", audiogen.tone(220, 0.5) / 0.3 * 4.0, subtype="FLOAT")
    )
    samples = player.decode(hot)
    assert np.abs(samples).max() == pytest.approx(1.0, abs=1e-4)  # played at full scale
    assert player.hot_peak(hot) == pytest.approx(4.0, rel=1e-3)
    player.close()


def test_loops_decode_off_the_gui_thread_and_only_the_latest_ask_counts(qtbot, tmp_path):
    """fetch returns at once; while one decode runs, older asks are dropped for the newest,
    and a loop that play() waited for does not start once the user asked for another."""
    import threading

    import audiogen

    from anomalizer_desktop.ui.player import AudioPlayer

    paths = [
        str(audiogen.write(tmp_path / f"t{i}.wav", audiogen.tone(200 + i, 0.5))) for i in range(4)
    ]
    player = AudioPlayer(device="none")
    player.available = True
    release, decoded_paths, real_decode = threading.Event(), [], player.decode

    def slow_decode(path):
        decoded_paths.append(path)
        release.wait(5)
        return real_decode(path)

    player.decode = slow_decode
    arrived = []
    player.decoded.connect(lambda path, result: arrived.append((path, type(result).__name__)))
    player.fetch(paths[0])  # occupies the decoding thread until released
    qtbot.waitUntil(lambda: decoded_paths == [paths[0]], timeout=10_000)
    assert player.play(paths[1])  # waits for its decode...
    player.fetch(paths[2])  # ...but the user moved on
    player.fetch(paths[3])
    assert arrived == [] and not player.is_playing()
    release.set()
    qtbot.waitUntil(lambda: len(arrived) == 2, timeout=10_000)
    assert decoded_paths == [paths[0], paths[3]]  # t1 and t2 were skipped
    assert arrived == [(paths[0], "ndarray"), (paths[3], "ndarray")]
    assert not player.is_playing()  # t1 was dropped, so nothing starts by itself
    # a cached loop asked for while another waits to play also drops the waiting one
    decoded_paths.clear()
    release.clear()
    assert player.play(paths[1])
    qtbot.waitUntil(lambda: decoded_paths == [paths[1]], timeout=10_000)  # t1 is decoding
    player.fetch(paths[3])  # cached: arrives at once
    assert arrived[-1] == (paths[3], "ndarray")
    release.set()
    qtbot.waitUntil(lambda: player.cached(paths[1]) is not None, timeout=10_000)
    qtbot.wait(100)  # let the queued `decoded` of t1 arrive
    assert not player.is_playing()
    player.close()


def test_clicking_the_waveform_plays_the_loop_from_there(qtbot, window, monkeypatch):
    from PySide6.QtCore import QPointF

    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    row = next(r for r in range(window.model.rowCount()) if "tone_a" in window.model.path(r))
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.waveform.duration > 0, timeout=10_000)
    assert window.waveform.duration == pytest.approx(2.0, abs=0.01)
    played = []
    monkeypatch.setattr(
        window.player,
        "play",
        lambda path, start=0.0, tempo=None, key=None: played.append((path, start)),
    )
    box = window.waveform.getPlotItem().vb
    point = window.waveform.mapFromScene(box.mapViewToScene(QPointF(1.5, 0.0)))
    with qtbot.waitSignal(window.waveform.seek_requested, timeout=10_000) as seek:
        qtbot.mouseClick(window.waveform.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert seek.args[0] == pytest.approx(1.5, abs=0.05)
    assert len(played) == 1
    assert played[0][0] == window.model.path(row)
    assert played[0][1] == pytest.approx(1.5, abs=0.05)
    # outside the wave (the time axis below it) a click asks for nothing
    below = window.waveform.mapFromScene(box.mapViewToScene(QPointF(1.0, -1.0))) + QPoint(0, 20)
    qtbot.mouseClick(window.waveform.viewport(), Qt.MouseButton.LeftButton, pos=below)
    assert len(played) == 1


def test_a_right_click_on_the_waveform_opens_the_loops_menu(qtbot, window):
    """The loop's own menu (the table's), not pyqtgraph's View All / Mouse Mode / Export…."""
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtWidgets import QApplication, QMenu

    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.waveform.duration > 0, timeout=10_000)
    shown = []

    def look_and_close(tries: int = 25):  # a menu that opens is looked at, then closed
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            shown.append(menu.actions())
            menu.close()
        elif tries:
            QTimer.singleShot(20, lambda: look_and_close(tries - 1))

    QTimer.singleShot(20, look_and_close)
    assert not window.waveform.getPlotItem().menuEnabled()
    box = window.waveform.getPlotItem().vb
    point = window.waveform.mapFromScene(box.mapViewToScene(QPointF(1.0, 0.0)))
    with qtbot.waitSignal(window.waveform.menu_requested, timeout=10_000):
        qtbot.mouseClick(window.waveform.viewport(), Qt.MouseButton.RightButton, pos=point)
    assert len(shown) == 1
    texts = [act.text() for act in shown[0]]
    assert "Flag unusual" in texts and "Show in folder" in texts and "Move to Trash…" in texts
    assert all(act.isEnabled() for act in shown[0] if act.text() == "Flag unusual")
    window.table.clearSelection()  # no loop: no menu
    QTimer.singleShot(20, look_and_close)
    qtbot.mouseClick(window.waveform.viewport(), Qt.MouseButton.RightButton, pos=point)
    qtbot.wait(600)
    assert len(shown) == 1


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
    answer = False  # none did: the folder opens
    window.show_in_folder()
    assert [url.toLocalFile() for url in opened] == [str(Path(loop).parent)]
    monkeypatch.setattr(sys, "platform", "darwin")
    window.show_in_folder()
    monkeypatch.setattr(sys, "platform", "win32")
    window.show_in_folder()
    assert launched == [["open", "-R", loop], ["explorer", f"/select,{os.path.normpath(loop)}"]]
    monkeypatch.setattr(sys, "platform", "linux")
    window.copy_paths()
    copied = QApplication.clipboard().text().split("\n")
    assert copied == [window.model.path(0), window.model.path(1)]
    assert window.statusBar().currentMessage() == "Copied 2 paths."


def test_the_model_knows_each_loops_length_for_the_waveform(window):
    lengths = {
        os.path.basename(window.model.path(r)): window.model.duration(r)
        for r in range(window.model.rowCount())
    }
    assert lengths["tone_b.wav"] == pytest.approx(2.0, abs=0.01)
    assert lengths["broken.wav"] is None  # never decoded: no length to show


def test_the_waveform_says_when_a_loop_cannot_be_decoded(qtbot, window):
    row = next(r for r in range(window.model.rowCount()) if "broken" in window.model.path(r))
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: "cannot decode" in window.waveform.title.toPlainText(), timeout=10_000)
    assert window.waveform.duration == 0.0
    good = next(r for r in range(window.model.rowCount()) if "tone_b" in window.model.path(r))
    window.table.selectRow(good)
    qtbot.waitUntil(lambda: window.waveform.duration > 0, timeout=10_000)
    assert window.waveform.title.toPlainText() == "tone_b.wav    peak \u221210.5 dBFS \u00b7 2.00 s"


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
    assert window.remove_folder() == 17
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=10_000)
    assert window.pages.currentIndex() == 0  # the welcome page again
    # Why unusual? let the loop go: it went on explaining a loop the library no longer held
    qtbot.waitUntil(lambda: "Select one loop" in window.explain_panel.toPlainText())
    assert window.welcome_status.text() == ""  # no progress words of the jobs before
    assert (root / "tone_a.wav").exists() and not window.undo_stack.canUndo()
    with Store(path) as other:
        assert other.roots() == []


def test_after_the_first_training_the_most_unusual_loop_is_selected(qtbot, tmp_path, settings):
    import audiogen
    from qt_windows import window_on_loops

    root = tmp_path / "loops"
    for i in range(10):
        audiogen.write(root / f"a_drum_{i}.wav", audiogen.drum_loop(seed=i))
    audiogen.write(root / "z_tone.wav", audiogen.tone(330, 2.0))
    window = window_on_loops(qtbot, settings, root, tmp_path / "lib.sqlite")
    qtbot.waitUntil(lambda: len(window.selected_ids()) == 1, timeout=20_000)
    first = window.model.path(window.selected_rows()[0])
    assert os.path.basename(first) == "a_drum_0.wav"  # no scores yet: the first by name
    window.start_train(False)
    qtbot.waitUntil(
        lambda: (
            not window.runner.any_running()
            and window.model.path(window.selected_rows()[0]).endswith("z_tone.wav")
        ),
        timeout=30_000,
    )
    assert window.selected_rows() == [0]  # the top of the list, the most unusual loop
    window.table.selectRow(3)  # a loop the user picked stays picked through reloads
    chosen = window.selected_ids()
    window.reload()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.selected_ids() == chosen
    window.runner.cancel_all()
    window.store.close()


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


def test_a_loop_whose_file_is_gone_says_so_over_its_own_time_axis(qtbot, window):
    row = next(r for r in range(window.model.rowCount()) if "drum_05" in window.model.path(r))
    path, seconds = window.model.path(row), window.model.duration(row)
    os.remove(path)
    window.table.selectRow(row)
    assert window.waveform.title.toPlainText() == (
        "drum_05.wav: the file is gone (moved or deleted?); Rescan finds moved files"
    )
    assert window.waveform.viewRange()[0] == pytest.approx([0.0, seconds], abs=0.05)
    # with an audio device the player's decode fails instead: the same words
    window.waveform.clear_wave("")
    window._waveform_decoded(path, "Error opening: System error")
    assert window.waveform.title.toPlainText().startswith("drum_05.wav: the file is gone")
    folder = os.path.dirname(path)
    os.rename(folder, folder + "_away")  # the whole folder: a drive not mounted
    window._waveform_decoded(path, "Error opening: System error")
    assert window.waveform.title.toPlainText() == (
        "drum_05.wav: its folder is not there (a drive not mounted, or the folder moved?)"
    )


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


def test_opening_a_library_checks_its_folders_for_loops_added_and_gone(
    qtbot, window, scored_library, monkeypatch
):
    import audiogen

    _, root = scored_library
    audiogen.write(root / "new_tone.wav", audiogen.tone(660, 2.0))
    os.remove(root / "drum_03.wav")
    said = []
    real_show = window.statusBar().showMessage
    monkeypatch.setattr(
        window.statusBar(), "showMessage", lambda text, ms=0: (said.append(text), real_show(text))
    )
    window.settings.set("check_folders", False)
    window.check_folders()
    assert not window.runner.any_running()  # turned off in Preferences: nothing happens

    window.settings.set("check_folders", True)
    window.check_folders()
    qtbot.waitUntil(lambda: "new_tone.wav" in window.model.library.names, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            not np.isnan(
                window.model.library.score[window.model.library.names.index("new_tone.wav")]
            )
        ),
        timeout=30_000,
    )
    assert "Since this library was last open: 1 loop added, 1 gone." in said
    status = dict(zip(window.model.library.names, window.model.library.status, strict=True))
    assert status["drum_03.wav"] == "missing"


def test_a_reload_after_the_library_closed_raises_nothing(window):
    """A reload retried by a timer can fire after Open library… closed this window's store."""
    window.store.close()  # (the fixture closes it again: closing twice is harmless)
    window.outside_changes.mark_seen()
    assert window.outside_changes.check() is False


def test_the_problems_panel_lists_what_a_scan_could_not_add(qtbot, window, scored_library):
    import shutil

    _, root = scored_library
    shutil.copy(root / "tone_a.wav", os.fsdecode(bytes(root) + b"/caf\xe9.wav"))
    window.rescan()
    qtbot.waitUntil(lambda: window.problems.count() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    listed = dict(window.problems._problems)
    assert listed[f"{root}/caf\\xe9.wav"].startswith("the file name is not valid UTF-8")
    assert "broken.wav" in " ".join(listed)  # the library's own problem stays listed
    assert window.problems_button.text() == "⚠ 2 problems"


def test_a_folder_on_a_drive_not_mounted_is_named_not_a_dialog_and_its_loops_stay(
    qtbot, window, scored_library, tmp_path, monkeypatch
):
    import audiogen

    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.ui import plain_text

    path, root = scored_library
    drive = tmp_path / "drive" / "Loops"
    audiogen.write(drive / "far.wav", audiogen.tone(550, 1.0))
    with Store(path) as other:  # scanned, not yet embedded, when the drive went away
        run_job(scan(other, [str(drive)]))
    (tmp_path / "drive").rename(tmp_path / "unplugged")
    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    said = []
    real_show = window.statusBar().showMessage
    monkeypatch.setattr(
        window.statusBar(), "showMessage", lambda text, ms=0: (said.append(text), real_show(text))
    )
    audiogen.write(root / "added.wav", audiogen.tone(770, 1.0))
    window.check_folders()  # at start: the reachable folder is checked, no dialog
    qtbot.waitUntil(lambda: "added.wav" in window.model.library.names, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    assert not warnings
    assert any(text.startswith("Not reachable now") and str(drive) in text for text in said)
    assert "1 loop left for later: their folder is not reachable now (a drive not mounted?)" in said
    status = dict(zip(window.model.library.names, window.model.library.status, strict=True))
    errors = dict(zip(window.model.library.names, window.model.library.errors, strict=True))
    assert status["far.wav"] == "ok", errors["far.wav"]  # not "missing": the drive is only away

    (root.parent / "moved_away").mkdir()
    root.rename(root.parent / "moved_away" / "loops")
    window.rescan()  # asked for, with no folder reachable: a dialog says why
    assert len(warnings) == 1 and warnings[0].startswith("Not reachable now")
    assert not window.runner.any_running()


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


def test_add_folder_opens_beside_the_folder_added_last_not_in_the_working_directory(
    qtbot, window, settings, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    opened_at = []

    def dialog(parent, title, start=""):
        opened_at.append(start)
        return ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    window.choose_folder()  # nothing added yet, no Music folder: home
    packs = tmp_path / "packs"
    (packs / "drums").mkdir(parents=True)
    window.add_folders([str(packs / "drums")])
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.choose_folder()
    (packs / "drums").rmdir()
    packs.rmdir()
    window.choose_folder()  # that folder is gone: home again
    assert opened_at[1] == str(packs)
    assert opened_at[0] == opened_at[2] and opened_at[0] != os.getcwd()
    assert os.path.isdir(opened_at[0])


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


def test_the_banner_says_when_a_library_is_too_small_to_train_and_offers_no_button(qtbot):
    from anomalizer_desktop.core.detector.freshness import TRAIN, ScoreStatus, score_status
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder
    from anomalizer_desktop.core.embedding.dsp_features import FEATURE_DIM
    from anomalizer_desktop.ui.widgets.stale_banner import StaleScoresBanner

    store = Store(":memory:")
    root = store.add_root("/l")
    for i in range(2):
        sample = store.insert_sample(f"/l/{i}.wav", root, status="ok")
        store.put_features(sample, "dsp", DspEmbedder.version, np.zeros(FEATURE_DIM, np.float32))
    status = score_status(store, "dsp")
    assert status.action is None and status.embedded == 2
    assert "needs at least 5; add more loops" in status.message
    banner = StaleScoresBanner()
    qtbot.addWidget(banner)
    banner.set_status(status)
    assert not banner.isHidden()
    assert "No scores yet: 2 loops embedded" in banner.label.text()
    assert banner.button.isHidden()
    banner.set_status(ScoreStatus(None, "dsp", 9, 0, TRAIN, "9 loops embedded, none scored"))
    assert not banner.button.isHidden() and banner.button.text() == "Train"
    banner.set_status(None)
    assert banner.isHidden()


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


def test_next_after_flag_goes_on_to_the_loop_below_and_plays_it(qtbot, window, monkeypatch):
    """With Next after flag on, going through a list is one key per loop: T, U or 0 flags the
    loop and the one below is selected (and played, with Auto-play). Several loops flagged
    at once, or the last loop, stay where they are. The choice is kept for the next start."""
    played = []
    monkeypatch.setattr(
        window.player, "play", lambda path, start=0.0, tempo=None, key=None: played.append(path)
    )
    assert not window.next_after_flag_box.isChecked()  # off until asked for
    window.table.setFocus()
    window.table.selectRow(2)
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    assert window.selected_rows() == [2]
    window.act_next_after_flag.trigger()  # the Loop menu's, the same as the box
    assert window.next_after_flag_box.isChecked() and window.settings.get("next_after_flag")
    assert window.act_next_after_flag.isEnabled()
    window._auditioning = True  # as after the first Space: Auto-play plays what is selected
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    assert window.selected_rows() == [3]
    assert window.model.flags_of([window.model.sample_id(2)]) == ["typical"]
    assert played == [window.model.path(3)]
    qtbot.keyClick(window.table, Qt.Key.Key_0)
    assert window.selected_rows() == [4]
    window.select_ids([window.model.sample_id(5), window.model.sample_id(6)])
    window.flag_selection("unusual")
    assert window.selected_rows() == [5, 6]
    last = window.model.rowCount() - 1
    window.table.selectRow(last)
    window.flag_selection("typical")
    assert window.selected_rows() == [last]


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


def test_next_after_flag_steps_over_the_copies_flagged_with_the_loop(qtbot, window, scored_library):
    """A flag goes on the loop's copies too, which often sit right below it (the same score):
    Next after flag goes on to the next other sound, not the same one again."""
    _, root = scored_library
    (root / "pack").mkdir()
    for name in ("drum_03.wav", "tone_a.wav"):
        shutil.copy(root / name, root / "pack" / name)
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 19, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.filter_status.setCurrentIndex(window.filter_status.findData("copies"))
    assert window.model.rowCount() == 4  # each loop's copy right after it
    window.next_after_flag_box.setChecked(True)
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    ids = [window.model.sample_id(r) for r in range(4)]
    assert window.model.flags_of(ids) == ["unusual", "unusual", None, None]
    assert window.selected_rows() == [2]


def test_an_output_that_goes_away_mid_loop_is_opened_again_and_said(qtbot, tmp_path, monkeypatch):
    """Unplugging the audio interface left the loop 'playing' for good: the stream stopped
    asking for audio, Stop stayed on the button and nothing more played. Now the player
    notices (the stream stopped, or asked for nothing for SILENT_DEVICE_S), opens the output
    again and says so; when no output comes back, it says that."""
    import audiogen

    from anomalizer_desktop.ui import player as player_module

    class Stream:
        active = True

        def close(self):
            self.closed = True

    path = str(audiogen.write(tmp_path / "loop.wav", audiogen.tone(220, 2.0)))
    player = player_module.AudioPlayer(device="none")
    player.available, player.rate, player.channels = True, audiogen.SR, 2
    first, opened = Stream(), []

    def reopen(device):
        opened.append(device)
        player._stream, player.available, player.rate = Stream(), True, 48_000

    monkeypatch.setattr(player, "_open", reopen)
    monkeypatch.setattr(player_module, "_rescan_devices", lambda: None)
    player._stream = first
    player.decode(path)
    messages, changes = [], []
    player.message.connect(messages.append)
    player.output_changed.connect(changes.append)
    assert player.play(path)
    player._last_block = time.monotonic()
    player._tick()
    assert player.is_playing() and opened == []  # a working stream is left alone
    first.active = False  # unplugged
    player._tick()
    assert not player.is_playing() and getattr(first, "closed", False)
    assert opened == ["none"] and changes == [True]
    assert messages[-1].startswith("The audio output stopped (was it unplugged?)")
    assert player.cached(path) is None  # decoded for 22,050 Hz; the device now runs 48,000
    player.decode(path)
    assert player.play(path)
    player._last_block = time.monotonic() - player_module.SILENT_DEVICE_S - 1  # asks for nothing

    def gone(device):
        player._stream, player.available = None, False
        player.problem = "No audio output (no device): playback is off, all else works."

    monkeypatch.setattr(player, "_open", gone)
    player._tick()
    assert not player.is_playing() and changes == [True, False]
    assert messages[-1] == player.problem
    player.close()


def test_a_new_audio_output_is_used_at_once_and_a_gone_one_falls_back_to_the_default(
    qtbot, window, monkeypatch
):
    """Preferences > Audio output took effect at the next start (headphones chosen, the
    speakers kept playing); and a chosen device that went away was not replaced by the
    system's default."""
    from anomalizer_desktop.ui import player as player_module
    from anomalizer_desktop.ui.preferences import PreferencesDialog

    player = window.player
    present = {None, "Headphones"}
    opened = []

    def open_output(device):
        opened.append(device)
        player.available = device in present
        player._stream = object() if player.available else None
        player.problem = "No audio output (gone): playback is off, all else works."

    monkeypatch.setattr(player, "_open", open_output)
    monkeypatch.setattr(player_module, "_rescan_devices", lambda: None)

    def choose(dialog):
        dialog.audio.addItem("Headphones", "Headphones")
        dialog.audio.setCurrentIndex(dialog.audio.findData("Headphones"))
        dialog.accept()
        return True

    monkeypatch.setattr(PreferencesDialog, "exec", choose)
    window.open_preferences()
    assert opened == ["Headphones"] and window.settings.get("audio_device") == "Headphones"
    assert window.statusBar().currentMessage() == "Playing through Headphones."
    assert not window.no_audio.isVisibleTo(window)
    present.discard("Headphones")  # unplugged mid-loop: the default output takes over
    player._reopen()
    assert opened[1:] == ["Headphones", None] and player.available
    assert window.statusBar().currentMessage().startswith("The audio output stopped")
    monkeypatch.setattr(PreferencesDialog, "exec", lambda dialog: dialog.accept() or True)
    window.open_preferences()  # nothing changed: the output is left as it is
    assert opened[1:] == ["Headphones", None]
    assert window.settings.get("audio_device") == "Headphones"  # not listed now, still chosen
    dialog = PreferencesDialog(window.settings, window)
    assert dialog.audio.currentText() == "Headphones (not connected)"
    dialog.close()


def test_a_chosen_output_not_connected_at_start_gives_way_to_the_default(qtbot, monkeypatch):
    """Headphones chosen in Preferences and unplugged since: the app started without sound
    though the speakers were there."""
    import sys
    import types

    from anomalizer_desktop.ui.player import AudioPlayer

    class Stream:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def start(self):
            pass

        def close(self):
            pass

    def query_devices(device=None, kind=None):
        if device is not None:
            raise ValueError(f"No output device matching {device!r}")
        return {"name": "Speakers", "default_samplerate": 48_000, "max_output_channels": 2}

    sd = types.SimpleNamespace(query_devices=query_devices, OutputStream=Stream)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    player = AudioPlayer(device="Headphones")
    assert player.available and (player.rate, player.channels) == (48_000, 2)
    assert player._stream.kwargs["device"] is None
    assert player.note == "Headphones is not connected: playing through the system default."
    player.close()


def test_matched_levels_play_a_quiet_one_shot_and_a_loud_loop_alike(qtbot, window, tmp_path):
    """With Match levels on, each loop's loud part plays at about -20 dBFS RMS, no peak over
    -1 dBFS; off, loops play at their own level. Kept for the next start."""
    import audiogen

    from anomalizer_desktop.ui import player as player_module

    sr = audiogen.SR
    t = np.arange(sr) / sr
    hit = np.sin(2 * np.pi * 200 * t) * np.exp(-t * 30)  # a one-shot: loud start, long tail
    quiet = str(audiogen.write(tmp_path / "quiet_hit.wav", 0.01 * hit))
    loud = str(audiogen.write(tmp_path / "loud_loop.wav", 0.9 * np.sin(2 * np.pi * 110 * t)))
    player = window.player
    player.available, player.rate, player.channels = True, sr, 1
    player.set_volume(1.0)

    def played(path: str) -> np.ndarray:
        player.decode(path)
        player.play(path)
        out = np.zeros((sr, 1), dtype=np.float32)
        player._callback(out, sr, None, None)
        player.stop()
        return out[:, 0]

    def loudness(y: np.ndarray) -> float:
        blocks = np.square(y[: len(y) - len(y) % 1102]).reshape(-1, 1102).mean(axis=1)
        return float(np.sqrt(np.quantile(blocks, 0.9)))

    assert loudness(played(loud)) / loudness(played(quiet)) > 50  # their own levels
    window.match_levels_box.setChecked(True)
    assert player.match_levels and window.settings.get("match_levels")
    quiet_out, loud_out = played(quiet), played(loud)
    assert np.abs(quiet_out).max() <= player_module.MATCH_PEAK + 1e-4
    assert np.abs(loud_out).max() <= player_module.MATCH_PEAK + 1e-4
    assert loudness(loud_out) == pytest.approx(player_module.MATCH_RMS, rel=0.05)
    # the one-shot rises by its peak's room (its loud part is short), 36 dB here
    assert np.abs(quiet_out).max() == pytest.approx(player_module.MATCH_PEAK, rel=0.01)
    assert player_module.level_gain(np.zeros((100, 2), np.float32), sr) == 1.0  # silence
    window.match_levels_box.setChecked(False)
    assert not window.settings.get("match_levels")


def test_the_audition_keys_work_on_the_map_the_waveform_and_the_panel(
    qtbot, window, scored_library
):
    """A loop clicked on the map, then U, flagged nothing: the map had the focus and the keys
    were the table's alone. Now they work there too, and Down moves on through the table."""
    path, _ = scored_library
    target = int(window.map.ids[3])
    window.map.selection_made.emit([target])
    window.map.view.setFocus()
    qtbot.keyClick(window.map.view, Qt.Key.Key_U)
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[target] == "unusual"
    row = window.table.currentIndex().row()
    qtbot.keyClick(window.waveform, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == row + 1
    below = window.selected_ids()[0]
    qtbot.keyClick(window.explain_panel, Qt.Key.Key_T)
    with Store(path) as other:
        assert {r.id: r.flag for r in other.list_samples()}[below] == "typical"


def wait_until_scored(qtbot, window, loops: int) -> None:
    """Until the window shows `loops` loops, every one scored, with no job running."""
    qtbot.waitUntil(
        lambda: (
            window.model.rowCount() == loops
            and not window.runner.any_running()
            and not np.isnan(window.model.library.score).any()
        ),
        timeout=60_000,
    )


def test_the_welcome_pages_demo_loops_are_written_added_and_scored(
    qtbot, tmp_path, settings, monkeypatch
):
    """A first start with no loops at hand: "Try it on demo loops" writes them beside the
    library, adds their folder as Add folder does (scan, embed, train), and the four that do
    not belong come first; the next Add folder dialog does not open in the app's data."""
    from anomalizer_desktop.core.demo_loops import ODD_NAMES
    from anomalizer_desktop.ui import window_jobs

    folder = tmp_path / "data" / "demo loops"
    monkeypatch.setattr(window_jobs, "demo_folder", lambda: folder)
    path = tmp_path / "new.sqlite"
    store = Store(path)
    window = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.pages.currentIndex() == 0  # the welcome page, with the demo's button
    qtbot.mouseClick(window.demo_button, Qt.MouseButton.LeftButton)
    assert not window.welcome_button.isEnabled()  # no other folder while they are written
    wait_until_scored(qtbot, window, 44)
    assert window.pages.currentIndex() == 1
    top = {os.path.basename(window.model.path(row)) for row in range(4)}
    assert top == set(ODD_NAMES)  # sorted by Unusual %, the oddest first
    assert [p for _, p in store.roots()] == [str(folder)]
    assert window.welcome_button.isEnabled() and window.demo_button.isEnabled()
    assert settings.get("last_folder") != str(folder)
    window.runner.cancel_all()
    store.close()


def test_a_folder_of_loops_it_cannot_read_says_so_and_trains_once_loops_come(
    qtbot, tmp_path, settings, monkeypatch
):
    """A first folder of Apple Loops (.m4a) and REX files: the welcome page says what it held
    and what anomalizer reads (it said nothing, and a dialog said a training needs 5 loops).
    Once WAVs are there, Rescan embeds them and trains: the library was never trained."""
    from anomalizer_desktop.ui import plain_text

    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    folder = tmp_path / "Apple Loops"
    folder.mkdir()
    for name in ("a.m4a", "b.m4a", "c.rx2"):
        (folder / name).write_bytes(b"\x00" * 64)
    path = tmp_path / "new.sqlite"
    store = Store(path)
    window = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.add_folders([str(folder)])
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    said = (
        "No loops found in Apple Loops: it holds 3 files in formats anomalizer does not read:"
        " .m4a 2, .rx2 1. anomalizer reads WAV, AIFF, FLAC, CAF, Ogg Vorbis, Opus and MP3."
    )
    assert window.welcome_status.text() == said
    assert window.statusBar().currentMessage() == said
    assert window.pages.currentIndex() == 0 and warnings == []
    for i in range(6):
        audiogen.write(folder / f"drum_{i}.wav", audiogen.drum_loop(seed=i, bpm=100 + 4 * i))
    window.rescan()
    wait_until_scored(qtbot, window, 6)
    assert store.latest_run_id() is not None and warnings == []
    assert window.statusBar().currentMessage() != said
    # the welcome page's line keeps no progress words of the finished jobs ("Training… 5/5"),
    # which a library emptied later showed
    assert window.welcome_status.text() == ""
    window.runner.cancel_all()
    store.close()


def test_help_try_the_demo_loops_keeps_them_out_of_the_producers_library(
    qtbot, window, scored_library, tmp_path, monkeypatch
):
    """Help > Try the demo loops from a library with loops opens a library of their own for
    them (the producer's keeps its 17 loops), where they are scored."""
    from anomalizer_desktop.core.demo_loops import ODD_NAMES
    from anomalizer_desktop.ui import window_actions, window_jobs

    path, _ = scored_library
    demo_library = tmp_path / "data" / "demo.sqlite"
    demo_library.parent.mkdir()
    monkeypatch.setattr(window_actions, "demo_library_path", lambda: demo_library)
    monkeypatch.setattr(window_jobs, "demo_folder", lambda: tmp_path / "data" / "demo loops")
    assert window.act_demo.text() == "Try the demo loops"
    demo = window.open_demo()
    qtbot.addWidget(demo)
    try:
        assert demo is not window and demo.store.path == str(demo_library)
        qtbot.waitUntil(
            lambda: (
                demo.model.rowCount() == 44
                and not demo.runner.any_running()
                and not np.isnan(demo.model.library.score).any()
            ),
            timeout=60_000,
        )
        top = {os.path.basename(demo.model.path(row)) for row in range(4)}
        assert top == set(ODD_NAMES)
        with Store(path) as mine:
            assert len(mine.list_samples()) == 17
        assert demo.open_demo() is demo  # from the demo library: into itself again
    finally:
        demo.runner.cancel_all()
        qtbot.waitUntil(lambda: not demo.runner.any_running(), timeout=20_000)
        demo.close()
        demo.store.close()


def test_b_goes_back_to_the_loop_before_and_again_returns(qtbot, window, monkeypatch):
    """An A/B of two loops wherever they sit: B selects the loop that was current before (the
    filters making way), plays it while auditioning with Auto-play on, and B again returns."""
    played = []
    monkeypatch.setattr(
        window.player, "play", lambda path, start=0.0, tempo=None, key=None: played.append(path)
    )
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_B)
    assert window.statusBar().currentMessage().startswith("No loop before this one yet")
    first = window.model.path(0)
    window.table.selectRow(5)
    second = window.model.path(5)
    window._auditioning = True
    window.autoplay_box.setChecked(True)
    played.clear()
    qtbot.keyClick(window.table, Qt.Key.Key_B)
    assert window.model.path(window.table.currentIndex().row()) == first
    assert played == [first]
    assert (
        window.statusBar()
        .currentMessage()
        .startswith(f"Back to {os.path.basename(first)}; B again: {os.path.basename(second)}")
    )
    window.filter_text.setText(os.path.basename(first))  # the other loop hidden
    qtbot.keyClick(window.table, Qt.Key.Key_B)
    assert window.model.path(window.table.currentIndex().row()) == second
    assert window.filter_text.text() == ""  # the filters made way
    qtbot.keyClick(window.map.view, Qt.Key.Key_B)  # from the map too
    assert window.model.path(window.table.currentIndex().row()) == first
    assert window.act_back.text() == "Back to the loop before" and window.act_back in (
        window.loop_menu_actions
    )


def test_the_next_export_offers_the_format_of_the_last_one(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    def save_as_folder(dialog):
        assert dialog.format.currentData() == "m3u8"  # the first time: a playlist
        dialog.which.setCurrentIndex(dialog.which.findData("top"))
        dialog.format.setCurrentIndex(dialog.format.findData("folder"))
        dialog.target.setText(str(tmp_path / "links"))
        return dialog.export()

    monkeypatch.setattr(ExportDialog, "exec", save_as_folder)
    qtbot.addWidget(window.open_export())
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: False)  # opened, then cancelled
    again = window.open_export()
    qtbot.addWidget(again)
    assert again.format.currentData() == "folder" and again.target.text().endswith("-loops")
    window.settings.set("export_format", "no such format")  # a settings file edited by hand
    odd = window.open_export()
    qtbot.addWidget(odd)
    assert odd.format.currentData() == "m3u8"


def _window_on_loops(qtbot, settings, root, loops: dict):
    """A window on a library of these loops ({name: samples}, written as WAVs into `root`)."""
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    for name, samples in loops.items():
        audiogen.write(root / f"{name}.wav", samples)
    path = root.with_suffix(".sqlite")
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    win = MainWindow(Store(path), settings, JobRunner(str(path)), AudioPlayer(device="none"))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.model.rowCount() == len(loops), timeout=20_000)
    return win


def test_k_shows_the_loops_in_keys_that_mix_and_k_again_every_key(qtbot, tmp_path, settings):
    names = ["Bass 120 BPM Am", "Keys 100 BPM C", "Lead 120 BPM Em", "Pluck 120 BPM F#m", "Kick"]
    loops = {name: audiogen.tone(200 + 30 * i, 0.5) for i, name in enumerate(names)}
    win = _window_on_loops(qtbot, settings, tmp_path / "keys", loops)
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


def test_a_loop_plays_at_the_project_tempo_in_its_own_seconds(qtbot, tmp_path):
    """Sync 100 BPM: a 120 BPM loop plays stretched to 120/100 of its length, starting
    where it is asked in its own seconds; a loop that declares no tempo plays as it is; a new
    tempo while one plays goes on at it from the same place."""
    import audiogen

    from anomalizer_desktop.core.audio.time_stretch import stretch
    from anomalizer_desktop.ui.player import AudioPlayer

    path = str(audiogen.write(tmp_path / "beat.wav", audiogen.drum_loop(seconds=2.0, bpm=120)))
    player = AudioPlayer(device="none")
    player.available, player.rate, player.channels = True, audiogen.SR, 1
    player.set_volume(1.0)
    player.set_project(100.0)
    assert player.play(path, start=0.5, tempo=120.0)
    qtbot.waitUntil(player.is_playing, timeout=10_000)
    speed = 100.0 / 120.0
    stretched = player.cached_stretch(path, (speed, 0))
    original = player.cached(path)
    assert len(stretched) == round(len(original) / speed)
    np.testing.assert_array_equal(stretched, stretch(original, speed, audiogen.SR))
    assert player.position() == pytest.approx(0.5, abs=1e-3)  # the loop's own seconds
    block = np.zeros((256, 1), dtype=np.float32)
    player._callback(block, 256, None, None)
    offset = int(0.5 / speed * audiogen.SR)
    np.testing.assert_allclose(block[:, 0], stretched[offset : offset + 256, 0], atol=1e-6)
    at = player.position()
    player.set_project(None)  # sync off while it plays: on as it is, from there
    qtbot.waitUntil(lambda: player._form == (1.0, 0), timeout=10_000)
    assert player.position() == pytest.approx(at, abs=1e-3)
    player.set_project(100.0)
    assert player.play(path, tempo=None)  # declares no tempo: as it is
    assert player._form == (1.0, 0) and player.is_playing()
    player.set_project(100.0, "C")
    assert player.play(path, 0.0, None, "D")  # no tempo, a key: down 2 semitones, same length
    qtbot.waitUntil(lambda: player.cached_stretch(path, (1.0, -2)) is not None, timeout=10_000)
    assert len(player.cached_stretch(path, (1.0, -2))) == len(original)
    qtbot.waitUntil(lambda: player._form == (1.0, -2), timeout=10_000)
    player.set_project(100.0)
    other = str(audiogen.write(tmp_path / "other.wav", audiogen.drum_loop(seconds=1.0, seed=3)))
    assert player.play(other, tempo=120.0)  # waits for its stretch...
    player.set_project(None)  # ...but sync went off meanwhile: it starts as it is
    qtbot.waitUntil(lambda: player.current_path == other, timeout=10_000)
    qtbot.wait(300)  # the stretch asked for first arrives, and is not played
    assert player._form == (1.0, 0) and player.current_path == other
    long = str(audiogen.write(tmp_path / "long.wav", audiogen.drum_loop(seconds=60.0, seed=4)))
    player.set_project(100.0)
    assert player.play(long, tempo=120.0)  # a minute to stretch (about a second)...
    assert player.play(other, tempo=None)  # ...but the user moved on at once: given up
    qtbot.wait(1500)
    assert player.cached_stretch(long, (speed, 0)) is None and player.current_path == other
    # ahead of the selection: a neighbour's stretch is made, one passed by is given up
    player.preload([other, long], [120.0, 120.0])
    qtbot.waitUntil(lambda: player.cached_stretch(other, (speed, 0)) is not None, timeout=10_000)
    player.preload([path], [None])  # the selection moved on while the minute was stretched
    qtbot.wait(1500)
    assert player.cached_stretch(long, (speed, 0)) is None
    # Down onto the loop being stretched ahead: play waits for that stretch, made once
    from anomalizer_desktop.ui import player as player_module

    made, real_conform = [], player_module.conform

    def counted(*args, **kwargs):
        made.append(args[1:3])
        return real_conform(*args, **kwargs)

    player_module.conform = counted
    try:
        player.preload([long], [120.0])
        qtbot.waitUntil(lambda: len(made) == 1, timeout=10_000)  # under way on the other thread
        player.preload([path], [None])  # the neighbours of the new selection...
        assert player.play(long, 0.0, 120.0)  # ...which is the loop being stretched ahead
        qtbot.waitUntil(lambda: player.current_path == long, timeout=10_000)
        assert made == [(speed, 0)] and player._form == (speed, 0)
    finally:
        player_module.conform = real_conform
    player.close()


def test_sync_to_a_tempo_from_the_transport_row(qtbot, tmp_path, settings):
    """The Sync box and its tempo set the player's tempo (the tempo once the arrows rest),
    are kept for the next start, show in the Loop menu, and the waveform's title says at
    what tempo the current loop plays."""
    beat = audiogen.drum_loop(seconds=2.0, bpm=120)
    win = _window_on_loops(qtbot, settings, tmp_path / "tempo", {"Beat 120 BPM": beat})
    assert win.player.project_tempo is None and not win.act_sync_tempo.isChecked()
    win.table.selectRow(0)
    qtbot.waitUntil(lambda: "120 BPM" in win.waveform.title.toPlainText(), timeout=10_000)
    assert "plays at 100 BPM" not in win.waveform.title.toPlainText()
    win.tempo_box.setValue(100.0)
    win.sync_box.setChecked(True)
    assert win.player.project_tempo == 100.0 and win.act_sync_tempo.isChecked()
    qtbot.waitUntil(lambda: "plays at 100 BPM" in win.waveform.title.toPlainText(), timeout=10_000)
    win.tempo_box.setValue(240.0)  # twice 120: as it is, as half time
    qtbot.waitUntil(lambda: win.player.project_tempo == 240.0, timeout=10_000)
    assert win.player.form_for(win.model.declared_tempo(0)) == (1.0, 0)
    qtbot.waitUntil(
        lambda: "plays at 240 BPM as half time" in win.waveform.title.toPlainText(), timeout=10_000
    )
    assert settings.get("sync_tempo") is True and settings.get("project_tempo") == 240.0
    assert win.project_sync.button.text() == "240 BPM"
    win.key_box.setCurrentIndex(win.key_box.findData("Bm"))  # a project key: Beat declares none
    assert settings.get("project_key") == "Bm"
    assert win.project_sync.button.text() == "240 BPM \u00b7 Bm"
    qtbot.waitUntil(lambda: win.player.project_key == "Bm", timeout=10_000)
    assert win.player.form_for(120.0, None) == (1.0, 0)
    assert win.player.form_for(None, "Am") == (1.0, 2)  # a loop in Am would move up 2
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    dialog = ExportDialog(win.store, [win.model.path(0)], win, project=Project(240.0, "Bm"))
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("m3u8"))
    assert dialog.at_project.isHidden()  # a playlist lists the loops as they are
    dialog.format.setCurrentIndex(dialog.format.findData("copies"))
    assert not dialog.at_project.isHidden()
    assert dialog.at_project.text() == "At your project's 240 BPM \u00b7 Bm, as Sync plays them"
    dialog.at_project.setChecked(True)
    dialog.target.setText(str(tmp_path / "for-the-song"))
    assert dialog.export()
    assert (tmp_path / "for-the-song" / "Beat 120 BPM.wav").exists()  # as half time: as it is
    dialog = ExportDialog(win.store, [win.model.path(0)], win, project=Project(100.0, None))
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("copies"))
    dialog.at_project.setChecked(True)
    dialog.target.setText(str(tmp_path / "at-100"))
    assert dialog.export()
    assert [p.name for p in (tmp_path / "at-100").glob("*.wav")] == ["Beat 100 BPM.wav"]
    assert dialog.result_message.endswith("at-100 at your project's 100 BPM")
    win.act_sync_tempo.trigger()  # the Loop menu turns it off
    assert not win.sync_box.isChecked() and win.player.project_tempo is None
    assert win.player.project_key is None
    assert settings.get("sync_tempo") is False
    win.runner.cancel_all()
    win.store.close()


def test_the_export_offers_the_loops_the_filter_shows(qtbot, window, tmp_path, monkeypatch):
    """Typed "tone", heard them, Ctrl+E: the set was the flags' or a selection's, not theirs."""
    from anomalizer_desktop.ui.export_dialog import SHOWN, ExportDialog

    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: False)
    plain = window.open_export()
    qtbot.addWidget(plain)
    assert plain.which.findData(SHOWN) == -1  # no filter: nothing to offer
    window.filter_text.setText("tone")
    shown = window.model.shown_paths()
    assert 0 < len(shown) < len(window.model.library.paths)
    window.table.selectRow(0)  # one loop current, as while auditioning: the set stays first
    dialog = window.open_export()
    qtbot.addWidget(dialog)
    assert dialog.which.currentData() == SHOWN
    assert dialog.which.currentText() == f"Shown by the filter ({len(shown)})"
    assert dialog.count_label.text().startswith(f"{len(shown)} loop")
    assert dialog.target.text().endswith(os.path.join("", "tone-loops.m3u8"))
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.target.setText(str(tmp_path / "tones.csv"))
    assert dialog.export()
    with open(tmp_path / "tones.csv", encoding="utf-8") as handle:
        assert sorted(row["path"] for row in csv.DictReader(handle)) == sorted(shown)
    # several loops selected: the selection is what was meant
    window.table.selectAll()
    if len(shown) > 1:
        chosen = window.open_export()
        qtbot.addWidget(chosen)
        assert chosen.which.currentData() == "selection"
    # the flags list alone is a filter too: its name names the file
    window.filter_text.clear()
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    window.table.clearSelection()
    flagged = window.open_export()
    qtbot.addWidget(flagged)
    assert flagged.which.currentData() == SHOWN
    assert flagged.target.text().endswith("unflagged-loops.m3u8")


def test_a_table_the_filter_empties_says_so_and_how_to_get_the_loops_back(
    qtbot, window, monkeypatch
):
    """A filter that matched nothing left a blank table, as if the library had no loops."""
    from anomalizer_desktop.ui.window_build import NOTHING_MATCHES

    assert window.table.empty_text() == ""
    window.filter_text.setText("no loop is called this")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert window.table.empty_text() == NOTHING_MATCHES
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
    assert window.table.empty_text() == ""


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


def test_adding_a_folder_the_library_holds_keeps_the_scores_instead_of_training(
    qtbot, window, scored_library, tmp_path
):
    """Add folder on a folder already in the library brought nothing new, yet trained again
    (minutes in a big library, for the same model). Now the scores stand and the status bar
    says why; a folder with new loops is still trained on."""
    _, root = scored_library
    store = window.store
    run = store.latest_run_id()
    (root / "broken.wav").unlink()  # (its problem line would take the status bar)
    window.add_folders([str(root)], remember=False)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert store.latest_run_id() == run
    assert window.statusBar().currentMessage() == (
        "Nothing new in loops: its 16 loops are in the library already, so the scores stand."
    )
    more = tmp_path / "more"
    for i in range(3):
        audiogen.write(more / f"bass_{i}.wav", audiogen.tone(55 * (i + 1), 2.0))
    window.add_folders([str(more)], remember=False)
    qtbot.waitUntil(lambda: store.latest_run_id() != run, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.model.rowCount() == 20  # (broken.wav stays, missing, with its flags)
