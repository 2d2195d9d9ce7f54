"""The window finds the loops whose audio is in the library twice in different files by itself,
once its library jobs are done, and shows them under Same audio (ui.window_same_audio)."""

from __future__ import annotations

import audiogen
import numpy as np
import pytest
from qt_windows import window_on_loops


@pytest.fixture
def twins_window(qtbot, tmp_path, settings):
    root = tmp_path / "Loops"
    rng = np.random.default_rng(0)
    for i in range(10):
        loop = audiogen.drum_loop(seed=i, bpm=100 + 3 * i) * (0.3 + 0.07 * i)
        loop += rng.normal(0, 3e-4, loop.size).astype(np.float32)  # a recording's floor
        audiogen.write(root / "Drums" / f"beat {i}.wav", loop, subtype="FLOAT")
        if i == 4:  # the same beat in another pack, as a 16-bit FLAC under another name
            audiogen.write(root / "Other Pack" / "groove.flac", loop, subtype="PCM_16")
    window = window_on_loops(qtbot, settings, root, tmp_path / "lib.sqlite")
    qtbot.waitUntil(lambda: window.model.rowCount() == 11, timeout=20_000)
    yield window
    window.runner.cancel_all()
    window.store.close()


def test_the_window_finds_the_same_audio_and_lists_it_together(qtbot, twins_window):
    window = twins_window
    qtbot.waitUntil(lambda: (window.model.library.sound_group >= 0).sum() == 2, timeout=30_000)
    assert "1 pair of loops with the same audio" in window.statusBar().currentMessage()
    assert window.store.execute("SELECT COUNT(*) FROM audio_pairs").fetchone()[0] >= 1
    box = window.filter_status
    box.setCurrentIndex(box.findData("same_audio"))
    shown = [window.model.path(row).rsplit("/", 2)[-2:] for row in range(window.model.rowCount())]
    assert sorted(shown) == [["Drums", "beat 4.wav"], ["Other Pack", "groove.flac"]]
    tips = {  # the name's tooltip names the twin, with its level against this loop
        window.model.path(row).rsplit("/", 1)[-1]: window.model.index(row, 0).data(3)
        for row in range(2)
    }
    assert "The same audio: groove.flac (the same level)" in tips["beat 4.wav"]
    assert "The same audio: beat 4.wav (the same level)" in tips["groove.flac"]
    assert "another format, bit depth" in box.itemData(box.currentIndex(), 3)  # its tooltip
    # opened again: nothing is compared again, and the twins are read from the library
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    started = []
    window.runner.started.connect(lambda handle: started.append(handle.kind))
    window._same_audio_due = True
    window.reload()
    qtbot.waitUntil(lambda: "same_audio" in started, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.model.rowCount() == 2 and (window.model.library.sound_group >= 0).sum() == 2


def _twins_found(qtbot, window):
    qtbot.waitUntil(lambda: (window.model.library.sound_group >= 0).sum() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)


def test_a_flag_goes_on_the_files_of_the_same_audio_too(qtbot, twins_window):
    from PySide6.QtCore import Qt

    window = twins_window
    _twins_found(qtbot, window)
    window.filter_text.setText("beat 4")
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    paths = dict(zip(window.model.library.paths, window.model.library.flags, strict=True))
    flagged = sorted(p.rsplit("/", 1)[-1] for p, f in paths.items() if f == "unusual")
    assert flagged == ["beat 4.wav", "groove.flac"]
    assert "with 1 copy of it" in window.statusBar().currentMessage()
    stored = window.store.execute("SELECT COUNT(*) FROM user_data WHERE flag = 'unusual'")
    assert stored.fetchone()[0] == 2


def test_select_extra_versions_keeps_the_best_file_of_each_recording(qtbot, twins_window):
    window = twins_window
    _twins_found(qtbot, window)
    assert window.select_extra_versions() == 1
    chosen = [window.model.path(row).rsplit("/", 1)[-1] for row in window.selected_rows()]
    assert chosen == ["groove.flac"]  # the 16-bit FLAC goes; the 32-bit float WAV stays
    assert window.filter_status.currentData() == "same_audio"
    assert "Selected 1 extra version of 1 recording" in window.statusBar().currentMessage()
    # one you tagged stays whatever its file
    window.store.set_tags(window.selected_ids(), "keep")
    window.reload()
    qtbot.waitUntil(lambda: "keep" in window.model.library.tags, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.select_extra_versions() == 1
    chosen = [window.model.path(row).rsplit("/", 1)[-1] for row in window.selected_rows()]
    assert chosen == ["beat 4.wav"]


def test_the_check_runs_again_once_an_embedding_ends(qtbot, twins_window):
    from anomalizer_desktop.core.jobs import Progress

    window = twins_window
    _twins_found(qtbot, window)
    started = []
    window.runner.started.connect(lambda handle: started.append(handle.kind))

    def embedding(_store, _cancel):  # an embedding that brought nothing new
        yield Progress(0, 0, "embedding")

    def scanning(_store, _cancel):
        yield Progress(0, 0, "scanning")

    window.runner.start("scan", scanning)  # a scan brings no vector: no check after it
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=10_000)
    assert "same_audio" not in started
    window.runner.start("embed", embedding)
    qtbot.waitUntil(lambda: "same_audio" in started, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert (window.model.library.sound_group >= 0).sum() == 2
