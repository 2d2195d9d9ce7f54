"""The main window's export dialog: the sets it offers, where it suggests writing them, what
it says about copies and failures, and the formats it remembers."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from anomalizer_desktop.core.jobs import run_job


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


def test_a_folder_of_links_exported_follows_the_loops_moved_in_the_window(
    qtbot, window, scored_library, tmp_path
):
    """A DAW reading the exported folder finds a loop moved afterwards (drag onto a folder of
    the Folders panel) where it went; the status bar says the links were updated."""
    from anomalizer_desktop.core.library.followed_exports import remembered
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    _, root = scored_library
    dialog = ExportDialog(window.store, [], window)
    qtbot.addWidget(dialog)
    dialog.which.setCurrentIndex(dialog.which.findData("top"))
    dialog.format.setCurrentIndex(dialog.format.findData("folder"))
    dialog.top_n.setValue(3)
    target = tmp_path / "DAW" / "odd ones"
    dialog.target.setText(str(target))
    assert dialog.export()
    assert remembered(window.store) == [(str(target), "folder")]
    links = {os.readlink(target / n): n for n in os.listdir(target) if (target / n).is_symlink()}
    path = next(iter(links))
    window.move_dropped(
        str(root / "Rejects"), list(window.store.sample_ids_for_paths([path]).values())
    )
    moved = str(root / "Rejects" / os.path.basename(path))
    qtbot.waitUntil(lambda: moved in window.model.library.paths, timeout=10_000)
    assert os.readlink(target / links[path]) == moved
    assert window.statusBar().currentMessage() == (
        f"Moved 1 loop to {root / 'Rejects'}; 1 exported link updated."
    )
