"""The Folders panel in the window: pick a folder (a pack) and the table and map show its loops.

A mixin of MainWindow. The folder chosen is one more filter beside the text, flag, tag and
status ones: a pill in the filter row ("In Pack A ✕") says so and clears it, the panel's "All
loops" clears it too, and it makes way like the others when the window goes to a loop it
hides. The panel's numbers are the snapshot's `FolderTree`; a flag recounts the flags alone.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.actions import literal
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.folder_panel import ALL, FOLDER, FolderPanel
from anomalizer_desktop.ui.widgets.pill import CLEAR, Pill

#: the Folders panel's width when it first opens (the table and the map keep the rest)
PANEL_WIDTH = 240
#: the widest share of the window the Folders panel takes by itself to show its folders'
#: names in full (at 1,500 px, 330 px): "guitar_strums" showed as "guit…trums" at 240 px
FIT_SHARE = 0.22
#: a first window narrower than this has the Folders panel as a tab behind Why unusual?: on
#: a laptop's 1,297 px beside the table, the map and that panel it got 124 px, no names
WIDE_ENOUGH = 1500


class FolderFilter:
    """The Folders panel and the folder filter (mixed into MainWindow)."""

    #: the folder whose loops the table shows (None: every folder)
    chosen_folder: str | None = None
    #: whether the folders shown widen the panel to show their names (for the window's
    #: life, from a first start or a library's first folders, until the producer drags its
    #: edge: a folder being added shows first alone, then the folders found in it)
    fit_folder_names: bool = False

    def _build_folder_panel(self) -> None:
        self.folder_panel = FolderPanel()
        self.folder_panel.restore_sort(self.settings.get("folders_sort"))
        self.folder_panel.sort_changed.connect(lambda text: self.settings.set("folders_sort", text))
        self.folders_dock = QDockWidget("Folders", self)
        self.folders_dock.setObjectName("folders")
        self.folders_dock.setWidget(self.folder_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.folders_dock)
        self.folder_button = Pill()  # "In Pack A ✕", while a folder is chosen
        self.folder_button.hide()
        self.folder_button.clicked.connect(lambda: self.show_folder(None))
        self.folder_panel.folder_chosen.connect(lambda path: self.show_folder(path or None))
        self.folder_panel.folder_opened.connect(self._audition_folder)
        self.folder_panel.remove_requested.connect(lambda path: self.remove_folder(path))
        self.folder_panel.explain_requested.connect(self._explain_folder_asked)
        self.folder_panel.loops_dropped.connect(self.move_dropped)

    def size_folder_panel(self) -> None:
        """Place the panel once the window has its first size: on the left, PANEL_WIDTH wide,
        in a window WIDE_ENOUGH for it, else as a tab behind Why unusual? (a click on its tab
        shows it). A window that restores its layout keeps the one the user left."""
        if self.width() >= WIDE_ENOUGH:
            self.resizeDocks([self.folders_dock], [PANEL_WIDTH], Qt.Orientation.Horizontal)
        else:
            self.tabifyDockWidget(self.explain_dock, self.folders_dock)
            self.explain_dock.raise_()

    def show_folder(self, path: str | None) -> None:
        """Show only the loops in the folder at `path` and below it (None: all of them)."""
        if path == self.chosen_folder:
            return
        self.chosen_folder = path
        if path is None:
            self.folder_button.hide()
        else:
            name = os.path.basename(path.rstrip(os.sep)) or path
            self.folder_button.set_full_text(f"In {literal(shown_path(name))}{CLEAR}")
            self.folder_button.setToolTip(
                tip(
                    f"Showing the loops in {shown_path(path)} and the folders in it. Click to"
                    " show every folder (or choose All loops in the Folders panel)."
                )
            )
            self.folder_button.show()
        self.folder_panel.select(path)
        self._apply_filter()

    def _explain_folder_asked(self, path: str) -> None:
        """The panel's "Why unusual?": the folder's loops shown, none selected, explained."""
        self.show_folder(path)
        self.table.clearSelection()
        self.explain_folder(path)

    def explain_folder(self, path: str) -> None:
        """The Why unusual? panel explains the folder's loops together (what sets a pack
        apart), while no loop is selected in it."""
        if self.runner.running("explain"):  # the last explanation first: then this one
            self._explain_timer.start()
            return
        self.explain_panel.show_message(f"Working out what sets {os.path.basename(path)} apart…")
        handle = self.runner.start(
            "explain",
            jobs.folder_explain_job(path, self.embedder_name(), self.library_generation),
        )
        handle.finished.connect(
            lambda result, asked=path: self._show_folder_explanation(asked, result)
        )
        handle.failed.connect(
            lambda message, asked=path: self._show_folder_explanation(asked, message)
        )

    @unless_closed
    def _show_folder_explanation(self, asked: str, result) -> None:
        """Show it if that folder is still the one chosen and no loop is selected."""
        if asked != self.chosen_folder or self.selected_rows():
            return
        if isinstance(result, str):
            self.explain_panel.show_message(result)
        else:
            self.explain_panel.show_folder_explanation(result)

    def step_folder(self, step: int) -> None:
        """Alt+Down / Alt+Up: the next or the previous folder of the Folders panel, as it is
        sorted and opened, with its first loop selected (and played, with Auto-play on while
        auditioning): a library gone through one pack at a time from the keyboard."""
        view = self.folder_panel.view
        current = view.currentIndex()
        if not current.isValid():
            current = self.folder_panel.model.index_of(ALL)
        target = view.indexBelow(current) if step > 0 else view.indexAbove(current)
        if not target.isValid():
            where = "below" if step > 0 else "above"
            self.statusBar().showMessage(f"No folder {where} this one in the Folders panel.", 4000)
            return
        view.setCurrentIndex(target)  # the panel says it was chosen: show_folder
        view.scrollTo(target)
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)
            self.table.scrollToTop()
        name = target.siblingAtColumn(FOLDER).data() or "All loops"
        self.statusBar().showMessage(
            f"{name}: {quantity(self.model.rowCount(), 'loop')} shown (Alt+Down: the next"
            " folder, Alt+Up: the one before)",
            5000,
        )

    def _audition_folder(self, path: str) -> None:
        """Return or a double-click on a folder: its loops, the first one selected and the
        table taking the keys (Space plays, Down moves on), as Return in the filter box."""
        self.show_folder(path or None)
        self._filter_entered()

    def _show_folder_tree(self, snapshot) -> None:
        """A new snapshot: its folders in the panel; a chosen folder that is gone (removed
        from the library) no longer filters."""
        tree = snapshot.folders
        if tree is None:
            return
        if self.chosen_folder is not None and tree.index_of(self.chosen_folder) < 0:
            self.show_folder(None)
        shown = self.folder_panel.tree
        if shown is not None and not len(shown):  # a library's first folders
            self.fit_folder_names = True
        self.folder_panel.set_tree(tree, len(snapshot.library), self.chosen_folder)
        if len(tree) and self.fit_folder_names and self.isVisible():
            self.fit_folder_panel()

    def fit_folder_panel(self) -> None:
        """Widen the Folders panel to show the names of the folders in view in full, up to
        FIT_SHARE of the window's width (see `fit_folder_names`). Never narrower, never a
        panel whose edge the producer dragged, nor one floating or sharing its place as a tab
        (it would widen the panel in front)."""
        dock = self.folders_dock
        if (
            not dock.isVisible()
            or dock.isFloating()
            or self.tabifiedDockWidgets(dock)
            or dock.objectName() in self.dock_widths.dragged
        ):
            return
        room = self.folder_panel.names_room()
        most = max(dock.width(), int(self.width() * FIT_SHARE))
        width = min(dock.width() + room, most)
        if width > dock.width():
            self.dock_widths.widen(dock, width)

    def _recount_folder_flags(self) -> None:
        """Flags changed: the panel's tooltips say the new counts (counted when one shows)."""
        tree = self.folder_panel.tree
        if tree is not None and len(self.model.library) == tree.loops:
            self.folder_panel.model.flags_changed(lambda: self.model.library.flags)
