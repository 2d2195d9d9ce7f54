"""The window's side of a damaged library: offer to repair it, repair it, open it again.

A library can open and still have damaged pages (a disk fault, a sync tool that wrote over it):
SQLite then refuses the reads that touch them. Any job that meets one says so (`JobRunner`'s
`damaged`), and so does SQLite's quick check, which the window runs in the background once
the library is on show. The window then asks, once, whether to repair it now; Library >
Repair library checks and repairs on demand. Repairing lets go of the library (this window
closes, its jobs stop), rebuilds it from what can be read (`core.library.repair`) behind a
progress dialog, and opens it in a new window, as Library > Open does.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import Progress
from anomalizer_desktop.core.library.damaged_file import find_damage
from anomalizer_desktop.core.library.schema import is_damage
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store, damaged
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.job_progress import run_with_progress
from anomalizer_desktop.ui.library_open import (
    QUIT,
    REPAIR_OFFER,
    ask_with_message_box,
    repair_and_open,
)
from anomalizer_desktop.ui.plain_text import plain_label
from anomalizer_desktop.ui.wait_cursor import waiting


def check_job():
    """A job that runs SQLite's quick check on the library (0.2-0.4 s at 100,000 loops) and
    fails with LibraryDamagedError when it finds damage."""

    def factory(store: Store, _cancel):
        yield Progress(0, 0, "checking the library file")
        damage = find_damage(store.path)
        if damage is not None:
            raise LibraryDamagedError(store.path, damage.splitlines()[0])
        return None

    return factory


def route_damage_to_windows() -> None:
    """Send damage met by the window's own reads (in Qt slots, where PySide hands the error to
    `sys.excepthook`, which prints a traceback) to the open window's repair question."""
    previous = sys.excepthook

    def hook(kind, error, trace) -> None:
        if isinstance(error, sqlite3.DatabaseError) and is_damage(error):
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, LibraryRepair) and not getattr(widget, "_closed", False):
                    message = str(damaged(widget.store.path, error))
                    # asked once the slot that failed has returned, not inside it
                    QTimer.singleShot(
                        0, lambda w=widget, m=message: w._library_damaged(str(error), m)
                    )
                    return
        previous(kind, error, trace)

    sys.excepthook = hook


class LibraryRepair:
    """Mixin for MainWindow: the damaged-library question, the check and the repair."""

    #: the failure messages of jobs that found the library damaged: the question stands for
    #: them, so they get no dialog of their own (see LibraryJobs._job_failed)
    damage_messages: set[str]
    _repair_offered = False
    _checked = False

    def check_library_soon(self) -> None:
        """Once per window, after its first load: look for damage in the background."""
        if self._checked:
            return
        self._checked = True
        self.runner.start("check", check_job())

    def _build_damaged_page(self) -> QWidget:
        """What the window shows instead of the library when it could not read it at all: not
        the welcome page of an empty library (its loops are there, in the damaged file)."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = QLabel("<h1>This library needs repair</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.damaged_text = plain_label()
        self.damaged_text.setWordWrap(True)
        self.damaged_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.damaged_text.setMaximumWidth(620)
        button = QPushButton("Repair the library…")
        button.setMinimumHeight(40)
        button.clicked.connect(lambda: self.repair_library(known_damaged=True))
        layout.addWidget(title)
        for widget in (self.damaged_text, button):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _library_damaged(self, reason: str, message: str) -> None:
        """A job found the library damaged: ask, once, whether to repair it now; show what
        is wrong where the library would be when none of it could be read."""
        self.damage_messages.add(message)
        if getattr(self, "_closed", False):
            return
        if self.model.rowCount() == 0:
            self.damaged_text.setText(
                f"Part of {self.store.path} cannot be read ({reason}), so none of it is shown."
                f"\n\n{REPAIR_OFFER.removeprefix('Repair it? ')}"
            )
            self.pages.setCurrentWidget(self.damaged_page)
        if self._repair_offered:
            return
        self._repair_offered = True
        self._chain.clear()  # the jobs that were to follow would only fail the same way
        # asked once the signal's other slots have run (the job's failure is still on its way:
        # it must find the message in damage_messages, not behind a modal question)
        QTimer.singleShot(0, lambda: self._offer_repair(reason))

    @unless_closed
    def _offer_repair(self, reason: str) -> None:
        if self._ask_repair(reason):
            self.repair_library(known_damaged=True)
        else:
            self.statusBar().showMessage(
                "The library is damaged: Library > Repair library mends it.", 15_000
            )

    def _ask_repair(self, reason: str, path: Path | None = None) -> bool:
        """Whether to repair the library at `path` (this window's by default), damaged so."""
        box = plain_text.message_box(
            QMessageBox.Icon.Warning,
            "Repair library",
            f"The library {path or self.store.path} is damaged ({reason}).\n\n{REPAIR_OFFER}",
            self,
        )
        repair = box.addButton("Repair the library", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(repair)
        box.setEscapeButton(later)
        box.exec()
        return box.clickedButton() is repair

    def repair_library(self, known_damaged: bool = False) -> None:
        """Library > Repair library: check the library file; when it is damaged (and the user
        agrees), repair it and open it again in a new window."""
        path = Path(self.store.path)
        if not known_damaged:
            with waiting():
                damage = find_damage(path)
            if damage is None:
                box = plain_text.message_box(
                    QMessageBox.Icon.Information,
                    "Repair library",
                    f"The library {path} is sound: SQLite's check found nothing wrong."
                    " Nothing to repair.",
                    self,
                )
                box.exec()
                return
            if not self._ask_repair(damage.splitlines()[0]):
                return
        app = QApplication.instance()
        quits = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)  # no window shows while the repair runs
        try:
            self.save_layout()  # the repaired library's window opens where this one is
            self.close()  # its jobs stop: nothing but the repair may have the library open
            self.store.close()
            store = repair_and_open(
                path,
                ask_with_message_box,
                lambda job: run_with_progress(job, "Repairing the library"),
            )
            if store is None:  # not repaired (it is as it was) or not to be opened
                store = self._open_as_it_is(path)
            if store is not None:
                self._successor = self.open_window_for(store)
        finally:
            app.setQuitOnLastWindowClosed(quits)
        if store is None:
            app.quit()

    def repair_other_library(self, path: Path, reason: str) -> Store | None:
        """Open library named a library that is damaged: offer to repair it (this window's
        library stays open meanwhile); the repaired library, or None."""
        if not self._ask_repair(reason, path):
            return None
        return repair_and_open(
            path,
            ask_with_message_box,
            lambda job: run_with_progress(job, "Repairing the library", self),
        )

    @staticmethod
    def _open_as_it_is(path: Path) -> Store | None:
        """The library after a repair that did not happen: opened again as it was, or None
        (said why) when even that fails."""
        try:
            return Store(path)
        except AnomalizerError as error:
            ask_with_message_box(f"Could not open the library {path}:\n\n{error}", [QUIT])
            return None
