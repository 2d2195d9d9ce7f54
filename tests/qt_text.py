"""What Qt shows for a label's or tooltip's text: text that Qt takes for HTML, rendered."""

from __future__ import annotations


def as_shown(text: str) -> str:
    """The characters a person sees for `text` in a tooltip (or a label left to guess)."""
    from PySide6.QtGui import Qt, QTextDocument

    if not Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()
