"""The library map: one point per embedded loop, coloured by unusualness, linked to the table.

Points carry their sample ids (`data=`), so a click maps back to a row. Per-point brushes cost
pyqtgraph a Python style lookup per point (650 ms for 100k here), so points are drawn in layers,
one ScatterPlotItem per (colour bin, flag symbol) with a uniform style each: 100k points then
take about the time of a single uniform item (~240 ms). Shift-drag draws a selection box; a
small extra item rings the selected points. While the table is filtered, the loops it hides
stay on the map as faint dots (where they sit still says something) that cannot be picked.
Many new points (a reload whose points moved, at 100,000 loops) are set a batch of layers per
event-loop turn, so the window's thread is never held for the whole map at once.
"""

from __future__ import annotations

import contextlib
import gc

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.id_positions import positions_of
from anomalizer_desktop.core.text import standing_in
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.map_folder_labels import MapFolderLabels
from anomalizer_desktop.ui.widgets.map_style import (
    COLOR_BINS,
    HIDDEN,
    HIDDEN_BRUSH,
    NO_SCORE_BRUSH,
    SYMBOL_ORDER,
    SYMBOLS,
    colour_bins,
)
from anomalizer_desktop.ui.widgets.map_style import set_points as _set_points
from anomalizer_desktop.ui.widgets.map_visitors import MapVisitors

#: how long the mouse rests on a point before "Hover plays" plays it
HOVER_REST_MS = 60
#: how near (in pixels) the mouse must be to a point to play it
HOVER_REACH_PX = 8
#: the maps the map's box offers: (kind, its name in the box, what it is)
MAP_KINDS = (
    (
        "sound",
        "Sound map",
        "Loops that sound alike sit together (t-SNE): packs and kinds of sound form islands,"
        " a loop that fits nowhere sits apart. Drawn once in the background, then kept.",
    ),
    (
        "pca",
        "Main directions",
        "The two directions along which the library's sound varies most (PCA): quick,"
        " with axes that mean something, but loops that sound alike can lie far apart.",
    ),
)
#: more points than this to set at once (a reload whose points moved, at 100,000 loops: the
#: 52 layers took the window's thread 180 ms in one go) are set a batch of layers at a time,
#: between events, the layers cleared first: the map fills in within a few frames
PROGRESSIVE_POINTS = 30_000
#: about how many points each of those batches sets (some 20 ms of the window's thread)
BATCH_POINTS = 12_000
#: a map narrower than this (a window at half a screen) hides its caption, which would wrap
#: into a column taller than the map; it comes back when the map is widened
CAPTION_MIN_WIDTH = 340
#: a map narrower than this gives its colour bar's room (80 px with its label) to the loops:
#: at half a screen the bar took 40 % of a 195-px map (the table's Unusual % has the number)
COLORBAR_MIN_WIDTH = 300


