"""Folder names on the library map: each over the island its loops form, kept whole within
the view and off the names placed before it; a click on one chooses the folder.

A mixin of ScatterMap (its `plot`, `viewbox`, `_labels` and `label_clicked` signal).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont

#: where a folder name sits on its island's point, by its anchor's height: centred on it,
#: else (when it would cover a name placed before it) just below it, else just above it, else
#: a line further below or above (up to five names on islands a few pixels apart)
LABEL_PLACES = (0.5, -0.6, 1.6, -1.7, 2.7)


class _FolderName(pg.TextItem):
    """A folder's name on the map; a click on it chooses the folder (as the Folders panel)."""

    def __init__(self, folder: str, on_click, text: str) -> None:
        super().__init__(text, color=(232, 234, 237), anchor=(0.5, 0.5), fill=(30, 31, 34, 170))
        self.folder, self._on_click = folder, on_click
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._on_click(self.folder)


class MapFolderLabels:
    """The folder names of the sound map (mixed into ScatterMap)."""

    def set_labels(self, labels) -> None:
        """Name the folders whose loops gather on the map (core `MapLabel`s; [] for none),
        over the points, never stretching the view."""
        for item in self._labels:
            self.plot.removeItem(item)
        self._labels = []
        font = QFont()
        font.setPointSizeF(8.5)
        font.setBold(True)
        for label in labels:
            item = _FolderName(label.folder, self.label_clicked.emit, label.text)
            item.setFont(font)
            item.setToolTip(
                f"{label.folder}\n{label.loops} of its loops gather here; one of its loops far"
                " from here does not sound like the rest of it. Click to show only its loops."
            )
            item.setPos(label.x, label.y)
            item.setZValue(900)  # over the points, under the tried loops' diamonds
            self.plot.addItem(item, ignoreBounds=True)
            self._labels.append(item)

        self._keep_labels_inside()

    def _keep_labels_inside(self, *_args) -> None:
        """Shift each folder name sideways, no more than needed, so that it is whole within
        the view: centred on its island where there is room, else against the edge (never
        off its island's point, so a name whose island is out of view goes with it). A name
        that would cover one placed before it goes just below its point, or just above, or a
        line further off ("outlier" lay over "drum_loops" on the shared library's map); where
        every place would cover a name, it goes where it covers least."""
        view = self.viewbox.sceneBoundingRect()
        if view.width() <= 0:
            return
        placed: list[QRectF] = []
        for item in self._labels:
            box = item.textItem.boundingRect()
            width, height = box.width(), box.height()
            point = self.viewbox.mapViewToScene(item.pos())
            x = point.x() - view.left()
            if width <= 0:
                continue
            if width < view.width():
                # the left edge x - a * width >= 0, the right x + (1 - a) * width <= the view's
                across = min(max(0.5, 1.0 - (view.width() - x) / width), x / width)
            else:  # a name wider than the view starts at its left edge
                across = x / width
            # within 0-1: a name stays on its island's point (off the view with it)
            across = min(max(across, 0.0), 1.0)
            left = point.x() - across * width
            rects = {
                down: QRectF(left, point.y() - down * height, width, height)
                for down in LABEL_PLACES
            }
            # the first place that covers no name placed before it, else the one covering least
            down = min(LABEL_PLACES, key=lambda d: _covered(rects[d], placed))
            placed.append(rects[down])
            if (abs(across - item.anchor.x()) > 1e-3) or (abs(down - item.anchor.y()) > 1e-3):
                item.setAnchor((across, down))

    def label_texts(self) -> list[str]:
        return [item.textItem.toPlainText() for item in self._labels]


def _covered(box: QRectF, placed: list[QRectF]) -> float:
    """How much of `box` the boxes in `placed` cover (their overlaps' areas, summed)."""
    total = 0.0
    for other in placed:
        overlap = box.intersected(other)
        total += max(overlap.width(), 0.0) * max(overlap.height(), 0.0)
    return total
