"""Table cells whose text, when it does not fit, is shortened in the middle: "lmms__la…03.ogg".

Loops of one pack share the start of their names and differ at the end (the number, the tempo
and key, the extension): shortened at the end, as Qt does by default, a narrow Name column
showed three rows of "lmms__latin__lat…". A folder's path likewise ends in the pack. Finder
shortens file names this way for the same reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyledItemDelegate


class MiddleElided(QStyledItemDelegate):
    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
