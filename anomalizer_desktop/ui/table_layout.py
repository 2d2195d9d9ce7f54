"""The library table's layout as the user leaves it: column widths, order, hidden columns, the
sort, and where the splitter between the table and the map sits.

Columns can be dragged into another order and hidden or shown from the header's right-click
menu (Name always stays: it is what a row is). The layout is saved when the window closes and
restored when it opens, as a producer's other tools (file browsers, DAW browsers) do. A saved
layout from a version with other columns is ignored rather than applied to the wrong columns.
"""

from __future__ import annotations

import zlib

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QSplitter, QTableView

from anomalizer_desktop.ui.library_model import COLUMN_INDEX, COLUMNS

#: changes whenever COLUMNS changes, so that an old header state is not applied to new columns
LAYOUT_KEY = "table-{:08x}".format(zlib.crc32(" ".join(key for key, _ in COLUMNS).encode()))


class TableLayout:
    """Makes the table's header movable and hideable, and saves / restores its layout."""

    def __init__(self, table: QTableView, splitter: QSplitter, qsettings) -> None:
        self.table, self.splitter, self.q = table, splitter, qsettings
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setFirstSectionMovable(False)  # Name stays first: it is what a row is
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)

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
        if index == COLUMN_INDEX["name"]:
            return
        self.header.setSectionHidden(index, not shown)

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
        for index in range(len(COLUMNS)):
            self.header.setSectionHidden(index, False)
            self.header.moveSection(self.header.visualIndex(index), index)

    # ------------------------------------------------------------------ persistence
    def save(self) -> None:
        self.q.setValue(f"{LAYOUT_KEY}/header", self.header.saveState())
        self.q.setValue(f"{LAYOUT_KEY}/splitter", self.splitter.saveState())

    def restore(self) -> bool:
        """Apply the saved layout, if any; True when one was applied. The sort it holds is
        applied to the rows too (restoring the header alone only moves the arrow)."""
        header_state = self.q.value(f"{LAYOUT_KEY}/header")
        splitter_state = self.q.value(f"{LAYOUT_KEY}/splitter")
        restored = False
        if isinstance(header_state, QByteArray | bytes) and self.header.restoreState(
            QByteArray(header_state)
        ):
            restored = True
            self.header.setSectionHidden(COLUMN_INDEX["name"], False)
            self.table.sortByColumn(
                self.header.sortIndicatorSection(), self.header.sortIndicatorOrder()
            )
        if isinstance(splitter_state, QByteArray | bytes):
            restored = self.splitter.restoreState(QByteArray(splitter_state)) or restored
        return restored
