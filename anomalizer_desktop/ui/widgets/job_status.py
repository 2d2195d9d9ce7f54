"""The status bar's job area: what runs, a progress bar with ETA, and Cancel."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from anomalizer_desktop.core.jobs import WHOLE
from anomalizer_desktop.core.text import whole_seconds
from anomalizer_desktop.ui.plain_text import plain_label

#: no time-left estimate before a job has run this long: its first steps carry its start-up
#: (reading the library, loading a model) and would promise minutes for a 30 s training
ETA_AFTER_S = 3.0


def time_left(elapsed: float, done: int, total: int) -> float | None:
    """Seconds left if the rest goes as fast as what is done so far; None while too early."""
    if not done or not total or elapsed < ETA_AFTER_S:
        return None
    return elapsed / done * (total - done)


def format_eta(seconds: float) -> str:
    return f"{whole_seconds(seconds)} left"


class JobStatus(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = plain_label()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        # a gap before the job's name: the status bar's messages run up to this widget, and
        # without one a message and the job read as one sentence ("…all else works.Embedding")
        layout.setContentsMargins(16, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._handle = None
        self.cancel_button.clicked.connect(self._cancel)
        self.setVisible(False)

    def track(self, handle, title: str) -> None:
        self._handle = handle
        self._title = title
        self._started = time.monotonic()
        self.label.setText(title)
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        handle.progress.connect(self._progress)
        # a chained job may start before the previous one's thread reports done: only the
        # tracked job may hide the bar
        handle.done.connect(lambda finished=handle: self._done(finished))

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.sender() is not self._handle:
            return
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            eta = time_left(time.monotonic() - self._started, done, total)
            # a percentage fits the bar at any size of job; the counts go in the tooltip (not
            # for a job counted in parts of WHOLE, such as training, whose counts mean nothing)
            self.bar.setFormat(f"{100 * done // total}%" + (f" · {format_eta(eta)}" if eta else ""))
            self.bar.setToolTip("" if total == WHOLE else f"{done} of {total}")
        else:
            self.bar.setRange(0, 0)
        self.label.setText(f"{self._title}: {message[:48]}" if message else self._title)

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{self._title}: cancelling…")

    def _done(self, finished) -> None:
        if finished is not self._handle:
            return
        self._handle = None
        self.setVisible(False)
