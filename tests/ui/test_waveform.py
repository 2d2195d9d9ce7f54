"""The waveform widget: drawn scaled to the loop's peak, titled with the real level."""

from __future__ import annotations

import numpy as np
import pytest

from anomalizer_desktop.ui.widgets.waveform import WaveformView, envelope


@pytest.fixture
def view(qtbot):
    widget = WaveformView()
    qtbot.addWidget(widget)
    return widget


def _drawn(view: WaveformView) -> tuple[np.ndarray, np.ndarray]:
    return view._low.getData()[1], view._high.getData()[1]


def test_a_quiet_loop_is_drawn_to_full_height_and_titled_with_its_real_peak(view):
    t = np.arange(22050) / 22050
    quiet = (0.01 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)  # -40 dBFS
    view.show_samples(quiet, 22050, "hat.wav")
    lows, highs = _drawn(view)
    assert highs.max() == pytest.approx(1.0, abs=1e-3) and lows.min() == pytest.approx(-1.0, 1e-2)
    assert view.title.toPlainText() == "hat.wav    peak \u221240.0 dBFS \u00b7 1.00 s"


def test_silence_stays_flat_and_says_so(view):
    view.show_samples(np.zeros(4410, np.float32), 22050, "")
    lows, highs = _drawn(view)
    assert not lows.any() and not highs.any()
    assert view.title.toPlainText() == "silent \u00b7 0.20 s"


def test_the_envelope_keeps_the_peak_of_the_last_short_block():
    samples = np.zeros(12_005, np.float32)
    samples[-1] = 0.9  # in the 5 samples left over after 1,200 blocks of 10
    times, _, highs = envelope(samples, 1000, points=1200)
    assert highs.max() == pytest.approx(0.9) and times.size == 1201
    assert times[-1] == pytest.approx((12_000 + 2.5) / 1000)


def test_a_loop_still_decoding_gets_its_own_time_axis(view):
    view.show_samples(np.zeros(22050, np.float32), 22050, "one second.wav")
    view.clear_wave("long.flac: decoding…", seconds=150.0)
    assert view.viewRange()[0] == pytest.approx([0.0, 150.0])
    assert view.title.toPlainText() == "long.flac: decoding…" and view.duration == 0.0
    assert view.getPlotItem().getAxis("bottom").isVisible()


def test_no_loop_shown_has_no_time_axis(view):
    """No loop (the filter hid it) or a file of unknown length: the previous loop's seconds
    stayed under the empty wave, as if they were this one's."""
    view.show()
    view.show_samples(np.zeros(22050 * 10, np.float32), 22050, "ten seconds.wav")
    axis = view.getPlotItem().getAxis("bottom")
    assert axis.isVisible() and view.viewRange()[0] == pytest.approx([0.0, 10.0])
    view.clear_wave("No loop shown")
    assert not axis.isVisible() and not view.playhead.isVisible()
    view.clear_wave("long.flac: decoding…", seconds=150.0)
    assert axis.isVisible() and view.viewRange()[0] == pytest.approx([0.0, 150.0])
    view.clear_wave("gone.wav: file missing")
    assert not axis.isVisible()
    view.show_samples(np.zeros(22050, np.float32), 22050, "one second.wav")
    assert axis.isVisible() and view.viewRange()[0] == pytest.approx([0.0, 1.0])
    assert view.playhead.isVisible()


def test_a_long_file_whose_start_is_shown_says_so(view):
    view.show_samples(np.full(120 * 100, 0.5, np.float32), 100, "long.ogg", whole=150.0)
    assert (
        view.title.toPlainText() == "long.ogg    peak \u22126.0 dBFS \u00b7 first 120 s of 150.00 s"
    )
    view.show_samples(np.full(200, 0.5, np.float32), 100, "short.wav", whole=2.0)
    assert view.title.toPlainText() == "short.wav    peak \u22126.0 dBFS \u00b7 2.00 s"


