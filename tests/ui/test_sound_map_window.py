"""The map's box in the window: the sound map drawn by itself once a library is loaded and
kept, the main directions (PCA) at a choice, a cancelled drawing not started again by itself,
and loops tried from outside placed beside the loops they sound like (ui.window_sound_map)."""

from __future__ import annotations

import time

import numpy as np

from anomalizer_desktop.core import job_process
from anomalizer_desktop.core.analysis import sound_map
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.jobs import Progress
from anomalizer_desktop.core.library.map_points import read_map_points
from anomalizer_desktop.core.library.store import Store


def _idle(qtbot, window, timeout=30_000):
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=timeout)


def _sound_window(qtbot, window):
    """The fixture's window (PCA map) with the sound map chosen in the box."""
    window.map.kind_box.setCurrentIndex(window.map.kind_box.findData("sound"))
    qtbot.waitUntil(lambda: window._map_projection.kind == "sound", timeout=30_000)
    _idle(qtbot, window)
    return window


def test_choosing_the_sound_map_draws_it_once_and_keeps_it(qtbot, window):
    assert window._map_projection.kind == "pca" and window.map.plot.getAxis("bottom").isVisible()
    _sound_window(qtbot, window)
    assert window.settings.get("map_kind") == "sound"
    assert "Drawing the sound map" not in window.map.caption.text()  # drawn: it says so no more
    version = embedder_info(window.store, "dsp").version
    ids, xy = read_map_points(window.store, "dsp", version)
    assert len(ids) == window.map.point_count() == 16  # every embedded loop (not the broken one)
    shown = dict(zip(window.map.ids.tolist(), window.map.xy.tolist(), strict=True))
    assert all(np.allclose(shown[i], p) for i, p in zip(ids.tolist(), xy.tolist(), strict=True))
    assert not window.map.plot.getAxis("bottom").isVisible()  # a sound map's axes mean nothing
    assert window.map.caption.text().startswith("Sound map: loops that sound alike sit together")
    assert window.map.kind_box.currentText() == "Sound map"
    assert window.map.label_texts() == []  # one folder, the whole library: no island of its own
    folder = str(window.model.library.folders[0])
    window.map.label_clicked.emit(folder)  # a folder's name clicked: its loops shown
    assert window.chosen_folder == folder and window.folder_panel.chosen_path() == folder
    window.show_folder(None)
    drawn_at = window.store.execute("SELECT MAX(drawn_at) FROM map_points").fetchone()
    # the main directions at a choice; back to the sound map: the kept one, not drawn again
    window.map.kind_box.setCurrentIndex(window.map.kind_box.findData("pca"))
    qtbot.waitUntil(lambda: window._map_projection.kind == "pca", timeout=20_000)
    assert window.map.caption.text().startswith("Axes: the two main directions")
    assert window.map.plot.getAxis("bottom").isVisible()
    window.map.kind_box.setCurrentIndex(window.map.kind_box.findData("sound"))
    qtbot.waitUntil(lambda: window._map_projection.kind == "sound", timeout=20_000)
    _idle(qtbot, window)
    assert window.store.execute("SELECT MAX(drawn_at) FROM map_points").fetchone() == drawn_at


