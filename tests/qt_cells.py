"""What an item view draws in a cell: its text as its delegate shortens it to the cell's width."""

from __future__ import annotations


def shown_in_cell(view, row: int, column: int, width: int, parent=None) -> str:
    """The text of (`row`, `column`) of `view` (below `parent`, an index of a tree) as the
    view's delegate, then Qt's own elision (the view's mode), shortens it in a cell `width`
    pixels wide."""
    from PySide6.QtCore import QModelIndex, QRect
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    index = view.model().index(row, column, parent if parent is not None else QModelIndex())
    option = QStyleOptionViewItem()
    option.widget = view
    option.textElideMode = view.textElideMode()
    option.rect = QRect(0, 0, width, 22)
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return option.fontMetrics.elidedText(option.text, option.textElideMode, width - 2 * margin)
