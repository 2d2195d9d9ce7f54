"""Trying loops from outside the library in the window: a drop's "Only see how they fit", the
Library menu's "Try loops from outside…", and the dialog that lists the verdict."""

from __future__ import annotations

import os

import audiogen
import numpy as np
from PySide6.QtCore import Qt
from qt_cells import shown_in_cell
from qt_drops import drop_on

from anomalizer_desktop.ui import drops
from anomalizer_desktop.ui.newcomers_dialog import HERE, LIKE, NAME, PATH_ROLE, PERCENT


def new_pack(tmp_path):
    pack = tmp_path / "Downloads" / "Pack"
    audiogen.write(pack / "beat.wav", audiogen.drum_loop(seed=70, bpm=104))
    audiogen.write(pack / "pad.wav", audiogen.tone(660.0, 4.0))
    audiogen.text_as_wav(pack / "broken.wav")
    return pack


def test_a_drop_can_only_try_the_loops_and_the_dialog_lists_them(
    qtbot, window, monkeypatch, tmp_path
):
    pack = new_pack(tmp_path)
    monkeypatch.setattr(drops, "ask_to_add", lambda parent, dropped: drops.TRY)
    drop_on(window, pack / "beat.wav", pack / "pad.wav", pack / "broken.wav")
    qtbot.waitUntil(lambda: getattr(window, "newcomers_dialog", None) is not None, timeout=30_000)
    dialog = window.newcomers_dialog  # (the window's: it goes when closed)
    assert window.model.rowCount() == 17  # nothing was added
    table = dialog.table
    rows = [[table.item(r, c).text() for c in (NAME, PERCENT, HERE)] for r in range(3)]
    assert [r[0] for r in rows] == ["pad.wav", "beat.wav", "broken.wav"]  # most unusual first
    assert rows[2][1:] == ["", "unreadable"]
    assert float(rows[0][1]) >= float(rows[1][1])
    verdict = dialog.verdict
    assert rows[0][2] == ("unusual here" if verdict.loops[0].unusual else "fits")
    like = table.item(0, LIKE).text()
    nearest = verdict.loops[0].nearest[0]  # (starred when that loop is unusual itself)
    star = "\u2605 " if nearest["unusual"] else ""
    assert like == star + os.path.basename(nearest["path"])
    like = like.removeprefix(star)
    assert like in window.model.library.names  # a loop of the library
    assert shown_in_cell(table, 0, NAME, 40) == "pad"  # shortened as in the window's table
    assert not table.wordWrap()  # a line a loop (wrapped, a row's second line was cut)
    assert os.path.join("Downloads", "Pack", "pad.wav") in table.item(0, NAME).toolTip()
    assert (
        "could not be read" in dialog.summary.text()
        and "Nothing was added" in dialog.summary.text()
    )
    # Space plays the selected loop (no audio device here: the player says so)
    played = []
    dialog.play_requested.connect(played.append)
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Space)
    table.selectRow(2)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # an unreadable file does not play
    assert played == [str(pack / "beat.wav")]
    # with Auto-play on, once one was played, moving plays the next one (as in the table)
    dialog.set_autoplay(True)
    table.selectRow(0)
    assert played[-1] == str(pack / "pad.wav")
    dialog.set_autoplay(False)
    table.selectRow(1)
    assert played[-1] == str(pack / "pad.wav")
    played.clear()
    played.append(str(pack / "beat.wav"))
    # the two loops are drawn on the map where the library's would be, the selected one ringed
    assert window.map.visitor_count() == 2
    placed = window._map_projection.placement.place(verdict.vectors)
    assert np.allclose(window.map.visitors.getData()[0], placed[:, 0])
    table.selectRow(1)
    assert np.allclose(window.map.visitor_ring.getData()[0], [placed[1, 0]])
    window.map.visitor_clicked.emit(0, False)  # its diamond clicked on the map: its row
    assert table.currentRow() == 0
    window.map.visitor_clicked.emit(1, True)  # double-clicked: played
    assert played[-1] == str(pack / "beat.wav") and len(played) == 2
    assert "white-edged diamonds" in dialog.summary.text()
    # a reload (a rescan, a training) draws the map anew: they are placed on it again
    window.map.clear_visitors()
    window.map.show_visitors(placed + 100.0, ["a", "b"], [1.0, 2.0])  # (as if the map moved)
    window.reload()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert np.allclose(window.map.visitors.getData()[0], placed[:, 0], atol=1e-4)
    # Return in the list adds nothing: the dialog is for trying without adding
    dialog.show()
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.isVisible() and window.runner.running("scan") is None
    assert window.model.rowCount() == 17
    # Add their folder: scanned, embedded and scored as a drop's Add folder
    assert dialog.add_button.text() == "Add their folder"
    dialog.add_button.click()
    assert window.map.visitor_count() == 0  # gone with the list
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=60_000)


def test_the_library_menu_tries_a_folder_and_a_library_without_a_run_says_why(
    qtbot, window, monkeypatch, tmp_path, settings
):
    from PySide6.QtWidgets import QFileDialog

    pack = new_pack(tmp_path)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(pack))
    window.act_try_newcomers.trigger()
    qtbot.waitUntil(lambda: getattr(window, "newcomers_dialog", None) is not None, timeout=30_000)
    assert window.newcomers_dialog.table.rowCount() == 3
    window.newcomers_dialog.close()
    assert window.newcomers_dialog is None  # closed: gone
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    # without a run there is nothing to judge by: the status bar says so
    window.store.execute("DELETE FROM runs")
    handle = window.try_newcomers([str(pack)])
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    assert handle is not None and window.newcomers_dialog is None
    assert window.statusBar().currentMessage() == "No trained detector yet: press Train first"


