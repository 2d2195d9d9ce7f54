"""The status bar's message gets the room it needs from the counts beside it.

A message says what a key or a job just did ("Flagged 1 loop unusual. Retrain with flags to
use them. Ctrl+Z undoes it.") and goes after a few seconds; the counts ("44 loops · 44
embedded · 0 errors · …") are there all the time. In a window at half a screen the counts kept
all their parts and the message was cut off mid-sentence. While a message shows, the counts
give way to it, down to their first part (the rest on hover, as `FittedParts` does), and take
their room back when it goes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QStatusBar, QWidget

from anomalizer_desktop.ui.widgets.fitted_parts import FittedParts

#: what the status bar keeps around its message: its margins, and the spacing and frames
#: before each permanent widget
MESSAGE_MARGINS = 24
#: a widget's largest maximum width (Qt's QWIDGETSIZE_MAX)
UNBOUNDED = (1 << 24) - 1
#: what changes the room a message has: the bar's width, a widget beside it shown, hidden
#: or resized
REFIT_ON = (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide)


class MessageRoom(QObject):
    """Watches `bar`: while it shows a message, `counts` is at most as wide as leaves the
    message whole (never narrower than its first part); `others` are the permanent widgets
    beside them (the job's progress, the Problems button)."""

    def __init__(self, bar: QStatusBar, counts: FittedParts, others: list[QWidget]) -> None:
        super().__init__(bar)
        self.bar, self.counts, self.others = bar, counts, others
        bar.messageChanged.connect(self._fit)
        for watched in (bar, *others):  # (a job's progress goes as its message comes)
            watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in REFIT_ON and self.bar.currentMessage():
            self._fit(self.bar.currentMessage())
        return False

    def _fit(self, message: str) -> None:
        if not message:
            self.counts.setMaximumWidth(UNBOUNDED)
            return
        taken = sum(widget.width() for widget in self.others if widget.isVisible())
        needed = self.bar.fontMetrics().horizontalAdvance(message)
        margins = MESSAGE_MARGINS * (1 + sum(widget.isVisible() for widget in self.others))
        room = self.bar.width() - needed - taken - margins
        self.counts.setMaximumWidth(max(self.counts.minimumSizeHint().width(), room))