@contextlib.contextmanager
def _gc_paused():
    """No cyclic GC while points are set: pyqtgraph builds a style tuple per point, and with
    100k points the collector ran many times over those fresh tuples (it doubled the time).
    They hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _SelectableViewBox(pg.ViewBox):
    """A ViewBox where Shift-drag draws a selection rectangle instead of panning, and a
    right-click opens the map's own menu."""

    def raiseContextMenu(self, ev) -> None:
        if self._on_menu is None:
            super().raiseContextMenu(ev)
            return
        ev.accept()
        menu = self._on_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click
        menu.popup(ev.screenPos().toPoint())

    def __init__(self, on_select, on_menu=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._on_select = on_select
        self._on_menu = on_menu  # () -> QMenu: the map's own right-click menu
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


class ScatterMap(MapVisitors, MapFolderLabels, QWidget):
    selection_made = Signal(list)  # sample ids the user picked on the map
    activated = Signal(int)  # a double-clicked sample id (play it)
    #: a loop from outside (show_visitors) clicked: its index, and whether it was a double-click
    visitor_clicked = Signal(int, bool)
    kind_chosen = Signal(str)  # the user chose another map in the box ("sound" or "pca")
    redraw_requested = Signal()  # the context menu's "Draw the sound map again"
    label_clicked = Signal(str)  # a folder's name on the map clicked: the folder's path
    #: with "Hover plays" on, the mouse came to rest on another point: its sample id
    hovered = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.colormap = pg.colormap.get("plasma")
        self._brushes = [pg.mkBrush(r, g, b, 220) for r, g, b in colour_bins()]
        self.view = pg.GraphicsLayoutWidget()
        self.view.setAccessibleName("Library map")
        self.view.setAccessibleDescription(
            "Each loop a dot, coloured by how unusual it is; the loops selected in the table"
            " are ringed"
        )
        self.view.setBackground("#1e1f22")
        self.viewbox = _SelectableViewBox(self._select_in_rect, lambda: self.context_menu())
        self.plot = self.view.addPlot(row=0, col=0, viewBox=self.viewbox)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "map axis 1")
        self.plot.setLabel("left", "map axis 2")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        # folder names near the view's edges stay whole within it ("are_hits" in a narrow map)
        self.viewbox.sigTransformChanged.connect(self._keep_labels_inside)
        self._layers: dict[tuple[int, str], pg.ScatterPlotItem] = {}
        for colour_bin in range(-1, COLOR_BINS):  # created up front: a first draw costs no more
            for symbol in SYMBOLS.values():  # than a refresh
                self._layer((colour_bin, symbol))
        self._layer((HIDDEN, "o"))
        self.rings = pg.ScatterPlotItem(
            size=13, pxMode=True, brush=None, pen=pg.mkPen("#ffffff", width=1.6), symbol="o"
        )
        self.plot.addItem(self.rings, ignoreBounds=True)  # rings never stretch the view
        self._add_visitors()  # loops from outside, over every library point
        self.colorbar = pg.ColorBarItem(
            values=(0, 100),
            colorMap=self.colormap,
            width=14,
            interactive=False,
            label="unusualness %",
            # its right-click offered pyqtgraph's colour maps ("None", "cet (local)"...): the
            # colours are the table's Unusual % colours, not the producer's to change here
            colorMapMenu=False,
        )
        self.view.addItem(self.colorbar, row=0, col=1)
        self.caption = QLabel("The map shows embedded loops; embed the library to fill it.")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #9aa0a6; font-size: 11px; padding: 2px 4px;")
        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("Map")
        for index, (kind, name, about) in enumerate(MAP_KINDS):
            self.kind_box.addItem(name, kind)
            self.kind_box.setItemData(index, about, Qt.ItemDataRole.ToolTipRole)
        self.kind_box.setToolTip("Which map: the sound map, or the two main directions")
        self.kind_box.currentIndexChanged.connect(
            lambda index: self.kind_chosen.emit(self.kind_box.itemData(index))
        )
        self.hover_box = QCheckBox("Hover plays")
        self.hover_box.setToolTip(
            "Play the loop under the mouse as it moves over the map (each new one stops the"
            " last): walk an island by ear, a one-shot kit in seconds"
        )
        self.hover_box.toggled.connect(lambda _on: setattr(self, "_hovered", None))
        choices = QVBoxLayout()
        choices.setContentsMargins(0, 0, 0, 0)
        choices.addWidget(self.kind_box)
        choices.addWidget(self.hover_box)
        below = QHBoxLayout()
        below.setContentsMargins(0, 0, 0, 0)
        below.addLayout(choices)
        below.addWidget(self.caption, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addLayout(below)
        self.ids = np.zeros(0, dtype=np.int64)
        self.xy = np.zeros((0, 2), dtype=np.float32)
        self._sorter = np.zeros(0, dtype=np.int64)
        self._names: dict[int, str] = {}
        self._percentile = np.zeros(0)
        self._flags: list[str | None] = []
        self._ringed: np.ndarray | None = None  # the rows ringed now (None: redraw anyway)
        #: the rows each layer shows now (None: points of positions since replaced)
        self._drawn: dict[tuple[int, str], np.ndarray | None] = {}
        self._shown: np.ndarray | None = None  # rows the table's filter shows (None: all)
        self._caption = ""
        self._note = ""  # said after the caption: why the map chosen is not the one shown
        self._labels: list[pg.TextItem] = []  # folder names on the sound map (`set_labels`)
        #: layers still to set, a batch per event-loop turn (see PROGRESSIVE_POINTS)
        self._pending: list[tuple[tuple[int, str], np.ndarray]] = []
        self._pending_timer = QTimer(self, singleShot=True, interval=0)
        self._pending_timer.timeout.connect(self._set_pending_batch)
        self._hovered: int | None = None  # the point "Hover plays" played last
        self._mouse_at: QPointF | None = None  # where the mouse is over the map (scene)
        #: the mouse is looked up when it rests a moment, not on every move (100k points)
        self._hover_timer = QTimer(self, singleShot=True, interval=HOVER_REST_MS)
        self._hover_timer.timeout.connect(self._hover_rested)
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)

    # ------------------------------------------------------------------ data
    def set_kind(self, kind: str) -> None:
        """Show `kind` as the map chosen in the box (without asking for it again)."""
        index = self.kind_box.findData(kind)
        if index >= 0 and index != self.kind_box.currentIndex():
            self.kind_box.blockSignals(True)
            self.kind_box.setCurrentIndex(index)
            self.kind_box.blockSignals(False)

    def show_axes(self, shown: bool) -> None:
        """The PCA map's axes carry its two directions; a sound map's axes mean nothing, so
        their numbers would only mislead."""
        for side in ("bottom", "left"):
            self.plot.showAxis(side, shown)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.caption.setVisible(event.size().width() >= CAPTION_MIN_WIDTH)
        self._show_colorbar(event.size().width() >= COLORBAR_MIN_WIDTH)

    def _show_colorbar(self, shown: bool) -> None:
        """Put the colour bar beside the plot, or take it out of the layout (a hidden item
        would keep its room)."""
        if shown == self.colorbar_shown():
            return
        if shown:
            self.view.addItem(self.colorbar, row=0, col=1)
        else:
            self.view.removeItem(self.colorbar)

    def colorbar_shown(self) -> bool:
        return self.colorbar.scene() is not None

    def set_points(self, ids, xy, percentile, flags, names: dict[int, str], caption: str) -> None:
        """Show one point per sample id at `xy`, coloured by `percentile` (NaN = not scored)."""
        ids = np.asarray(ids, dtype=np.int64)
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        # the same points where they were (a reload after training, or after a change from
        # outside): the layers whose points keep their style are not set again (181 ms at 100k)
        moved = not (np.array_equal(ids, self.ids) and np.array_equal(xy, self.xy))
        self.ids, self.xy = ids, xy
        self._sorter = np.argsort(self.ids, kind="stable")
        self._names = names
        self._percentile = np.asarray(percentile, dtype=np.float64)
        self._flags = list(flags)
        self._caption = caption
        if moved:
            self._shown = None  # the caller filters the new points again (`show_only`)
            self._ringed = None  # new positions: the rings move with them
            self._drawn = dict.fromkeys(self._drawn)  # ... and every layer's points
        self._update_caption()
        self._redraw()
        if not moved:
            return  # the view stays where the user panned and zoomed it
        self.show_all()

    def show_all(self) -> None:
        """Zoom and pan so that every point is in view (what a new map starts with)."""
        self._fit(self.xy)

    def show_filtered(self) -> None:
        """Zoom and pan to the points the table's filter shows (all, without a filter)."""
        self._fit(self.xy if self._shown is None else self.xy[self._shown])

    def _fit(self, xy: np.ndarray) -> None:
        if len(xy):  # the points' range (layers may still be filling in)
            low, high = xy.min(axis=0), xy.max(axis=0)
            self.viewbox.setRange(
                xRange=(float(low[0]), float(high[0])), yRange=(float(low[1]), float(high[1]))
            )
        else:
            self.plot.autoRange()
        if len(xy):  # an axis without spread (two loops): a unit range, not +-0.0005
            flat = np.ptp(xy, axis=0) < 1e-6
            centre = xy.mean(axis=0)
            if flat[0]:
                self.viewbox.setXRange(centre[0] - 1, centre[0] + 1)
            if flat[1]:
                self.viewbox.setYRange(centre[1] - 1, centre[1] + 1)

    def context_menu(self) -> QMenu:
        """The map's right-click menu: in the producer's words, instead of pyqtgraph's own
        (axes, mouse modes, plot options)."""
        menu = QMenu(self)
        menu.addAction("Show all loops", self.show_all)
        zoom = menu.addAction("Zoom to the loops the filter shows", self.show_filtered)
        zoom.setEnabled(self._shown is not None and bool(self._shown.any()))
        menu.addSeparator()
        for index in range(self.kind_box.count()):
            item = menu.addAction(
                self.kind_box.itemText(index),
                lambda index=index: self.kind_box.setCurrentIndex(index),
            )
            item.setCheckable(True)
            item.setChecked(index == self.kind_box.currentIndex())
        menu.addAction("Draw the sound map again", self.redraw_requested.emit)
        hover = menu.addAction("Hover plays", self.hover_box.toggle)
        hover.setCheckable(True)
        hover.setChecked(self.hover_box.isChecked())
        menu.addSeparator()
        menu.addAction("Save the map as an image…", self.save_image)
        return menu

    def save_image(self, path: str | None = None) -> str | None:
        """Save the map as it is on screen (points, names, colour bar) to a PNG file, asked
        for when `path` is None; the path written, or None."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the map as an image", "map.png", "PNG image (*.png)"
            )
            if not path:
                return None
            if not path.lower().endswith(".png"):
                path += ".png"
        if not self.view.grab().save(path, "PNG"):
            QMessageBox.warning(self, "anomalizer", f"Could not write {path}.")
            return None
        return path

    def show_only(self, shown: np.ndarray | None) -> None:
        """Draw the points where `shown` (one bool per point, in `ids` order) is False faint
        and out of reach of clicks and the selection box: the rows the table's filter hides.
        None shows every point."""
        if shown is not None:
            shown = np.asarray(shown, dtype=bool)
            if shown.shape != self.ids.shape:
                raise ValueError(f"{shown.shape[0]} flags for {len(self.ids)} points")
            if shown.all():
                shown = None
        same = (self._shown is None and shown is None) or (
            self._shown is not None and shown is not None and np.array_equal(self._shown, shown)
        )
        if same:
            return  # another keystroke in the filter that hides the same loops
        self._shown = shown
        self._update_caption()
        self._redraw()

    def set_note(self, note: str) -> None:
        """Say `note` after the caption ("" for none): the sound map being drawn, say."""
        if note != self._note:
            self._note = note
            self._update_caption()

    def _update_caption(self) -> None:
        caption = f"{self._caption} {self._note}" if self._note else self._caption
        if self._shown is None:
            self.caption.setText(caption)
            return
        count = int(self._shown.sum())
        self.caption.setText(
            f"{count} of {len(self.ids)} loops on the map match the filter; the others are"
            f" faint. {caption}"
        )

    def update_style(self, percentile=None, flags=None) -> None:
        """New scores or flags: recolour / re-symbol in place (positions stay)."""
        if percentile is not None:
            self._percentile = np.asarray(percentile, dtype=np.float64)
        if flags is not None:
            self._flags = list(flags)
        self._redraw()

    def _layer(self, key: tuple[int, str]) -> pg.ScatterPlotItem:
        layer = self._layers.get(key)
        if layer is None:
            colour_bin, symbol = key
            hidden = colour_bin == HIDDEN
            if hidden:
                brush = HIDDEN_BRUSH
            else:
                brush = NO_SCORE_BRUSH if colour_bin < 0 else self._brushes[colour_bin]
            layer = pg.ScatterPlotItem(
                size=5 if hidden else 7 if symbol == "o" else 10,
                pxMode=True,
                pen=None,
                brush=brush,
                symbol=symbol,
                hoverable=not hidden,
                tip=self._tip,
                hoverSize=11,
            )
            layer.setZValue(colour_bin + (100 if symbol != "o" else 0))  # unusual on top
            if not hidden:  # a faint point is not there to be picked
                layer.sigClicked.connect(self._clicked)
            self.plot.addItem(layer)
            self._layers[key] = layer
        return layer

    def _redraw(self) -> None:
        with _gc_paused():
            self._redraw_layers()

    def _redraw_layers(self) -> None:
        scored = ~np.isnan(self._percentile)
        bins = np.clip(
            (np.nan_to_num(self._percentile) / 100 * COLOR_BINS).astype(int), 0, COLOR_BINS - 1
        )
        bins[~scored] = -1
        # numpy, not a comprehension over 100,000 flags (17 ms of each flag key)
        flags = np.array(self._flags, dtype=object)
        symbols = np.full(len(flags), SYMBOLS[None], dtype=object)
        for flag in ("typical", "unusual"):
            symbols[flags == flag] = SYMBOLS[flag]
        if self._shown is not None:
            bins[~self._shown] = HIDDEN
            symbols[~self._shown] = "o"
        wanted: dict[tuple[int, str], np.ndarray] = {}
        if len(self.ids):
            codes = bins * 8 + np.searchsorted(SYMBOL_ORDER, symbols)
            order = np.argsort(codes, kind="stable")
            edges = np.flatnonzero(np.diff(codes[order])) + 1
            for group in np.split(order, edges):
                wanted[(int(bins[group[0]]), str(symbols[group[0]]))] = group
        # only the layers whose points changed are set again: one flag moves one point between
        # two layers, and setting all of them took 196 ms at 100k points (now about 10 ms)
        for key in set(self._drawn) - set(wanted):
            _set_points(self._layers[key])
            del self._drawn[key]
        todo = [
            (key, rows)
            for key, rows in wanted.items()
            if self._drawn.get(key) is None or not np.array_equal(self._drawn[key], rows)
        ]
        if sum(len(rows) for _, rows in todo) > PROGRESSIVE_POINTS:
            for key, _ in todo:  # no point of the old positions lingers meanwhile
                _set_points(self._layer(key))
                self._drawn.pop(key, None)
            self._pending = todo
            self._pending_timer.start()  # the first batch too: the table shows at once
        else:
            self._pending = []
            for key, rows in todo:
                self._set_layer(key, rows)
        if not len(self.ids):
            self._ringed = None
            _set_points(self.rings)

    def _set_layer(self, key: tuple[int, str], rows: np.ndarray) -> None:
        _set_points(self._layer(key), x=self.xy[rows, 0], y=self.xy[rows, 1], data=self.ids[rows])
        self._drawn[key] = rows

    def _set_pending_batch(self) -> None:
        """Set the next layers waiting (about BATCH_POINTS points), then let events in."""
        done = 0
        with _gc_paused():
            while self._pending and done < BATCH_POINTS:
                key, rows = self._pending.pop(0)
                self._set_layer(key, rows)
                done += len(rows)
        if self._pending:
            self._pending_timer.start()

    def filling_in(self) -> bool:
        """Whether layers are still waiting to be set (see PROGRESSIVE_POINTS)."""
        return bool(self._pending)

    def _row_of(self, sample_id: int) -> int | None:
        """Position of a sample id in self.ids (searchsorted, no per-point dict)."""
        rows = self._rows_of([sample_id])
        return int(rows[0]) if len(rows) else None

    def _rows_of(self, sample_ids) -> np.ndarray:
        """Positions in self.ids of the sample ids that have a point, in their order."""
        return positions_of(self.ids, sample_ids, self._sorter)[0]

    def point_count(self) -> int:
        return sum(len(layer.data) for layer in self._layers.values())

    def point_symbols(self) -> set[str]:
        return {key[1] for key, layer in self._layers.items() if len(layer.data)}

    # ------------------------------------------------------------------ selection
    def highlight(self, sample_ids) -> None:
        """Ring these samples (the table's selection)."""
        rows = self._rows_of(sample_ids)
        if self._ringed is not None and np.array_equal(rows, self._ringed):
            return  # typing in the filter re-selects the same loops: 100k rings cost 0.4 s
        self._ringed = rows
        if len(rows):
            _set_points(self.rings, x=self.xy[rows, 0], y=self.xy[rows, 1])
        else:
            _set_points(self.rings)

    def _select_in_rect(self, rect: QRectF) -> None:
        inside = (
            (self.xy[:, 0] >= rect.left())
            & (self.xy[:, 0] <= rect.right())
            & (self.xy[:, 1] >= rect.top())
            & (self.xy[:, 1] <= rect.bottom())
        )
        if self._shown is not None:
            inside &= self._shown
        self.selection_made.emit([int(i) for i in self.ids[inside]])

    def _mouse_moved(self, position) -> None:
        if self.hover_box.isChecked():
            self._mouse_at = position
            self._hover_timer.start()

    def _hover_rested(self) -> None:
        """The mouse rests: the nearest point the filter shows, within HOVER_REACH_PX, is
        announced once (moving on within the same point plays nothing again)."""
        if self._mouse_at is None or not len(self.ids) or not self.hover_box.isChecked():
            return
        sample_id = self.point_near(self.viewbox.mapSceneToView(self._mouse_at))
        if sample_id is not None and sample_id != self._hovered:
            self._hovered = sample_id
            self.hovered.emit(sample_id)

    def point_near(self, at: QPointF, reach_px: float = HOVER_REACH_PX) -> int | None:
        """The sample id of the shown point nearest `at` (view coordinates) within
        `reach_px` pixels, or None."""
        pixel = self.viewbox.viewPixelSize()  # (x, y): view units per pixel
        if not pixel[0] or not pixel[1]:
            return None
        dx = (self.xy[:, 0] - at.x()) / pixel[0]
        dy = (self.xy[:, 1] - at.y()) / pixel[1]
        squared = dx * dx + dy * dy
        if self._shown is not None:
            squared = np.where(self._shown, squared, np.inf)
        nearest = int(np.argmin(squared))
        return int(self.ids[nearest]) if squared[nearest] <= reach_px**2 else None

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
        row = self._row_of(sample_id)
        name = self._names.get(sample_id, str(sample_id))
        if row is None or np.isnan(self._percentile[row]):
            return tip(f"{name}\nnot scored yet")
        return tip(f"{name}\n{standing_in(self._percentile[row], 'the library')}")

    def point_position(self, sample_id: int) -> QPointF | None:
        row = self._row_of(int(sample_id))
        return None if row is None else QPointF(float(self.xy[row, 0]), float(self.xy[row, 1]))