def test_the_loops_that_fit_are_copied_into_a_library_folder_and_scanned_in(
    qtbot, window, monkeypatch, tmp_path, scored_library
):
    from PySide6.QtWidgets import QFileDialog

    _, root = scored_library
    pack = tmp_path / "Downloads" / "Beats Pack"
    for i in range(3):
        audiogen.write(pack / f"beat {i}.wav", audiogen.drum_loop(seed=80 + i, bpm=104 + 2 * i))
    window.try_newcomers([str(pack)])
    qtbot.waitUntil(lambda: window.newcomers_dialog is not None, timeout=30_000)
    dialog = window.newcomers_dialog
    fitting = [loop.path for loop in dialog.verdict.fitting]
    assert fitting and dialog.keep_button.isEnabled()
    assert dialog.keep_button.text() == f"Copy the {len(fitting)} that fit…"
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *a, **k: asked.append(a[2]) or str(root)
    )
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    dialog.keep_button.click()
    assert asked == [str(root.resolve())] or asked == [str(root)]  # a library folder first
    target = root / "Beats Pack"  # in a folder named after the pack
    expected = sorted(os.path.basename(p) for p in fitting)

    def copied():  # a copy on its way is a hidden ".NAME.part" until it is whole
        return target.is_dir() and sorted(p.name for p in target.iterdir()) == expected

    qtbot.waitUntil(copied)  # (it waited for 3 files, and one could still be a .part)
    # scanned in as part of the library folder they went into
    qtbot.waitUntil(lambda: window.model.rowCount() == 17 + len(fitting), timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=60_000)
    assert len(window.store.roots()) == 1


def test_a_name_with_a_newline_is_listed_on_one_line(qtbot):
    """Its cell showed the name over two lines (the window's table escapes it too)."""
    from anomalizer_desktop.core.analysis.newcomers import Newcomer, Verdict
    from anomalizer_desktop.ui.newcomers_dialog import NewcomersDialog

    loop = Newcomer("/packs/two\nlines.wav", score=0.1, percentile=40.0)
    dialog = NewcomersDialog(Verdict(run_id=1, embedder="dsp", loops=[loop]))
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, NAME).text() == "two\\nlines.wav"
    assert dialog.table.item(0, NAME).data(PATH_ROLE) == loop.path  # kept whole


def test_a_loop_most_like_an_unusual_library_loop_is_starred(qtbot):
    """Pads tried against a library holding organ loops among its odd ones "fit" (up to 87 %, after
    a retraining with flags): nothing said the loops they sound like are the library's odd
    ones."""
    from anomalizer_desktop.core.analysis.newcomers import Newcomer, Verdict
    from anomalizer_desktop.ui.newcomers_dialog import LIKE, NewcomersDialog

    def near(path: str, unusual: bool) -> list[dict]:
        return [{"path": path, "distance": 35.1, "flag": None, "unusual": unusual}]

    pad = Newcomer("/packs/pad.wav", score=0.5, percentile=87.0, nearest=near("/l/organ.wav", True))
    beat = Newcomer("/packs/beat.wav", score=0.1, percentile=20.0, nearest=near("/l/d.wav", False))
    dialog = NewcomersDialog(Verdict(run_id=1, embedder="dsp", loops=[pad, beat]))
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, LIKE).text() == "\u2605 organ.wav"
    assert "unusual in your library itself" in dialog.table.item(0, LIKE).toolTip()
    assert dialog.table.item(1, LIKE).text() == "d.wav"
    assert "\u2605 1 loop sounds most like a loop that is unusual in your library itself." in (
        dialog.summary.text()
    )


def test_a_loop_in_the_list_is_dragged_out_as_its_file(qtbot):
    """A loop auditioned in the list, that fits, had to be found in the file manager to go
    into the DAW: the list's rows did not drag."""
    from PySide6.QtWidgets import QAbstractItemView

    from anomalizer_desktop.core.analysis.newcomers import Newcomer, Verdict
    from anomalizer_desktop.ui.newcomers_dialog import NewcomersDialog

    loops = [
        Newcomer("/packs/Deep House/groove 01.wav", score=0.1, percentile=20.0),
        Newcomer("/packs/Deep House/broken.wav", error="cannot decode"),
    ]
    dialog = NewcomersDialog(Verdict(run_id=1, embedder="dsp", loops=loops))
    qtbot.addWidget(dialog)
    table = dialog.table
    assert table.dragEnabled()
    assert table.dragDropMode() == QAbstractItemView.DragDropMode.DragOnly
    row = [table.item(0, column) for column in range(table.columnCount())]
    mime = table.mimeData(row)  # what a drag of the selected row carries
    assert [url.toLocalFile() for url in mime.urls()] == ["/packs/Deep House/groove 01.wav"]
    assert "text/uri-list" in table.mimeTypes()
    # Ctrl+C copies it the same way (as the window's Ctrl+C copies loops)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    dialog.show()
    qtbot.waitExposed(dialog)
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QApplication.clipboard().mimeData()
    assert [url.toLocalFile() for url in copied.urls()] == ["/packs/Deep House/groove 01.wav"]
