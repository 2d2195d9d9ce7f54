"""The library table's layout as the user leaves it: column widths, order, hidden columns, the
sort, and where the splitter between the table and the map sits.

Columns can be dragged into another order and hidden or shown from the header's right-click
menu (Name always stays: it is what a row is). The layout is saved when the window closes and
restored when it opens, as a producer's other tools (file browsers, DAW browsers) do. It is
kept by column name (Qt's header state fits one set of columns only), so a version that adds
columns (BPM and Key did) keeps the widths, order, hidden columns and sort the producer chose,
and shows the new columns where they would be by default. The header state earlier versions
saved (`EARLIER_COLUMNS`) is read by name once; a damaged one is ignored.
"""

from __future__ import annotations

import json
import zlib

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QMenu, QSplitter, QTableView

from anomalizer_desktop.ui.library_model import COLUMN_INDEX, COLUMNS

#: columns whose text grew after layouts were saved, widened to at least this when one is
#: restored: BPM held "128" until tempos were heard in the sound ("≈121.46", 2026-12-01)
AT_LEAST = {"tempo": 64}


#: the least the Name column gives way to in a narrow table (see `TableLayout.fit_name`)
LEAST_NAME_WIDTH = 120


class _ResizeWatch(QObject):
    """Calls `on_resize` after each resize of `watched` (the table's viewport)."""

    def __init__(self, watched, on_resize) -> None:
        super().__init__(watched)
        self._on_resize = on_resize
        watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._on_resize()
        return False


def layout_key(columns: list[str]) -> str:
    """The settings group of a header state saved for these columns."""
    return "table-{:08x}".format(zlib.crc32(" ".join(columns).encode()))


#: where versions that kept Qt's header state saved it for these columns (read by name once)
LAYOUT_KEY = layout_key([key for key, _ in COLUMNS])
#: the layout by column name (see the module's docstring), and the table/map split
NAMED_LAYOUT_KEY = "table-columns"
SPLITTER_KEY = "table-splitter"
#: column sets of earlier versions, whose saved header states are read by name once
EARLIER_COLUMNS = [
    ["name", "percentile", "score", "flag", "duration", "sample_rate", "status", "note", "folder"],
    # (with BPM and Key, before the layout was kept by name; then Tags came)
    [
        *("name", "percentile", "score", "flag", "duration", "tempo", "key", "sample_rate"),
        *("status", "note", "folder"),
    ],
]