def test_a_cancelled_drawing_is_not_started_again_by_itself(qtbot, window, monkeypatch):
    def endless(z, cancel=None):  # a drawing that lasts until it is cancelled
        while not cancel.cancelled:
            time.sleep(0.01)  # (not a flood of progress reports for the window's thread)
            yield Progress(0, 750, "placing the loops")
        return None

    def in_this_process(job, library_path, args=(), cancel=None, what=""):
        with Store(library_path) as store:  # (so that the endless drawing is the one drawn)
            return (yield from job(store, *args, cancel=cancel))

    monkeypatch.setattr(sound_map, "draw", endless)
    monkeypatch.setattr(job_process, "run_in_process", in_this_process)
    window.map.kind_box.setCurrentIndex(window.map.kind_box.findData("sound"))
    qtbot.waitUntil(lambda: window.runner.running("map") is not None, timeout=20_000)
    assert window.map.caption.text().endswith("(Drawing the sound map: it shows when done.)")
    # a reload meanwhile (a library job's end, a flag) leaves the drawing be, and says nothing
    window.statusBar().clearMessage()
    window._map_shown(window._map_projection)
    assert window.statusBar().currentMessage() == ""  # (it had said "already on its way")
    window.runner.running("map").cancel()
    _idle(qtbot, window)
    assert window._map_projection.kind == "pca"  # the main directions meanwhile
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.map.kind_box.currentText() == "Sound map"  # the choice stays; the caption:
    assert "The sound map was not drawn: View > Draw the sound map again" in (
        window.map.caption.text()
    )
    window.reload()  # a reload (after a flag, a training...) does not start it again
    _idle(qtbot, window)
    assert window._map_projection.kind == "pca"
    monkeypatch.undo()
    window.act_draw_sound_map.trigger()  # View > Draw the sound map again: drawn now
    qtbot.waitUntil(lambda: window._map_projection.kind == "sound", timeout=30_000)
    assert window.store.execute("SELECT COUNT(*) FROM map_points").fetchone() == (16,)


def test_loops_tried_from_outside_sit_beside_the_loops_they_sound_like(qtbot, window, tmp_path):
    import audiogen

    _sound_window(qtbot, window)
    pack = tmp_path / "Downloads" / "Pack"
    audiogen.write(pack / "beat.wav", audiogen.drum_loop(seed=70, bpm=104))
    audiogen.write(pack / "pad.wav", audiogen.tone(660.0, 4.0))
    window.try_newcomers([str(pack)])
    qtbot.waitUntil(lambda: window.newcomers_dialog is not None, timeout=30_000)
    verdict = window.newcomers_dialog.verdict
    assert window.map.visitor_count() == 2
    for i, loop in enumerate(verdict.described):
        assert len(loop.nearest_ids) == 3
        beside = np.mean([window.map.xy[window.map._row_of(j)] for j in loop.nearest_ids], axis=0)
        visitors = window.map.visitors.getData()
        assert np.allclose([visitors[0][i], visitors[1][i]], beside, atol=1e-4)
    window.newcomers_dialog.close()


def test_hover_plays_selects_and_plays_the_loop_and_is_kept(qtbot, window):
    played = []
    window.play_row = lambda row: played.append(window.model.path(row))
    assert not window.map.hover_box.isChecked()
    window.map.hover_box.setChecked(True)
    assert window.settings.get("hover_plays") is True
    sample_id = int(window.map.ids[3])
    window.map.hovered.emit(sample_id)
    assert window.selected_ids() == [sample_id]
    assert played == [
        window.model.library.paths[window.model.library.rows_of_ids([sample_id])[0][0]]
    ]

    several = [int(i) for i in window.map.ids[:3]]
    window.select_ids(several)  # a selection being built: hovering keeps it
    window.map.hovered.emit(int(window.map.ids[5]))
    assert sorted(window.selected_ids()) == sorted(several) and len(played) == 2


def test_a_drawing_put_off_for_a_library_job_starts_when_that_job_ends(qtbot, window):
    """The check of the library when it opens reloads nothing after it: the drawing it put
    off starts when it ends (at 100,000 loops it had waited for a reload that never came)."""
    import threading

    release = threading.Event()

    def checking(store, cancel):  # a library job that lasts until released
        yield Progress(0, 0, "checking the library")
        release.wait(20)
        return None

    window.runner.start("check", checking)
    window.map.kind_box.setCurrentIndex(window.map.kind_box.findData("sound"))
    qtbot.waitUntil(
        lambda: "drawn once the library's jobs are done" in window.map.caption.text(),
        timeout=20_000,
    )
    assert window.runner.running("map") is None and window._map_projection.kind == "pca"
    release.set()
    qtbot.waitUntil(lambda: window._map_projection.kind == "sound", timeout=30_000)
    _idle(qtbot, window)
