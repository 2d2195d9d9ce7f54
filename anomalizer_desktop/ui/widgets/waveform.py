"""The selected loop's waveform (min/max envelope) with a playhead that follows playback; a
click on the wave asks to play from that point."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy

ENVELOPE_POINTS = 1200


def envelope(samples: np.ndarray, rate: int, points: int = ENVELOPE_POINTS):
    """(times, lows, highs) of a min/max envelope with at most `points` columns."""
    if samples.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    step = max(1, samples.size // points)
    usable = samples[: samples.size - samples.size % step] if samples.size >= step else samples
    blocks = usable.reshape(-1, step)
    times = (np.arange(len(blocks)) * step + step / 2) / rate
    return times, blocks.min(axis=1), blocks.max(axis=1)


class WaveformView(pg.PlotWidget):
    #: seconds into the shown loop where the user clicked the wave
    seek_requested = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#1e1f22")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(110)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().hideAxis("left")
        self.getPlotItem().setLabel("bottom", "seconds")
        self.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        self._low = self.plot(pen=pg.mkPen("#5dade2"))
        self._high = self.plot(pen=pg.mkPen("#5dade2"))
        self._fill = pg.FillBetweenItem(self._low, self._high, brush=pg.mkBrush(93, 173, 226, 120))
        self.addItem(self._fill)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#f1c40f", width=2))
        self.addItem(self.playhead)
        self.setYRange(-1, 1)
        self.title = pg.TextItem("", color="#cfd3d7", anchor=(0, 0))
        self.addItem(self.title)
        self.duration = 0.0
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_samples(self, samples: np.ndarray, rate: int, title: str = "") -> None:
        times, lows, highs = envelope(samples, rate)
        self._low.setData(times, lows)
        self._high.setData(times, highs)
        self._fill.setVisible(True)
        duration = samples.size / rate if rate else 0
        self.setXRange(0, max(duration, 0.01), padding=0)
        self.playhead.setPos(0)
        self.title.setText(title)
        self.title.setPos(0, 1)
        self.duration = float(duration)
        hand, arrow = Qt.CursorShape.PointingHandCursor, Qt.CursorShape.ArrowCursor
        self.setCursor(hand if duration else arrow)
        self.setToolTip("Click the wave to play from that point." if duration else "")

    def clear_wave(self, message: str = "") -> None:
        self._low.setData([], [])
        self._high.setData([], [])
        self._fill.setVisible(False)  # the fill keeps its last shape when its curves empty
        self.playhead.setPos(0)
        self.title.setText(message)
        self.title.setPos(0, 1)
        self.duration = 0.0
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("")

    def seconds_at(self, scene_pos) -> float | None:
        """Seconds into the loop under a scene point, or None outside the wave's area."""
        box = self.getPlotItem().vb
        if self.duration <= 0 or not box.sceneBoundingRect().contains(scene_pos):
            return None
        return float(np.clip(box.mapSceneToView(scene_pos).x(), 0.0, self.duration))

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        seconds = self.seconds_at(event.scenePos())
        if seconds is not None:
            self.seek_requested.emit(seconds)

    def set_position(self, seconds: float) -> None:
        self.playhead.setPos(seconds)
