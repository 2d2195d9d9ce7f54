"""The small picture that follows the pointer while loops are dragged out of the table: the
first loop's name and how many more, beside the pointer. Qt's own picture of the dragged rows
was as wide as the table and covered what they were dragged onto (a folder of the Folders
panel, a DAW's track)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from anomalizer_desktop.core.text import quantity

#: the widest the name may be, in pixels, before it is shortened in the middle
NAME_WIDTH = 260
PADDING = 6


def badge_text(names: list[str]) -> tuple[str, str]:
    """(the first loop's name, "+ 2 more loops" or "")."""
    more = len(names) - 1
    return (names[0] if names else "", f"+ {quantity(more, 'more loop')}" if more > 0 else "")


def drag_badge(widget: QWidget, names: list[str]) -> tuple[QPixmap, QPoint]:
    """The picture, and the hot spot that puts it just below and right of the pointer (so
    that what is under the pointer stays in view)."""
    first, more = badge_text(names)
    metrics = QFontMetrics(widget.font())
    first = metrics.elidedText(first, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
    lines = [line for line in (first, more) if line]
    width = max(metrics.horizontalAdvance(line) for line in lines) + 2 * PADDING
    height = metrics.height() * len(lines) + 2 * PADDING
    ratio = widget.devicePixelRatioF()
    pixmap = QPixmap(int(width * ratio), int(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    palette = widget.palette()
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    background = QColor(palette.highlight().color())
    background.setAlpha(225)
    painter.setBrush(background)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(0, 0, width, height), 5, 5)
    painter.setFont(widget.font())
    painter.setPen(palette.highlightedText().color())
    for number, line in enumerate(lines):
        top = PADDING + number * metrics.height()
        painter.drawText(PADDING, top + metrics.ascent(), line)
    painter.end()
    return pixmap, QPoint(-14, -10)
