"""The library map: one point per embedded loop, coloured by unusualness, linked to the table.

One pyqtgraph ScatterPlotItem holds every point (`data=` the sample ids, so a click maps back to a
row); colours come from 32 precomputed brushes and symbols are few, which keeps 100k points
fluid. Shift-drag draws a selection box; a second, small item rings the selected points.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

COLOR_BINS = 32
SYMBOLS = {None: "o", "typical": "s", "unusual": "star"}
NO_SCORE_BRUSH = pg.mkBrush(150, 150, 150, 160)


class _SelectableViewBox(pg.ViewBox):
    """A ViewBox where Shift-drag draws a selection rectangle instead of panning."""

    def __init__(self, on_select, **kwargs) -> None:
        super().__init__(**kwargs)
        self._on_select = on_select
        self._rubber = pg.RectROI([0, 0], [0, 0], pen=pg.mkPen("#f1c40f", width=1), movable=False)
        self._rubber.setVisible(False)
        self.addItem(self._rubber, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None):
        if (
            ev.modifiers() & Qt.KeyboardModifier.ShiftModifier
            and ev.button() == Qt.MouseButton.LeftButton
        ):
            ev.accept()
            start = self.mapToView(ev.buttonDownPos())
            end = self.mapToView(ev.pos())
            rect = QRectF(start, end).normalized()
            self._rubber.setPos(rect.topLeft())
            self._rubber.setSize(rect.size())
            self._rubber.setVisible(not ev.isFinish())
            if ev.isFinish():
                self._on_select(rect)
            return
        super().mouseDragEvent(ev, axis)


class ScatterMap(QWidget):
    selection_made = Signal(list)  # sample ids the user picked on the map
    activated = Signal(int)  # a double-clicked sample id (play it)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.colormap = pg.colormap.get("plasma")
        lut = self.colormap.getLookupTable(0.0, 1.0, COLOR_BINS, alpha=False)
        self._brushes = [pg.mkBrush(int(r), int(g), int(b), 220) for r, g, b in lut]
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1e1f22")
        self.viewbox = _SelectableViewBox(self._select_in_rect)
        self.plot = self.view.addPlot(row=0, col=0, viewBox=self.viewbox)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "map axis 1")
        self.plot.setLabel("left", "map axis 2")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.points = pg.ScatterPlotItem(
            size=7, pxMode=True, pen=None, hoverable=True, tip=self._tip, hoverSize=11
        )
        self.points.sigClicked.connect(self._clicked)
        self.plot.addItem(self.points)
        self.rings = pg.ScatterPlotItem(
            size=13, pxMode=True, brush=None, pen=pg.mkPen("#ffffff", width=1.6), symbol="o"
        )
        self.plot.addItem(self.rings)
        self.colorbar = pg.ColorBarItem(
            values=(0, 100),
            colorMap=self.colormap,
            width=14,
            interactive=False,
            label="unusualness %",
        )
        self.view.addItem(self.colorbar, row=0, col=1)
        self.caption = QLabel("The map shows embedded loops; embed the library to fill it.")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #9aa0a6; font-size: 11px; padding: 2px 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.ids = np.zeros(0, dtype=np.int64)
        self.xy = np.zeros((0, 2), dtype=np.float32)
        self._row_of: dict[int, int] = {}
        self._names: dict[int, str] = {}
        self._percentile = np.zeros(0)
        self._flags: list[str | None] = []

    # ------------------------------------------------------------------ data
    def set_points(self, ids, xy, percentile, flags, names: dict[int, str], caption: str) -> None:
        """Show one point per sample id at `xy`, coloured by `percentile` (NaN = not scored)."""
        self.ids = np.asarray(ids, dtype=np.int64)
        self.xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self._row_of = {int(i): n for n, i in enumerate(self.ids)}
        self._names = names
        self._percentile = np.asarray(percentile, dtype=np.float64)
        self._flags = list(flags)
        self.caption.setText(caption)
        self._redraw()
        self.plot.autoRange()

    def update_style(self, percentile=None, flags=None) -> None:
        """New scores or flags: recolour / re-symbol in place (positions stay)."""
        if percentile is not None:
            self._percentile = np.asarray(percentile, dtype=np.float64)
        if flags is not None:
            self._flags = list(flags)
        self._redraw()

    def _redraw(self) -> None:
        if not len(self.ids):
            self.points.clear()
            self.rings.clear()
            return
        scored = ~np.isnan(self._percentile)
        bins = np.clip(
            (np.nan_to_num(self._percentile) / 100 * COLOR_BINS).astype(int), 0, COLOR_BINS - 1
        )
        brushes = [
            self._brushes[b] if ok else NO_SCORE_BRUSH for b, ok in zip(bins, scored, strict=True)
        ]
        symbols = [SYMBOLS.get(f, "o") for f in self._flags]
        self.points.setData(
            x=self.xy[:, 0], y=self.xy[:, 1], data=self.ids, brush=brushes, symbol=symbols
        )

    # ------------------------------------------------------------------ selection
    def highlight(self, sample_ids) -> None:
        """Ring these samples (the table's selection)."""
        rows = [self._row_of[int(i)] for i in sample_ids if int(i) in self._row_of]
        if rows:
            self.rings.setData(x=self.xy[rows, 0], y=self.xy[rows, 1])
        else:
            self.rings.clear()

    def _select_in_rect(self, rect: QRectF) -> None:
        inside = (
            (self.xy[:, 0] >= rect.left())
            & (self.xy[:, 0] <= rect.right())
            & (self.xy[:, 1] >= rect.top())
            & (self.xy[:, 1] <= rect.bottom())
        )
        self.selection_made.emit([int(i) for i in self.ids[inside]])

    def _clicked(self, _item, points, event) -> None:
        if not len(points):
            return
        sample_id = int(points[0].data())
        if event is not None and event.double():
            self.activated.emit(sample_id)
        else:
            self.selection_made.emit([sample_id])

    def _tip(self, x: float, y: float, data) -> str:
        sample_id = int(data)
        row = self._row_of.get(sample_id)
        name = self._names.get(sample_id, str(sample_id))
        if row is None or np.isnan(self._percentile[row]):
            return f"{name}\nnot scored yet"
        return f"{name}\nmore unusual than {self._percentile[row]:.0f}% of the library"

    def point_position(self, sample_id: int) -> QPointF | None:
        row = self._row_of.get(int(sample_id))
        return None if row is None else QPointF(float(self.xy[row, 0]), float(self.xy[row, 1]))
