"""The transport row's reminder of the keys, fitted to the room it gets.

A plain QLabel is as wide as its text at least: the hint's 560 pixels made the window 1443
pixels wide at the least, wider than a 1366 x 768 laptop's screen. This label shows as many
hints as fit, dropping them from the end, and always keeps the last one ("F1 all keys"), which
leads to the full list; the tooltip has every hint.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy

SEPARATOR = " · "


class KeyHints(QLabel):
    def __init__(self, hints: list[str], parent=None) -> None:
        super().__init__(parent)
        self.hints = list(hints)
        self.setToolTip(SEPARATOR.join(self.hints))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._fit(None)

    def fitted(self, width: int) -> str:
        """The hints that fit in `width` pixels: the first ones in order, then the last."""
        metrics = self.fontMetrics()
        *first, last = self.hints
        shown = last
        for count in range(len(first), 0, -1):
            text = SEPARATOR.join([*first[:count], last])
            if metrics.horizontalAdvance(text) <= width:
                shown = text
                break
        return shown

    def _fit(self, width: int | None) -> None:
        self.setText(SEPARATOR.join(self.hints) if width is None else self.fitted(width))

    def sizeHint(self) -> QSize:
        full = self.fontMetrics().horizontalAdvance(SEPARATOR.join(self.hints))
        return QSize(full + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        last = self.fontMetrics().horizontalAdvance(self.hints[-1])
        return QSize(last + 2, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())
