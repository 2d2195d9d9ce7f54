"""Show text that files and people wrote (loop names, paths, notes, error messages) as written.

Qt guesses the format of a label's, a message box's and a tooltip's text: text whose first line
holds something like `<b>` or `<h1>` is taken for HTML, so a loop named "<h1>huge.wav" showed
as a heading and "<b>kick.wav" turned the rest of the line bold. Labels and message boxes can
be told their text is plain; tooltips cannot, so they get the text escaped inside HTML.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def tip(text: str) -> str:
    """A tooltip that shows `text` literally, its line breaks kept (long lines are not
    wrapped: they are mostly paths)."""
    if not text:
        return ""
    return f"<p style='white-space:pre'>{html.escape(text, quote=False)}</p>"


def plain_label(text: str = "") -> QLabel:
    """A label whose text is never read as HTML."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def message_box(
    icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
) -> QMessageBox:
    """A message box whose text and informative text are never read as HTML."""
    box = QMessageBox(icon, title, "", parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """`QMessageBox.warning`, with the text shown as written."""
    box = message_box(QMessageBox.Icon.Warning, title, text, parent)
    box.exec()


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    """Yes / Cancel before something that deletes; Cancel is the default. The question is
    shown as written."""
    box = message_box(QMessageBox.Icon.Question, title, question, parent)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_to_do(box: QMessageBox, action: str) -> bool:
    """Show `box` with a button naming what it asks about ("Move to Trash") beside Cancel,
    the default; whether that button was pressed."""
    do = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is do