class TableLayout:
    """Makes the table's header movable and hideable, and saves / restores its layout."""

    def __init__(self, table: QTableView, splitter: QSplitter, qsettings) -> None:
        self.table, self.splitter, self.q = table, splitter, qsettings
        #: the columns the producer showed or hid from the header's menu: the window leaves
        #: those as they are (the Tags column shows itself once a library has tags otherwise)
        self.chosen: set[str] = set()
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setFirstSectionMovable(False)  # Name stays first: it is what a row is
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        #: the Name column's width as the producer set it (dragging its edge, or restored):
        #: what it has whenever the table has the room, and what is saved
        self.name_width = header.sectionSize(COLUMN_INDEX["name"])
        self._fitting_name = False
        header.sectionResized.connect(self._section_resized)
        self._viewport_watch = _ResizeWatch(table.viewport(), self.fit_name)

    @property
    def header(self) -> QHeaderView:
        return self.table.horizontalHeader()

    def column_actions(self, parent=None) -> list[QAction]:
        """One checkable action per column but Name: checked = shown (owned by `parent`, the
        menu that shows them, so that they go with it)."""
        actions = []
        for index, (key, title) in enumerate(COLUMNS):
            if key == "name":
                continue
            act = QAction(title, parent)
            act.setCheckable(True)
            act.setChecked(not self.header.isSectionHidden(index))
            act.toggled.connect(lambda shown, i=index: self.set_column_shown(i, shown))
            actions.append(act)
        return actions

    def set_column_shown(self, index: int, shown: bool) -> None:
        """The producer shows or hides a column (the header's menu)."""
        if index == COLUMN_INDEX["name"]:
            return
        self.header.setSectionHidden(index, not shown)
        self.chosen.add(COLUMNS[index][0])

    def show_unless_chosen(self, key: str, shown: bool) -> None:
        """Show or hide a column as the library calls for, unless the producer chose."""
        if key not in self.chosen:
            self.header.setSectionHidden(COLUMN_INDEX[key], not shown)

    def _header_menu(self, position) -> QMenu:
        menu = QMenu(self.table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click
        menu.addSection("Columns")
        for act in self.column_actions(menu):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset)
        menu.popup(self.header.mapToGlobal(position))
        return menu

    def reset(self) -> None:
        """Every column shown, in its first order (widths stay as they are)."""
        self.chosen.clear()
        for index in range(len(COLUMNS)):
            self.header.setSectionHidden(index, False)
            self.header.moveSection(self.header.visualIndex(index), index)

    # ------------------------------------------------------------------ Name gives way
    def fit_name(self) -> None:
        """In a table too narrow for Name at its width and the two columns after it (Unusual %
        and Score, unless moved or hidden), Name gives way, down to LEAST_NAME_WIDTH: at half a
        screen beside a DAW the 250-pixel Name pushed the scores out of view. It takes its
        width back when the table widens."""
        header, name = self.header, COLUMN_INDEX["name"]
        shown = (header.logicalIndex(visual) for visual in range(header.count()))
        after = [i for i in shown if i != name and not header.isSectionHidden(i)][:2]
        room = self.table.viewport().width() - sum(header.sectionSize(i) for i in after)
        width = max(LEAST_NAME_WIDTH, min(self.name_width, room))
        if header.sectionSize(name) != width:
            self._fitting_name = True
            try:
                header.resizeSection(name, width)
            finally:
                self._fitting_name = False

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        if index == COLUMN_INDEX["name"] and not self._fitting_name:
            self.name_width = new  # the producer's own width (or a restored one)

    # ------------------------------------------------------------------ persistence
    def save(self) -> None:
        keys = [key for key, _ in COLUMNS]
        named = _named_layout(self.header, keys)
        named["widths"]["name"] = self.name_width  # not the width it gave way to
        named = {**named, "chosen": sorted(self.chosen)}
        self.q.setValue(NAMED_LAYOUT_KEY, json.dumps(named))
        self.q.setValue(SPLITTER_KEY, self.splitter.saveState())

    def restore(self) -> bool:
        """Apply the saved layout, if any; True when one was applied. The sort it holds is
        applied to the rows too (restoring the header alone only moves the arrow)."""
        named, splitter_state = self._saved_layout()
        restored = named is not None and self._apply_named(named)
        if restored:
            self.header.setSectionHidden(COLUMN_INDEX["name"], False)
            self.table.sortByColumn(
                self.header.sortIndicatorSection(), self.header.sortIndicatorOrder()
            )
        if isinstance(splitter_state, QByteArray | bytes):
            restored = self.splitter.restoreState(QByteArray(splitter_state)) or restored
        self.fit_name()
        return restored

    def _saved_layout(self) -> tuple[dict | None, object]:
        """The layout kept by name, else one an earlier version saved as Qt's header state
        (read by name through a scratch header); with the splitter state saved beside it."""
        try:
            named = json.loads(self.q.value(NAMED_LAYOUT_KEY) or "null")
        except (TypeError, ValueError):
            named = None
        if isinstance(named, dict):
            return named, self.q.value(SPLITTER_KEY)
        for columns in ([key for key, _ in COLUMNS], *EARLIER_COLUMNS):
            state = self.q.value(f"{layout_key(columns)}/header")
            if isinstance(state, QByteArray | bytes):
                scratch = QHeaderView(Qt.Orientation.Horizontal)
                scratch.setModel(QStandardItemModel(0, len(columns)))
                if scratch.restoreState(QByteArray(state)):
                    splitter = self.q.value(f"{layout_key(columns)}/splitter")
                    return _named_layout(scratch, columns), splitter
        return None, None

    def _apply_named(self, named: dict) -> bool:
        """Give the header a layout kept by column name; False when it reads as none."""
        try:
            order = [k for k in named.get("order", []) if k in COLUMN_INDEX]
            widths = {k: int(v) for k, v in named.get("widths", {}).items() if k in COLUMN_INDEX}
            hidden = {k for k in named.get("hidden", []) if k in COLUMN_INDEX}
            chosen = {k for k in named.get("chosen", []) if k in COLUMN_INDEX}
            sort_key, descending = named.get("sort", ["score", True])
        except (AttributeError, TypeError, ValueError):
            return False
        if not order:
            return False
        self.chosen = chosen
        for key, width in widths.items():
            if width > 0:
                self.header.resizeSection(COLUMN_INDEX[key], max(width, AT_LEAST.get(key, 0)))
        for key, _ in COLUMNS:
            self.header.setSectionHidden(COLUMN_INDEX[key], key in hidden)
        # the saved order, each new column after the column that comes before it by default
        defaults = [key for key, _ in COLUMNS]
        placed = list(order)
        for position, key in enumerate(defaults):
            if key not in placed:
                before = next((k for k in reversed(defaults[:position]) if k in placed), None)
                placed.insert(placed.index(before) + 1 if before else 0, key)
        for visual, key in enumerate(placed):
            self.header.moveSection(self.header.visualIndex(COLUMN_INDEX[key]), visual)
        if sort_key in COLUMN_INDEX:
            order_flag = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            self.header.setSortIndicator(COLUMN_INDEX[sort_key], order_flag)
        return True


def _named_layout(header: QHeaderView, keys: list[str]) -> dict:
    """A header's layout by column name: visual order, widths, hidden columns and the sort."""
    count = min(header.count(), len(keys))
    order = sorted(range(count), key=header.visualIndex)
    sort = header.sortIndicatorSection()
    return {
        "order": [keys[i] for i in order],
        "widths": {keys[i]: header.sectionSize(i) for i in range(count)},
        "hidden": [keys[i] for i in range(count) if header.isSectionHidden(i)],
        "sort": [
            keys[sort] if 0 <= sort < count else "score",
            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        ],
    }
