"""Notice when something other than this window changed the library, so that the view follows.

A producer may flag loops or train from the command line, or run a second window, while the app
is open. Without this the window went on showing the old flags and scores until the next job or
restart. SQLite tells each connection whether anyone else committed since it last asked
(`Store.change_count`), which costs microseconds, so the window polls it every two seconds. It
does not poll while one of its own jobs runs (they write through their own connections and the
window reloads when they end), and `mark_seen` is called when the window reloads by itself.
"""

from __future__ import annotations

import contextlib
import sqlite3

from PySide6.QtCore import QObject, QTimer, Signal

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.workers import JobRunner

POLL_MS = 2000


class OutsideChanges(QObject):
    """Emits `changed` when the library was written by anything but this window's reloads."""

    changed = Signal()

    def __init__(self, store: Store, runner: JobRunner, parent=None, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self._seen = store.change_count()
        self._timer = QTimer(self, interval=poll_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def mark_seen(self) -> None:
        """The window is about to read the library: what was committed so far will be shown."""
        # (closed: a reload retried after the library was switched)
        with contextlib.suppress(sqlite3.Error):
            self._seen = self.store.change_count()

    def stop(self) -> None:
        """The window is closing: look no more."""
        self._timer.stop()

    def check(self) -> bool:
        """Emit `changed` (and return True) when someone else committed since the last look."""
        if self.runner.any_running():
            return False
        try:
            now = self.store.change_count()
        except sqlite3.Error:  # a closed library (the window is going away)
            return False
        if now == self._seen:
            return False
        self._seen = now
        self.changed.emit()
        return True
