"""Loops from outside the library on its map: white-edged diamonds where they would land,
in their unusualness colour, over the library's points (a pack being tried).

A mixin of ScatterMap (its `plot`, `xy`, `_brushes`, `_rows_of` and `visitor_clicked` signal).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from anomalizer_desktop.core.analysis.sound_map import place_beside
from anomalizer_desktop.core.text import standing_in
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.map_style import NO_SCORE_BRUSH, colour_bin, set_points


class MapVisitors:
    """The loops from outside shown on the map (mixed into ScatterMap)."""

    def _add_visitors(self) -> None:
        """The diamonds and the ring of the one chosen, over every library point (ScatterMap's
        construction calls it once its plot is there)."""
        self.visitors = pg.ScatterPlotItem(
            size=13,
            pxMode=True,
            symbol="d",
            pen=pg.mkPen("#ffffff", width=1.5),
            hoverable=True,
            tip=self._visitor_tip,
            hoverSize=17,
        )
        self.visitors.setZValue(1000)
        self.visitors.sigClicked.connect(self._visitor_clicked)
        self.plot.addItem(self.visitors, ignoreBounds=True)
        self.visitor_ring = pg.ScatterPlotItem(
            size=22, pxMode=True, brush=None, pen=pg.mkPen("#ffffff", width=2.0), symbol="o"
        )
        self.visitor_ring.setZValue(1001)
        self.plot.addItem(self.visitor_ring, ignoreBounds=True)
        self._visitor_names: list[str] = []
        self._visitor_percent = np.zeros(0)
        self._visitor_xy = np.zeros((0, 2), dtype=np.float32)

    def show_visitors(self, xy, names: list[str], percentile) -> None:
        """Draw loops from outside the library where they would land on the map (white-edged
        diamonds in their unusualness colour), over the library's points."""
        self._visitor_xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self._visitor_names = list(names)
        self._visitor_percent = np.asarray(percentile, dtype=np.float64)
        brushes = [
            NO_SCORE_BRUSH if np.isnan(p) else self._brushes[colour_bin(p)]
            for p in self._visitor_percent
        ]
        set_points(
            self.visitors,
            x=self._visitor_xy[:, 0],
            y=self._visitor_xy[:, 1],
            brush=brushes,
            data=np.arange(len(self._visitor_xy)),
        )
        set_points(self.visitor_ring)

    def ring_visitor(self, index: int | None) -> None:
        """Ring the loop from outside at `index` (None: none)."""
        if index is None or not 0 <= index < len(self._visitor_xy):
            set_points(self.visitor_ring)
        else:
            x, y = self._visitor_xy[index]
            set_points(self.visitor_ring, x=[float(x)], y=[float(y)])

    def clear_visitors(self) -> None:
        self._visitor_xy = np.zeros((0, 2), dtype=np.float32)
        self._visitor_names, self._visitor_percent = [], np.zeros(0)
        set_points(self.visitors)
        set_points(self.visitor_ring)

    def visitor_count(self) -> int:
        return len(self._visitor_xy)

    def _visitor_tip(self, x: float, y: float, data) -> str:
        index = int(data)
        name = self._visitor_names[index]
        return tip(
            f"{name} (from outside)\nwould be"
            f" {standing_in(self._visitor_percent[index], 'the library')}"
        )

    def _visitor_clicked(self, _item, points, event) -> None:
        if len(points):
            self.visitor_clicked.emit(
                int(points[0].data()), bool(event is not None and event.double())
            )

    def positions_beside(self, neighbours: list[list[int]]) -> np.ndarray:
        """(n, 2) positions, each the mean position of its neighbours' points (sample ids;
        those not on the map are passed over; none on it: the map's centre)."""
        return place_beside(self.xy, [self._rows_of(ids) for ids in neighbours])
