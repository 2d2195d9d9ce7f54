"""The filter row's pills ("Like x.wav  ✕", "In Pack A  ✕"): buttons whose text gives way.

A push button is as wide as its text at least: with a long loop name and a folder chosen, the
two pills held the window 1,104 pixels wide, where it may be half a screen beside a DAW. A
pill shortens its text where the room is short (in the middle, or at its end when the room is
very short; the ✕ stays), and says all of it when there is room again; its tooltip names the
loop or the folder in full and says what clicking it does, as before.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QPushButton, QSizePolicy

#: the end every pill keeps: clicking the pill clears what it shows
CLEAR = "  ✕"
#: the least room a pill's text is given (about "Like s…  ✕"), in pixels
LEAST_TEXT_WIDTH = 60
#: with this much room or more a name is shortened in its middle, with less at its end
MIDDLE_ROOM = 120


class Pill(QPushButton):
    """A button showing `full_text()`, shortened to fit its width (`_fit`)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        # a button's policy keeps it at its full width (Minimum); a pill may give way
        self.setSizePolicy(QSizePolicy.Policy.Preferred, self.sizePolicy().verticalPolicy())

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.updateGeometry()
        self._fit()

    def full_text(self) -> str:
        return self._full

    def _chrome(self) -> int:
        """The button's width beyond its text: padding, border (the pill's style sheet)."""
        shown = super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())
        return max(shown, 0)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(
            self._chrome() + self.fontMetrics().horizontalAdvance(self._full), hint.height()
        )

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        text = min(self.fontMetrics().horizontalAdvance(self._full), LEAST_TEXT_WIDTH)
        return QSize(self._chrome() + text, hint.height())

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        room = self.width() - self._chrome() if self.isVisible() else None
        if room is None or metrics.horizontalAdvance(self._full) <= room:
            self.setText(self._full)
            return
        body = self._full.removesuffix(CLEAR)
        end = self._full[len(body) :]
        room = max(room - metrics.horizontalAdvance(end), 0)
        # a long name keeps its start and end ("Like Deep…final.wav"); in little room the
        # start says what the pill is ("Like s…")
        mode = Qt.TextElideMode.ElideMiddle if room >= MIDDLE_ROOM else Qt.TextElideMode.ElideRight
        self.setText(metrics.elidedText(body, mode, room) + end)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:
        # shown again at the size it had when hidden, it gets no resize: fit its new text
        super().showEvent(event)
        self._fit()
