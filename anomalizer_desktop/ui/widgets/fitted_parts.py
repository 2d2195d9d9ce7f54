"""A label of parts ("Space play · ↑↓ move · …") that shows as many as fit the room it gets.

A plain QLabel is as wide as its text at least: the transport row's reminder of the keys (560
pixels) and the status bar's counts (420) held the window wider than half of a 1920-pixel
screen, where a producer puts it beside a DAW. This label drops parts from the end, always
keeps the first (the counts' "501 loops") or the last (the keys' "F1 all keys", which leads to
the full list), and has every part in its tooltip while any is left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy

SEPARATOR = " · "


def parts_that_fit(
    metrics: QFontMetrics, parts: Sequence[str], width: float, keep_last: bool = False
) -> str:
    """`parts` joined by SEPARATOR, as many of the first ones as fit in `width` pixels (then
    the last one, with `keep_last`); at least the one that is always kept (the first, or the
    last). Also the waveform's title, whose level gives way part by part."""
    if not parts:
        return ""
    kept = [parts[-1]] if keep_last else []
    first = list(parts[:-1] if keep_last else parts)
    for count in range(len(first), 0, -1):
        text = SEPARATOR.join([*first[:count], *kept])
        if metrics.horizontalAdvance(text) <= width:
            return text
    return SEPARATOR.join(kept or first[:1])


class FittedParts(QLabel):
    """`parts` joined by SEPARATOR, as many as fit; `keep_last`: the last part is always shown
    (after the first ones that fit), else the first is. `modest`: the label asks a layout for
    the kept part's room alone and takes what is left over (the keys' reminder, after the
    transport's boxes); else it asks for every part's and gives way with the rest."""

    def __init__(
        self,
        parts: Sequence[str] = (),
        keep_last: bool = False,
        modest: bool = False,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.keep_last, self.modest = keep_last, modest
        grows = QSizePolicy.Policy.Expanding if modest else QSizePolicy.Policy.Preferred
        self.setSizePolicy(grows, QSizePolicy.Policy.Preferred)
        self.parts: list[str] = []
        self.set_parts(parts)

    def set_parts(self, parts: Sequence[str]) -> None:
        if list(parts) == self.parts:
            return  # the counts are set on every change of the library: most change nothing
        self.parts = list(parts)
        self.updateGeometry()
        self._fit(self.width() if self.isVisible() else None)

    def full_text(self) -> str:
        """Every part, as the label says it when there is room."""
        return SEPARATOR.join(self.parts)

    def fitted(self, width: int) -> str:
        """The parts that fit in `width` pixels (`parts_that_fit`)."""
        return parts_that_fit(self.fontMetrics(), self.parts, width, self.keep_last)

    def _fit(self, width: int | None) -> None:
        text = self.full_text() if width is None else self.fitted(width)
        self.setText(text)
        self.setToolTip("" if text == self.full_text() else self.full_text())

    def sizeHint(self) -> QSize:
        if self.modest:
            return self.minimumSizeHint()
        full = self.fontMetrics().horizontalAdvance(self.full_text())
        return QSize(full + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        kept = self.parts[-1 if self.keep_last else 0] if self.parts else ""
        return QSize(self.fontMetrics().horizontalAdvance(kept) + 2, super().sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())
