"""A combo box that shortens its current text with "…" when it is narrower than the text.

Qt's combo box cuts the text at its edge: at half a screen the filter row's boxes, given
way to 64 px, read "All flag" and "All file", as if those were their choices. Shortened
with "…" ("All fl…") they say that more is there; the open list shows every item whole.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter


class ElidingComboBox(QComboBox):
    def shown_text(self, option: QStyleOptionComboBox | None = None) -> str:
        """The current text as the box draws it: whole, or shortened to its text field
        (`option`: the box's style option, when the caller has it already)."""
        if option is None:
            option = QStyleOptionComboBox()
            self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        return self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text(option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