def test_a_long_name_gives_way_so_the_level_and_length_stay_in_view(view, qtbot):
    """A pack's long file name pushed "peak … · 2.00 s" out of the wave's width."""
    name = "Deep Rolling Techno Bassline 128 BPM A minor (Wet, Mastered) v2 final FINAL.wav"
    view.resize(420, 110)
    view.show()
    qtbot.waitExposed(view)
    view.show_samples(np.full(200, 0.5, np.float32), 100, name)
    shown = view.title.toPlainText()
    assert shown.endswith("    peak \u22126.0 dBFS \u00b7 2.00 s") and "…" in shown
    assert shown.startswith("Deep") and "FINAL.wav" in shown  # shortened in the middle
    assert view.title.boundingRect().width() <= view.getPlotItem().vb.width()
    view.resize(1400, 110)
    qtbot.waitUntil(lambda: name in view.title.toPlainText())


def test_in_a_narrow_wave_the_level_s_last_parts_go_before_the_name_is_cut_to_nothing(view, qtbot):
    """At half a screen's width the title read "lm...gg    peak −0.1 dBFS · 3.95 s · …"."""
    name = "lmms__beats__909beat01.ogg"
    view.resize(380, 110)
    view.show()
    qtbot.waitExposed(view)
    samples = np.full(400, 0.5, np.float32)
    view.show_samples(samples, 100, name, tags="121.46 BPM (heard)", plays_at="plays at 120 BPM")
    shown = view.title.toPlainText()
    assert shown.startswith(name + "    peak \u22126.0 dBFS")  # the whole name
    assert "plays at 120 BPM" not in shown  # the level's last part gave way
    assert view.title.boundingRect().width() <= view.getPlotItem().vb.width()
    view.resize(1400, 110)
    qtbot.waitUntil(lambda: view.title.toPlainText().endswith("plays at 120 BPM"))


def test_a_stereo_loop_is_drawn_as_long_as_it_is_with_its_louder_sides_peak(view):
    """The player hands over (frames, channels): two channels are one second, not two, and
    the peak is the louder side's (the mono mix of a wide loop reads quieter than it is)."""
    t = np.arange(22050) / 22050
    left = 0.5 * np.sin(2 * np.pi * 110 * t)
    wide = np.stack([left, -left], axis=1).astype(np.float32)  # the mono mix is silence
    view.show_samples(wide, 22050, "wide.wav")
    assert view.duration == pytest.approx(1.0)
    assert view.title.toPlainText() == "wide.wav    peak \u22126.0 dBFS \u00b7 1.00 s"
    view.show_samples(left[:, None].astype(np.float32), 22050, "mono.wav")
    assert view.title.toPlainText() == "mono.wav    peak \u22126.0 dBFS \u00b7 1.00 s"


def test_a_float_file_over_full_scale_is_titled_with_its_own_peak(view):
    """The player turns such a file down to full scale to play it; the title still says how
    hot the file is, not "peak 0.0 dBFS"."""
    turned_down = np.full(200, 1.0, np.float32)
    view.show_samples(turned_down, 100, "hot.wav", file_peak=4.0)
    assert view.title.toPlainText() == "hot.wav    peak +12.0 dBFS, over full scale \u00b7 2.00 s"


def test_a_declared_tempo_draws_its_beats_and_bars_behind_the_wave(view):
    """Where the hits should land: a line per beat, a stronger one per bar of four, for the
    tempo the loop declares; none without one, or for a number no tempo would be."""
    from anomalizer_desktop.ui.widgets.waveform import beat_grid

    beats, bars = beat_grid(120.0, 4.0)
    assert beats.tolist() == [0.5, 1.0, 1.5, 2.5, 3.0, 3.5] and bars.tolist() == [0.0, 2.0, 4.0]
    for tempo in (None, 12.0, 900.0):
        assert [len(t) for t in beat_grid(tempo, 4.0)] == [0, 0]
    loop = np.zeros(4 * 22050, dtype=np.float32)
    loop[::11025] = 0.5
    view.show_samples(loop, 22050, "beat.wav", tempo=120.0)
    x, y = view._bars.getData()
    assert x.tolist() == [0.0, 0.0, 2.0, 2.0, 4.0, 4.0] and y.tolist()[:2] == [-1.05, 1.0]
    assert len(view._beats.getData()[0]) == 12
    assert view.toolTip().endswith("the beats and bars of its declared 120 BPM.")
    view.show_samples(loop, 22050, "no tempo.wav")
    assert view._bars.getData()[0] is None or len(view._bars.getData()[0]) == 0
    view.show_samples(loop, 22050, "beat.wav", tempo=120.0)
    view.clear_wave("decoding…")
    assert view._beats.getData()[0] is None or len(view._beats.getData()[0]) == 0


