"""How the library map draws a loop: its colour bin of unusualness (shared with the table's
Unusual % swatch, the Folders panel and the tried loops' dialog), its symbol by flag, and the
brushes of unscored and filtered-out points."""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg

COLOR_BINS = 16


@functools.cache
def colour_bins() -> tuple[tuple[int, int, int], ...]:
    """The map's colours (plasma), one per bin of unusualness, dark to bright."""
    lut = pg.colormap.get("plasma").getLookupTable(0.0, 1.0, COLOR_BINS, alpha=False)
    return tuple((int(r), int(g), int(b)) for r, g, b in lut)


def colour_bin(percentile: float) -> int:
    """The bin of an unusualness percentile (0-100), as the map colours its point."""
    return min(max(int(percentile / 100 * COLOR_BINS), 0), COLOR_BINS - 1)


SYMBOLS = {None: "o", "typical": "s", "unusual": "star"}
SYMBOL_ORDER = np.array(sorted(SYMBOLS.values()), dtype=object)
NO_SCORE_BRUSH = pg.mkBrush(150, 150, 150, 160)
HIDDEN_BRUSH = pg.mkBrush(150, 150, 150, 45)
HIDDEN = -2  # the colour bin of the points the table's filter hides


def set_points(item: pg.ScatterPlotItem, **data) -> None:
    """Replace an item's points (none when `data` is empty), repainting where they were.

    pyqtgraph's clear() and setData() empty the item before they announce a geometry change,
    so the scene repaints only the new bounds: a ring stayed on screen around a loop that was
    no longer selected. Announcing the change first, while the old bounds hold, repaints them.
    """
    item.prepareGeometryChange()
    if data:
        item.setData(**data)
    else:
        item.clear()
