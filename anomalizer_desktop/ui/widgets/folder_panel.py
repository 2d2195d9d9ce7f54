"""The Folders panel: the library's folders as a tree, how unusual each one's loops are, and a
click to show only a folder's loops.

A producer files loops by pack; the panel answers "which pack does not fit?" (sort by Unusual:
the share of a folder's loops above the unusual cut, about 10 % for a folder like the rest) and
lets them go through a library one pack at a time. The numbers come from
`core.library.folder_tree.FolderTree`; the first row, "All loops", shows every folder.

The model reads the tree as the view asks (no item per folder): a library of 100,000 loops in
5,000 folders took the window's thread 0.58 s at each reload with an item per cell
(QStandardItemModel), against a reset and a sort now.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QCursor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QStackedWidget,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.library.folder_tree import FolderTree, sorted_folders
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui.file_mime import LOOP_IDS, dragged_loop_ids
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.map_style import colour_bin, colour_bins
from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided

COLUMNS = ("Folder", "Loops", "Unusual")
FOLDER, LOOPS, UNUSUAL = range(len(COLUMNS))
#: the number columns' widths: the folder names get the rest of a narrow panel
NUMBER_WIDTHS = {LOOPS: 44, UNUSUAL: 62}
#: a panel narrower than this hides the Loops column (each folder's tooltip says how many),
#: so that the names keep room: at half a screen the panel was 160 px, and the names none
LOOPS_SHOWN_FROM = 220
#: a panel narrower than this hides the Unusual column too (the tooltip says the share, the
#: swatch shows the colour of its median loop): at 740 px the panel was 88 px wide and showed
#: the shares of folders whose names had no room at all
UNUSUAL_SHOWN_FROM = 160
HEADER_TIPS = {
    LOOPS: "Loops in the folder and the folders in it",
    UNUSUAL: "Share of its loops above the unusual cut: about 10 % for a folder like the rest"
    " of the library, more for one that does not fit. Click to sort",
}
PATH_ROLE = Qt.ItemDataRole.UserRole  # the folder's path ("" for All loops)
INDEX_ROLE = Qt.ItemDataRole.UserRole + 1  # the folder's index in the tree (-1 for All loops)
ALL = -1  # the index of the "All loops" row
TOP = -1  # the parent index of the top folders
NO_PARENT = QModelIndex()  # the invisible root of the tree (Qt's default argument)


#: what each column sorts by (core.library.folder_tree.sort_key)
SORT_BY = {FOLDER: "name", LOOPS: "loops", UNUSUAL: "unusual"}


class FolderTreeModel(QAbstractItemModel):
    """ "All loops", then the tree's folders, each folder's children in the sort's order. An
    index's internal id is its folder's index + 1 (0 for All loops)."""

    #: loops dragged from the table and dropped on a folder: (its path, their row ids)
    loops_dropped = Signal(str, list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree: FolderTree | None = None
        self.total = 0
        self._children: dict[int, list[int]] = {TOP: []}  # parent index -> folder indexes
        self._row_of: dict[int, int] = {}  # folder index -> its row under its parent
        self._sort = (FOLDER, Qt.SortOrder.AscendingOrder)
        #: where the flags are read when a tooltip asks after they changed (flags_changed)
        self._flags_of: Callable[[], list] | None = None

    def set_tree(self, tree: FolderTree, total: int) -> None:
        self.beginResetModel()
        self.tree, self.total, self._flags_of = tree, total, None
        self._children = {TOP: list(tree.children(TOP))}
        for index in range(len(tree)):
            self._children[index] = list(tree.children(index))
        self._order_children()
        self.endResetModel()

    # ------------------------------------------------------------------ structure
    def folder_index(self, index: QModelIndex) -> int:
        """The tree index of the folder at a model index (ALL for All loops)."""
        return index.internalId() - 1

    def index_of(self, folder: int, column: int = FOLDER) -> QModelIndex:
        """The model index of a folder (ALL: the All loops row)."""
        if folder == ALL:
            return self.createIndex(0, column, 0)
        row = self._row_of[folder] + (1 if self.tree.folders[folder].parent == TOP else 0)
        return self.createIndex(row, column, folder + 1)

    def index(self, row: int, column: int, parent=NO_PARENT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            if row == 0:
                return self.createIndex(0, column, 0)
            return self.createIndex(row, column, self._children[TOP][row - 1] + 1)
        kids = self._children.get(self.folder_index(parent), [])
        return self.createIndex(row, column, kids[row] + 1)

    def parent(self, child=NO_PARENT) -> QModelIndex:
        if not child.isValid() or child.internalId() == 0 or self.tree is None:
            return QModelIndex()
        above = self.tree.folders[self.folder_index(child)].parent
        return QModelIndex() if above == TOP else self.index_of(above)

    def rowCount(self, parent=NO_PARENT) -> int:
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return 1 + len(self._children[TOP]) if self.tree is not None else 0
        if parent.internalId() == 0:  # All loops has no folders under it
            return 0
        return len(self._children.get(self.folder_index(parent), []))

    def columnCount(self, parent=NO_PARENT) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent=NO_PARENT) -> bool:
        return self.rowCount(parent) > 0

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section in HEADER_TIPS:
            return tip(HEADER_TIPS[section])
        return None

    # ------------------------------------------------------------------ cells
    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.tree is None:
            return None
        folder_index, column = self.folder_index(index), index.column()
        if role == PATH_ROLE:
            return "" if folder_index == ALL else self.tree.folders[folder_index].path
        if role == INDEX_ROLE:
            return folder_index
        if role == Qt.ItemDataRole.TextAlignmentRole and column != FOLDER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if folder_index == ALL:
            return self._all_loops(column, role)
        folder = self.tree.folders[folder_index]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == FOLDER:
                return shown_path(folder.name)
            if column == LOOPS:
                return str(folder.loops)
            return f"{100 * folder.unusual_share:.0f} %" if folder.scored else ""
        if role == Qt.ItemDataRole.DecorationRole and column == FOLDER and folder.scored:
            # the map's colour for its median loop: table, map and panel agree
            return QColor(*colour_bins()[colour_bin(folder.median_percent)])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip(self._tooltip(folder_index))
        return None

    def _all_loops(self, column: int, role):
        if role == Qt.ItemDataRole.DisplayRole:
            return {FOLDER: "All loops", LOOPS: str(self.total)}.get(column, "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Every loop of the library"
        return None

    def flags_changed(self, flags_of: Callable[[], list]) -> None:
        """Flags changed: the tree counts them again when a tooltip next asks, from
        `flags_of()` (a flag key at 100,000 loops would otherwise spend 20 ms counting)."""
        self._flags_of = flags_of

    def _tooltip(self, index: int) -> str:
        tree = self.tree
        if self._flags_of is not None:
            tree.count_flags(self._flags_of())
            self._flags_of = None
        folder = tree.folders[index]
        lines = [shown_path(folder.path), quantity(folder.loops, "loop")]
        if folder.scored:
            lines += [
                f"{folder.unusual} of {quantity(folder.scored, 'scored loop')} above the unusual"
                f" cut: {100 * folder.unusual_share:.0f} %",
                "(about 10 % for a folder like the rest of the library)",
                f"Their median Unusual %: {folder.median_percent:.0f}",
            ]
        else:
            lines.append("No scores yet")
        typical, unusual = int(tree.typical[index]), int(tree.flagged_unusual[index])
        if typical or unusual:
            lines.append(f"You flagged {typical} typical, {unusual} unusual")
        return "\n".join(lines)

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.data(PATH_ROLE):  # a folder (not All loops): loops dragged here move in
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    # ------------------------------------------------------------------ drops
    def mimeTypes(self) -> list[str]:
        return [LOOP_IDS]

    def supportedDropActions(self):
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        return bool(parent.isValid() and parent.data(PATH_ROLE) and dragged_loop_ids(data))

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        """Loops dragged from the table onto a folder: `loops_dropped(path, ids)`. Nothing is
        inserted here (False), so the view removes nothing either."""
        if self.canDropMimeData(data, action, row, column, parent):
            self.loops_dropped.emit(parent.data(PATH_ROLE), dragged_loop_ids(data))
        return False

    # ------------------------------------------------------------------ sorting
    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """The folders under each folder by `column`; All loops stays first, and a folder
        without scores last, whichever way."""
        self._sort = (column, order)
        if self.tree is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self.folder_index(i), i.column()) for i in persistent]
        self._order_children()
        self.changePersistentIndexList(
            persistent, [self.index_of(folder, column) for folder, column in held]
        )
        self.layoutChanged.emit()

    def _order_children(self) -> None:
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        for kids in self._children.values():
            kids[:] = sorted_folders(self.tree, kids, SORT_BY[column], descending)
            self._row_of.update((folder, row) for row, folder in enumerate(kids))


class FolderPanel(QWidget):
    """The tree; `folder_chosen(path)` when the user picks a folder ("" for all loops)."""

    folder_chosen = Signal(str)
    #: Return or a double-click on a folder: its loops, to audition (the table takes the keys)
    folder_opened = Signal(str)
    #: the context menu's "Remove from library…" on a folder added to the library
    remove_requested = Signal(str)
    #: the context menu's "Why unusual?": what sets the folder's loops apart
    explain_requested = Signal(str)
    #: the sort the user chose, as "column order" (for the settings: `restore_sort`)
    sort_changed = Signal(str)
    #: loops dragged from the table and dropped on a folder: (its path, their row ids)
    loops_dropped = Signal(str, list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = FolderTreeModel(self)
        self.view = QTreeView()
        self.view.setAccessibleName("Folders")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(FOLDER, Qt.SortOrder.AscendingOrder)
        self.view.setUniformRowHeights(True)  # thousands of folders scroll smoothly
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setIndentation(14)
        # packs come in volumes that differ at the end ("Oracle Vol 1", "Oracle Vol 2"):
        # shortened at the end, a narrow panel showed one name twice
        self.names_delegate = MiddleElided(self.view, names=False)
        self.view.setItemDelegateForColumn(FOLDER, self.names_delegate)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(FOLDER, QHeaderView.ResizeMode.Stretch)
        for column, width in NUMBER_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        header.sortIndicatorChanged.connect(
            lambda column, order: self.sort_changed.emit(f"{column} {order.value}")
        )
        self.view.selectionModel().currentChanged.connect(self._picked)
        self.view.activated.connect(self._opened)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # loops dragged from the table onto a folder move into it (the window's Move to
        # Folder); other drags (files from a file manager) go on to the window
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setDropIndicatorShown(True)
        self.model.loops_dropped.connect(self.loops_dropped)
        #: what an empty library's panel says instead of a tree of no folders
        self.empty = QLabel(
            "The folders you add show here, each with how many of its loops are unusual in"
            " your library: click one to see its loops."
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.empty.setStyleSheet("color: #9aa0a6; padding: 8px;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._quiet = False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        header = self.view.header()
        header.setSectionHidden(LOOPS, self.width() < LOOPS_SHOWN_FROM)
        header.setSectionHidden(UNUSUAL, self.width() < UNUSUAL_SHOWN_FROM)

    def names_room(self) -> int:
        """How many pixels more the Folder column needs to show the name of every folder in
        view in full (0: none is cut), with its indentation and colour swatch."""
        header = self.view.header()
        if header.isSectionHidden(FOLDER):
            return 0
        return max(0, self.view.sizeHintForColumn(FOLDER) - header.sectionSize(FOLDER))

    def restore_sort(self, text: str) -> None:
        """Sort as `sort_changed` said the last time ("column order"); anything else leaves
        the folders in name order."""
        try:
            column, order = (int(part) for part in str(text).split())
            sort_order = Qt.SortOrder(order)
        except ValueError:
            return
        if 0 <= column < len(COLUMNS):
            self.view.sortByColumn(column, sort_order)

    @property
    def tree(self) -> FolderTree | None:
        return self.model.tree

    # ------------------------------------------------------------------ filling
    def set_tree(self, tree: FolderTree, total: int, chosen: str | None) -> None:
        """Show this tree (`total`: the library's loops); the folders open before stay open
        (the added folders are open the first time), and `chosen` (a folder's path, or None
        for all) is selected."""
        first = self.tree is None or not len(self.tree)
        expanded = set() if first else self._expanded_paths()
        self.pages.setCurrentWidget(self.view if len(tree) else self.empty)
        self._quiet = True
        try:
            self.model.set_tree(tree, total)
            for index, folder in enumerate(tree.folders):
                if (folder.depth == 0) if first else (folder.path in expanded):
                    self.view.setExpanded(self.model.index_of(index), True)
            self.select(chosen)
        finally:
            self._quiet = False

    def _expanded_paths(self) -> set[str]:
        """The paths of the open folders (walked from the top: closed ones hide theirs)."""
        paths, todo = set(), [QModelIndex()]
        while todo:
            parent = todo.pop()
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, FOLDER, parent)
                if self.view.isExpanded(index):
                    paths.add(index.data(PATH_ROLE))
                    todo.append(index)
        return paths

    # ------------------------------------------------------------------ choosing
    def select(self, path: str | None) -> None:
        """Select the folder at `path` (None: All loops) without announcing it."""
        folder = ALL if path is None or self.tree is None else self.tree.index_of(path)
        target = self.model.index_of(folder if folder >= 0 else ALL)
        quiet, self._quiet = self._quiet, True
        try:
            self.view.setCurrentIndex(target)
            self.view.scrollTo(target)
        finally:
            self._quiet = quiet

    def chosen_path(self) -> str | None:
        current = self.view.currentIndex()
        return (current.data(PATH_ROLE) if current.isValid() else None) or None

    def _picked(self, current, _previous) -> None:
        if not self._quiet and current.isValid():
            self.folder_chosen.emit(current.data(PATH_ROLE) or "")

    def _opened(self, index) -> None:
        self.folder_opened.emit(index.data(PATH_ROLE) or "")

    def _context_menu(self, position) -> None:
        index = self.view.indexAt(position)
        path = index.data(PATH_ROLE) if index.isValid() else None
        if path:
            self.folder_menu(path).exec(self.view.viewport().mapToGlobal(position))

    def folder_menu(self, path: str) -> QMenu:
        """The context menu of the folder at `path`."""
        menu = QMenu(self)
        menu.addAction("Show its loops", lambda: self.folder_opened.emit(path))
        menu.addAction("Why unusual?", lambda: self.explain_requested.emit(path))
        menu.addAction("Open in file manager", lambda: _open_folder(self, path))
        if self.tree is not None and path in self.tree.roots:
            menu.addSeparator()
            menu.addAction("Remove from library…", lambda: self.remove_requested.emit(path))
        return menu


def _open_folder(panel: QWidget, path: str) -> None:
    """Open the folder in the desktop's file manager, or say by the pointer why not."""
    if not os.path.isdir(path) or not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
        QToolTip.showText(QCursor.pos(), f"Could not open {shown_path(path)}", panel)
