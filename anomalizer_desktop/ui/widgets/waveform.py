"""The selected loop's waveform (min/max envelope) with a playhead that follows playback; a
click on the wave asks to play from that point, and a drag takes the loop's file out (into a
DAW's arrangement or a file manager), as sample browsers let you drag what you just heard.

The wave is drawn scaled to its own peak, as sample browsers do, so that a quiet hi-hat shows
its shape rather than a flat line; the title says how loud the peak really is."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QDrag, QFontMetrics
from PySide6.QtWidgets import QApplication, QSizePolicy

from anomalizer_desktop.core.loop_names import BEATS_PER_BAR, whole_beats
from anomalizer_desktop.core.text import length_text, one_line
from anomalizer_desktop.ui.file_mime import files_mime
from anomalizer_desktop.ui.widgets.fitted_parts import SEPARATOR, parts_that_fit

ENVELOPE_POINTS = 1200
TITLE_ROOM = 0.45  # headroom above the wave's +1 for the title line
#: the share of the wave's width the loop's name keeps before the level's parts give way
NAME_SHARE = 0.45
#: the size of the picture of the wave that follows a drag out, in pixels
DRAG_PICTURE_SIZE = (240, 60)
SILENT_PEAK = 1e-6  # below this, nothing to scale: the (flat) wave is drawn as it is


def describe_level(peak: float, seconds: float, whole: float | None = None) -> str:
    """'peak −18.3 dBFS · 0.33 s' for a loop whose loudest sample is `peak` (full scale = 1);
    'peak … · first 120 s of 150.00 s' when only the start of a `whole`-second file is shown."""
    loudness = (
        f"peak {20.0 * np.log10(peak):.1f} dBFS".replace("-", "\u2212")
        if peak > SILENT_PEAK
        else "silent"
    )
    if peak > 1.0:  # a float file: played turned down to full scale
        loudness = f"peak +{20.0 * np.log10(peak):.1f} dBFS, over full scale"
    if whole and whole > seconds + 0.5:
        return f"{loudness} \u00b7 first {seconds:.0f} s of {length_text(whole)}"
    return f"{loudness} \u00b7 {length_text(seconds)}"


def envelope(samples: np.ndarray, rate: int, points: int = ENVELOPE_POINTS):
    """(times, lows, highs) of a min/max envelope with at most `points` columns. `samples`
    are mono or (frames, channels): the channels share one envelope, their lowest and highest
    (so its peak is the loop's, which a mono mix of a wide stereo loop would understate)."""
    frames = len(samples)
    if frames == 0 or samples.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    step = max(1, frames // points)
    whole = frames - frames % step
    blocks = samples[:whole].reshape(len(samples[:whole]) // step, -1)
    times = (np.arange(len(blocks)) * step + step / 2) / rate
    lows, highs = blocks.min(axis=1), blocks.max(axis=1)
    if whole < frames:  # the last, shorter block: its peak counts too
        tail = samples[whole:]
        times = np.append(times, (whole + len(tail) / 2) / rate)
        lows, highs = np.append(lows, tail.min()), np.append(highs, tail.max())
    return times, lows, highs


#: a tempo outside this range draws no grid (a misread number, not a tempo to count on)
GRID_TEMPI = (40.0, 300.0)


def beat_grid(tempo: float | None, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(beat times, bar times) in seconds from the loop's start, up to `seconds`, for the
    tempo it declares: where its hits should land (a loop off its declared tempo shows it at a
    glance, and the bars say how long it is). Empty without a tempo in GRID_TEMPI."""
    if tempo is None or not GRID_TEMPI[0] <= tempo <= GRID_TEMPI[1] or seconds <= 0:
        return np.zeros(0), np.zeros(0)
    beat = 60.0 / tempo
    times = np.arange(0.0, seconds + beat * 1e-6, beat)
    numbers = np.arange(len(times))
    on_bar = numbers % BEATS_PER_BAR == 0
    return times[~on_bar], times[on_bar]


def bars_text(tempo: float | None, seconds: float) -> str:
    """How long a loop is in bars of four at the tempo it declares ("2 bars", "6 beats"), or
    in tenths of a bar when it is neither ("2.3 bars": a tempo misread or a loop not cut on
    the beat, which will not loop cleanly in a DAW); "" without a tempo, or for a sound
    shorter than a beat."""
    if tempo is None or not GRID_TEMPI[0] <= tempo <= GRID_TEMPI[1] or seconds <= 0:
        return ""
    beats = seconds * tempo / 60.0
    if beats < 0.95:  # a one-shot in a folder that names a tempo: no length to count
        return ""
    whole = float(whole_beats(seconds, tempo))
    if math.isnan(whole):
        return f"{beats / BEATS_PER_BAR:.1f} bars"
    whole = int(whole)
    if whole % BEATS_PER_BAR == 0:
        bars = whole // BEATS_PER_BAR
        return f"{bars} bar" if bars == 1 else f"{bars} bars"
    return f"{whole} beat" if whole == 1 else f"{whole} beats"


class WaveformView(pg.PlotWidget):
    #: seconds into the shown loop where the user clicked the wave
    seek_requested = Signal(float)
    #: a right-click, at this point of the screen: the window shows the loop's menu there
    menu_requested = Signal(QPoint)
    #: (loop name, level) of the title line: the name gives way when both are too long
    _title_parts: tuple[str, str] = ("", "")
    #: the shown loop's file, which a drag from the wave takes out (None: nothing to drag)
    path: str | None = None
    #: where the left button went down on the view, while it may still become a drag
    _pressed_at: QPoint | None = None

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#1e1f22")
        self.setAccessibleName("Waveform")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(110)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        # pyqtgraph's own menu (View All, axes, Mouse Mode, Plot Options, Export…) is for
        # looking at data, not loops: a right-click asks for the loop's menu instead
        self.getPlotItem().setMenuEnabled(False)
        self.getPlotItem().hideAxis("left")
        self.getPlotItem().setLabel("bottom", "seconds")
        self.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        self._low = self.plot(pen=pg.mkPen("#5dade2"))
        self._high = self.plot(pen=pg.mkPen("#5dade2"))
        self._fill = pg.FillBetweenItem(self._low, self._high, brush=pg.mkBrush(93, 173, 226, 120))
        self.addItem(self._fill)
        # the declared tempo's beats and bars, behind the wave (beat_grid)
        self._beats = self.plot(pen=pg.mkPen(255, 255, 255, 45), connect="pairs")
        self._bars = self.plot(pen=pg.mkPen(255, 255, 255, 120), connect="pairs")
        for grid in (self._beats, self._bars):
            grid.setZValue(-10)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#f1c40f", width=2))
        self.addItem(self.playhead)
        self.setYRange(-1.05, 1 + TITLE_ROOM, padding=0)
        self.title = pg.TextItem("", color="#cfd3d7", anchor=(0, 0))
        self.addItem(self.title)
        self.duration = 0.0
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_samples(
        self,
        samples: np.ndarray,
        rate: int,
        title: str = "",
        whole: float | None = None,
        tags: str = "",
        file_peak: float | None = None,
        tempo: float | None = None,
        plays_at: str = "",
        path: str | None = None,
    ) -> None:
        """Draw `samples` scaled to their peak; the title gets the real peak level and length
        (`whole`: the file's length, when `samples` are only its start), then `tags` (the
        tempo and key the loop declares, "128 BPM · F#m"). `file_peak`: the file's own peak
        where `samples` were scaled (a float file over full scale, turned down to play).
        `tempo`: the BPM the loop declares; its beats and bars are drawn behind the wave.
        `plays_at`: how it plays at the project's tempo and key, last ("plays at 120 BPM, 2
        semitones up"; the transport row's Sync). `path`: the loop's file, for a drag out."""
        self.path = path
        times, lows, highs = envelope(samples, rate)
        peak = max(float(np.abs(lows).max(initial=0.0)), float(np.abs(highs).max(initial=0.0)))
        gain = 1.0 / peak if peak > SILENT_PEAK else 1.0
        peak = file_peak if file_peak is not None else peak
        self._low.setData(times, lows * gain)
        self._high.setData(times, highs * gain)
        self._fill.setVisible(True)
        duration = len(samples) / rate if rate else 0
        self._set_time_axis(duration)
        self.playhead.setPos(0)
        self.playhead.setVisible(True)
        level = describe_level(peak, duration, whole)
        length = bars_text(tempo, whole or duration)
        # the level's parts, which give way from the end in a narrow wave (`_fit_title`)
        self._set_title(title, SEPARATOR.join(p for p in (level, tags, length, plays_at) if p))
        self.duration = float(duration)
        gridded = self._show_grid(tempo, duration)
        hand, arrow = Qt.CursorShape.PointingHandCursor, Qt.CursorShape.ArrowCursor
        self.setCursor(hand if duration else arrow)
        tip = "Click the wave to play from that point." if duration else ""
        if duration and path:
            tip += " Drag it into your DAW (or a folder) to use the loop."
        if gridded:
            tip += f"\nThe lines: the beats and bars of its declared {tempo:g} BPM."
        self.setToolTip(tip)

    def clear_wave(self, message: str = "", seconds: float | None = None) -> None:
        """Empty the wave and show `message`; with `seconds` (a loop still decoding, whose length
        the library knows) the time axis already spans that loop, not the previous one; without
        (no loop shown, a file of unknown length) there is no time axis: the previous loop's
        seconds under an empty wave read as this one's."""
        self.path = None
        self._set_time_axis(seconds or None)
        self._low.setData([], [])
        self._high.setData([], [])
        self._fill.setVisible(False)  # the fill keeps its last shape when its curves empty
        self._show_grid(None, 0.0)
        self.playhead.setPos(0)
        self.playhead.setVisible(False)  # nothing to play: its line at 0 marked an empty wave
        self._set_title(message, "")
        self.duration = 0.0
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("")

    def _set_time_axis(self, seconds: float | None) -> None:
        """Span the time axis over `seconds`, or hide it when there are none to show."""
        self.getPlotItem().showAxis("bottom", seconds is not None)
        if seconds is not None:
            self.setXRange(0, max(seconds, 0.01), padding=0)

    def _show_grid(self, tempo: float | None, seconds: float) -> bool:
        """Draw the beats and bars of `tempo` over `seconds`; False when there are none."""
        beats, bars = beat_grid(tempo, seconds)
        for item, times in ((self._beats, beats), (self._bars, bars)):
            x = np.repeat(times, 2)
            y = np.tile([-1.05, 1.0], len(times))
            item.setData(x, y)
        return len(bars) > 0

    def _set_title(self, name: str, level: str) -> None:
        self._title_parts = (one_line(name), level)  # one line: a tab or newline escaped
        # what the title line shows, whole, for a screen reader (the line may be cut short)
        self.setAccessibleDescription(SEPARATOR.join(part for part in (name, level) if part))
        self._fit_title()

    def _fit_title(self) -> None:
        """The title line, fitted to the wave's width: when the name and the level would not
        fit, the name gives way down to NAME_SHARE of the width (a long pack name hid the peak
        level and the length), then the level's last parts go ("plays at…", the bars), then
        the name is shortened in the middle (a window at half a screen showed "lm...gg")."""
        name, level = self._title_parts
        gap = "    " if name and level else ""
        metrics = QFontMetrics(self.title.textItem.font())
        width = self.getPlotItem().vb.width() - 12
        if self.isVisible() and metrics.horizontalAdvance(name + gap + level) > width:
            name_room = min(
                metrics.horizontalAdvance(name),
                max(width * NAME_SHARE, width - metrics.horizontalAdvance(gap + level)),
            )
            room = width - name_room - metrics.horizontalAdvance(gap)
            level = parts_that_fit(metrics, level.split(SEPARATOR), room)
            room = width - metrics.horizontalAdvance(gap + level)
            if name and metrics.horizontalAdvance(name) > room:
                name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(int(room), 0))
        self.title.setText(name + gap + level)
        self.title.setPos(0, 1 + TITLE_ROOM)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # (also called while the view is built, and while pyqtgraph's close() takes it apart:
        # its items are gone by then)
        if self._title_parts != ("", "") and not self.closed and self.plotItem is not None:
            self._fit_title()

    def seconds_at(self, scene_pos) -> float | None:
        """Seconds into the loop under a scene point, or None outside the wave's area."""
        box = self.getPlotItem().vb
        if self.duration <= 0 or not box.sceneBoundingRect().contains(scene_pos):
            return None
        return float(np.clip(box.mapSceneToView(scene_pos).x(), 0.0, self.duration))

    def _clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            self.menu_requested.emit(event.screenPos().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        seconds = self.seconds_at(event.scenePos())
        if seconds is not None:
            self.seek_requested.emit(seconds)

    def mousePressEvent(self, event) -> None:
        left = event.button() == Qt.MouseButton.LeftButton
        self._pressed_at = event.position().toPoint() if left else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        start = self._pressed_at
        if (
            start is not None
            and self.path
            and event.buttons() & Qt.MouseButton.LeftButton
            and (event.position().toPoint() - start).manhattanLength()
            >= QApplication.startDragDistance()
        ):
            self._drag_out()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self._pressed_at = None
        super().mouseReleaseEvent(event)

    def _drag_out(self) -> None:
        """Take the shown loop's file out as a file URL (what the table's rows give), then
        let pyqtgraph's scene forget the press: the drag took its release, and the press it
        kept would have played from where the drag began at the next click."""
        self._pressed_at = None
        drag = QDrag(self)
        drag.setMimeData(files_mime([self.path]))
        # the wave itself, small, under the pointer: what is being dragged, as a DAW shows it
        picture = self.grab().scaled(
            *DRAG_PICTURE_SIZE,
            Qt.AspectRatioMode.IgnoreAspectRatio,  # (at the wave's 10:1, a strip 24 px high)
            Qt.TransformationMode.SmoothTransformation,
        )
        drag.setPixmap(picture)
        drag.setHotSpot(QPoint(picture.width() // 2, picture.height() // 2))
        drag.exec(Qt.DropAction.CopyAction)
        scene = self.scene()
        scene.clickEvents, scene.dragButtons = [], []
        scene.dragItem = scene.lastDrag = None

    def set_position(self, seconds: float) -> None:
        self.playhead.setPos(seconds)
