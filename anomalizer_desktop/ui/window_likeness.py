"""Sort by likeness: the loops most like the selected one come first (S, or the context menu).

A mixin of MainWindow. The order comes from the core (`analysis.likeness`, in a worker); the
model puts those loops first and keeps the selection on its loops. A button beside the filter
says what the rows are sorted by and goes back to the column sort; so does a click on any
column header. Filters keep working on the likeness order.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer

from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.actions import literal
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.pill import CLEAR
from anomalizer_desktop.ui.window_words import in_window_words

#: longest loop name the button shows whole (the filter box beside it needs the room)
BUTTON_NAME_CHARS = 28


def _shortened(name: str) -> str:
    """The name as the button shows it: its start and end, "…" between, when it is long."""
    if len(name) <= BUTTON_NAME_CHARS:
        return name
    keep = BUTTON_NAME_CHARS - 1
    return f"{name[: keep - keep // 2]}…{name[-(keep // 2) :]}"


class LikenessSort:
    """Sorting the table by likeness to one loop (mixed into MainWindow)."""

    def sort_by_likeness(self) -> None:
        """Sort every loop by how much it sounds like the current one, nearest first."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        if self.runner.running("likeness") is not None:
            # the last one is still finishing (S pressed twice in a row): ask again shortly,
            # for whichever loop is current then
            QTimer.singleShot(150, self.sort_by_likeness)
            return
        path = self.model.path(index.row())
        handle = self.runner.start(
            "likeness", jobs.likeness_job(path, self.embedder_name(), self.library_generation)
        )
        handle.finished.connect(self._show_likeness)
        handle.failed.connect(
            lambda message: self.statusBar().showMessage(in_window_words(message), 8000)
        )

    @unless_closed
    def _show_likeness(self, result) -> None:
        header = self.table.horizontalHeader()
        self.model.sort_by_likeness(result.ids)
        header.setSortIndicatorShown(False)  # no column sets the order now
        name = os.path.basename(result.path)
        self.likeness_button.set_full_text(f"Like {literal(_shortened(name))}{CLEAR}")
        column = self.model.sort_state()[0]
        self.likeness_button.setToolTip(
            tip(
                f"Sorted by likeness to {name}, nearest first. Click to sort by "
                f"{self.model.headerData(column, Qt.Orientation.Horizontal)} again "
                "(or click any column's header)."
            )
        )
        self.likeness_button.show()
        self.table.scrollTo(self.table.currentIndex())
        self.statusBar().showMessage(
            f"Sorted by likeness to {name}: the loops most like it come first.", 6000
        )

    def end_likeness(self) -> None:
        """Back to the column sort the table had before."""
        self.table.sortByColumn(*self.model.sort_state())
        self._header_sorted()  # the same column and order: the header may not say so itself

    def _header_sorted(self, *_args) -> None:
        """A column sort happened (a header click, or end_likeness): likeness is over."""
        if not self.model.likeness_active():
            self.table.horizontalHeader().setSortIndicatorShown(True)
            self.likeness_button.hide()