def test_a_loop_with_a_tempo_is_titled_with_its_length_in_bars(view):
    """ "2 bars" at the tempo it declares, beats when not whole bars, and tenths of a bar when
    neither: a tempo misread, or a loop not cut on the beat (it will not loop cleanly)."""
    from anomalizer_desktop.ui.widgets.waveform import bars_text

    assert [bars_text(120, s) for s in (4.0, 2.0, 3.0, 0.5, 4.3)] == [
        "2 bars",
        "1 bar",
        "6 beats",
        "1 beat",
        "2.1 bars",
    ]
    assert bars_text(128, 3.75) == "2 bars" and bars_text(128, 3.76) == "2 bars"  # 10 ms off
    assert bars_text(120, 0.3) == "" and bars_text(None, 4.0) == ""  # a one-shot; no tempo
    view.show_samples(
        np.full(4 * 22050, 0.5, np.float32), 22050, "a.wav", tags="120 BPM", tempo=120
    )
    assert view.title.toPlainText().endswith("4.00 s \u00b7 120 BPM \u00b7 2 bars")


def test_a_click_of_a_few_samples_is_not_titled_as_lasting_nothing(qtbot):
    from anomalizer_desktop.ui.widgets.waveform import describe_level

    assert describe_level(0.5, 30 / 44100).endswith("\u00b7 <0.01 s")


def _mouse(view: WaveformView, kind, x: int, buttons) -> None:
    """A mouse event at x (middle height) on the view's viewport, as a hand makes it."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    point = QPointF(x, view.viewport().height() / 2)
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind, point, view.viewport().mapToGlobal(point), button, buttons,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), event)


def test_a_drag_from_the_wave_takes_the_loops_file_out_and_a_click_still_plays_from_there(
    qtbot, view, monkeypatch, tmp_path
):
    """Producers drag what they just heard from the player into the DAW; the wave only took
    clicks (play from here), so the loop had to be found again in the table to drag it."""
    from PySide6.QtCore import QEvent, Qt

    from anomalizer_desktop.ui.widgets import waveform

    dragged, pictures = [], []

    class Drag:  # QDrag.exec waits for a drop: here it notes what would be dropped
        def __init__(self, source) -> None:
            self.mime = None

        def setMimeData(self, mime) -> None:
            self.mime = mime

        def setPixmap(self, picture) -> None:  # the wave, small, follows the pointer
            pictures.append((picture.width(), picture.height()))

        def setHotSpot(self, point) -> None:
            pass

        def exec(self, actions):
            dragged.append([url.toLocalFile() for url in self.mime.urls()])
            return Qt.DropAction.CopyAction

    monkeypatch.setattr(waveform, "QDrag", Drag)
    loop = str(tmp_path / "Deep Bass 120.wav")
    view.resize(600, 110)
    view.show()
    qtbot.waitExposed(view)
    view.show_samples(np.full(2000, 0.5, np.float32), 1000, "Deep Bass 120.wav", path=loop)
    assert "Drag it into your DAW" in view.toolTip()
    seeks = []
    view.seek_requested.connect(seeks.append)
    held, free = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(view, QEvent.Type.MouseButtonPress, 300, held)
    _mouse(view, QEvent.Type.MouseMove, 340, held)  # past the drag distance
    assert dragged == [[loop]] and seeks == []
    assert pictures == [waveform.DRAG_PICTURE_SIZE]
    # the next click plays from where it clicked, not from where the drag began
    _mouse(view, QEvent.Type.MouseButtonPress, 150, held)
    _mouse(view, QEvent.Type.MouseButtonRelease, 150, free)
    assert len(seeks) == 1 and seeks[0] < 1.0  # (300 px was the middle of the 2 s loop)
    assert len(dragged) == 1
    # a wave with no loop (decoding, a file gone) has nothing to drag
    view.clear_wave("gone.wav: the file is missing")
    _mouse(view, QEvent.Type.MouseButtonPress, 300, held)
    _mouse(view, QEvent.Type.MouseMove, 340, held)
    _mouse(view, QEvent.Type.MouseButtonRelease, 340, free)
    assert len(dragged) == 1
