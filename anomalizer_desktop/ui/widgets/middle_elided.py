"""Table cells of file names and paths that, when too long for their column, are shortened in
the middle: "lmms__la…guitar03", "Demo Rise…128 BPM", "/Users/me/S…Vol 3/Kicks".

Loops of one pack share the start of their names and differ at the end (the number, the tempo
and key): shortened at the end, as Qt does by default, a narrow Name column showed three rows
of "lmms__latin__lat…". Shortened exactly in the middle (Qt's other choice), a 120-pixel
column showed "Demo R…PM.wav", which says neither what the loop is nor its tempo. So a name
first drops its extension (the Rate column and the tooltip keep the format), then keeps more
of its start than of its end; a path keeps more of its end, where the pack is.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

ELLIPSIS = "\u2026"
#: a file name's extension (".wav", ".flac"): not the dot of "Vol. 3" or of a message that
#: names a file ("cannot decode x.wav: bad header", in the outside loops' Most like column)
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def shortened(text: str, metrics: QFontMetrics, room: int, start_share: float) -> str:
    """`text` as it fits in `room` pixels: whole, else with the middle given up for "…",
    `start_share` of the characters kept taken from its start and the rest from its end."""
    if metrics.horizontalAdvance(text) <= room:
        return text
    low, high = 0, len(text)  # how many characters are kept: the most that fit
    while low < high:
        kept = (low + high + 1) // 2
        if metrics.horizontalAdvance(_keep(text, kept, start_share)) <= room:
            low = kept
        else:
            high = kept - 1
    return _keep(text, low, start_share)


def _keep(text: str, kept: int, start_share: float) -> str:
    start = round(kept * start_share)
    end = kept - start
    return text[:start] + ELLIPSIS + (text[len(text) - end :] if end else "")


class MiddleElided(QStyledItemDelegate):
    """Draws a column of file names (`names=True`: the extension goes first, then the middle,
    keeping 60 % start) or of paths and folder names (the middle, keeping 60 % end)."""

    def __init__(self, parent=None, names: bool = True) -> None:
        super().__init__(parent)
        self.names = names

    def sizeHint(self, option, index):
        """The whole text's size, whatever the cell's width now: a double-click on a header's
        edge widens the column to its longest name (the view passes the column's width)."""
        whole = QStyleOptionViewItem(option)
        whole.rect = QRect()
        return super().sizeHint(whole, index)

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        if option.rect.width() <= 0 or not option.text:  # asked for its size: the whole text
            return
        widget = option.widget
        style = widget.style() if widget is not None else None
        focus_margin = QStyle.PixelMetric.PM_FocusFrameHMargin
        margin = style.pixelMetric(focus_margin, None, widget) + 1 if style else 3
        room = option.rect.width() - 2 * margin  # the text's room as Qt's styles lay it out
        if option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:
            room -= option.decorationSize.width() + 2 * margin
        text, metrics = option.text, option.fontMetrics
        if self.names and metrics.horizontalAdvance(text) > room:
            text = EXTENSION.sub("", text) or text
        option.text = shortened(text, metrics, room, 0.6 if self.names else 0.4)
