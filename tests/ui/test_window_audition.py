"""The main window's audition: the player, the waveform, the audio output, matched levels,
the project's tempo and the keys that step through loops while they play."""

from __future__ import annotations

import os
import shutil
import time

import audiogen
import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QPoint, Qt
from qt_windows import window_on_written_loops

from anomalizer_desktop.core.export import Project
from anomalizer_desktop.core.library.store import Store


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


def test_a_loop_saved_again_is_heard_and_drawn_as_it_is_now(qtbot, tmp_path):
    """An audio editor saved the loop over itself (in place, as many do) while it was in the
    cache: it is decoded anew, its stretched forms dropped, not heard as it was."""
    from anomalizer_desktop.ui.player import AudioPlayer

    path = audiogen.write(tmp_path / "edited.wav", 0.5 * audiogen.tone(220, 1.0))
    player = AudioPlayer(device="none")
    player.rate, player.channels = audiogen.SR, 1
    before = player.decode(str(path))
    assert player.cached(str(path)) is before
    player._stretched[(str(path), 1.25, 0)] = before  # as a Sync stretch leaves it
    with open(path, "r+b") as file:  # written over in place, same size: only its time differs
        data = soundfile.read(path, dtype="float32")[0]
        file.seek(0)
        soundfile.write(file, data * 0.5, audiogen.SR, format="WAV", subtype="PCM_16")
    os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 1_000_000))
    assert player.cached(str(path)) is None
    assert player.cached_stretch(str(path), (1.25, 0)) is None
    after = player.decode(str(path))
    assert np.abs(after).max() == pytest.approx(np.abs(before).max() / 2, rel=1e-3)
    assert player.cached(str(path)) is after  # unchanged since: from the cache
    path.unlink()
    assert player.cached(str(path)) is None  # gone: never played from memory as if there
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


def test_the_output_pauses_while_idle_and_starts_with_the_next_loop(qtbot, monkeypatch, tmp_path):
    """The stream sent silence for as long as the app was open: a thread woke every 5 ms, the
    sound server mixed it, and the device never slept. Now it stops after a while with no
    loop playing and starts again with the next one, whose audio then plays."""
    import sys
    import types

    from anomalizer_desktop.ui.player import AudioPlayer

    calls: list[str] = []

    class Stream:
        active = True

        def __init__(self, **kwargs):
            self.callback = kwargs["callback"]

        def start(self):
            calls.append("start")

        def abort(self):
            calls.append("abort")

        def close(self):
            calls.append("close")

    def query_devices(device=None, kind=None):
        return {"name": "Speakers", "default_samplerate": 44_100, "max_output_channels": 2}

    sd = types.SimpleNamespace(query_devices=query_devices, OutputStream=Stream)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    player = AudioPlayer()
    assert player.available and calls == ["start"]
    player._idle_timer.setInterval(50)
    player._idle_timer.start()
    qtbot.waitUntil(lambda: calls == ["start", "abort"], timeout=5_000)
    loop = str(audiogen.write(tmp_path / "beat.wav", audiogen.drum_loop(seed=1, bpm=120)))
    player.decode(loop)
    assert player.play(loop) and calls == ["start", "abort", "start"]
    out = np.zeros((256, 2), np.float32)
    player._stream.callback(out, 256, None, None)
    assert np.abs(out).max() > 0  # the loop plays
    qtbot.wait(150)
    assert calls[-1] == "start"  # not paused while a loop plays
    player.stop()
    qtbot.waitUntil(lambda: calls[-1] == "abort", timeout=5_000)
    player.use_device(None)  # Preferences > Audio output: a new stream, paused once idle too
    assert calls[-2:] == ["close", "start"]
    qtbot.waitUntil(lambda: calls[-1] == "abort", timeout=5_000)
    player.close()


def test_an_output_gone_while_paused_is_opened_again_and_the_loop_plays(
    qtbot, monkeypatch, tmp_path
):
    """The stream paused while idle and its device unplugged meanwhile: the next loop opens
    the output again and plays, and the status bar does not ask for Space as if it had not."""
    import sys
    import types

    from anomalizer_desktop.ui.player import AudioPlayer

    streams: list = []

    class Stream:
        active = True

        def __init__(self, **kwargs):
            self.callback, self.starts = kwargs["callback"], 0
            streams.append(self)

        def start(self):
            self.starts += 1
            if self.starts == 2 and len(streams) == 1:  # the first stream's device is gone
                raise RuntimeError("Error starting stream: Device unavailable")

        def abort(self):
            pass

        def close(self):
            pass

    def query_devices(device=None, kind=None):
        return {"name": "Speakers", "default_samplerate": 44_100, "max_output_channels": 2}

    sd = types.SimpleNamespace(
        query_devices=query_devices,
        OutputStream=Stream,
        _terminate=lambda: None,
        _initialize=lambda: None,
    )
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    player = AudioPlayer()
    said: list[str] = []
    player.message.connect(said.append)
    player._idle_timer.setInterval(20)
    player._idle_timer.start()
    qtbot.waitUntil(lambda: player._paused, timeout=5_000)
    loop = str(audiogen.write(tmp_path / "beat.wav", audiogen.drum_loop(seed=1, bpm=120)))
    player.decode(loop)
    assert player.play(loop) and len(streams) == 2 and player.available
    qtbot.waitUntil(lambda: player.cached(loop) is not None or player.is_playing(), timeout=5_000)
    qtbot.waitUntil(player.is_playing, timeout=5_000)
    assert said == ["The audio output had gone (was it unplugged?) and is open again."]
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
    win = window_on_written_loops(qtbot, settings, tmp_path / "tempo", {"Beat 120 BPM": beat})
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
