"""The window's shortcuts reach it through a text box that would take them as cursor moves.

On Linux, Qt gives a line edit the Emacs-like motions of the desktop's key bindings: Ctrl+E
moves to the end of the line. The filter box has the focus when the window opens, so Ctrl+E
(Export…) did nothing until the producer clicked the table. A one-line box has the End key for
that; the keys that edit, select or copy text stay the box's (Ctrl+Z undoes typing there).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

#: what a text box keeps even where the window has the same key
TEXT_KEYS = tuple(
    getattr(QKeySequence.StandardKey, name)
    for name in (
        "Undo", "Redo", "Copy", "Cut", "Paste", "SelectAll", "Delete", "Backspace",
        "DeleteStartOfWord", "DeleteEndOfWord", "DeleteEndOfLine", "DeleteCompleteLine",
    )
)  # fmt: skip


def window_keys(actions: list[QAction]) -> set[str]:
    """The one-chord shortcuts of the window-wide ones of `actions`, as Qt writes them."""
    return {
        sequence.toString()
        for action in actions
        if action.shortcutContext() == Qt.ShortcutContext.WindowShortcut
        for sequence in action.shortcuts()
        if sequence.count() == 1
    }


class WindowKeysFirst(QObject):
    """Installed on a text box: a chord that is one of `keys` (see `window_keys`) goes to
    the window's action instead of the box, unless it edits text there."""

    def __init__(self, box: QWidget, keys: set[str]) -> None:
        super().__init__(box)
        self.keys = keys
        box.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        chord = QKeySequence(event.keyCombination()).toString()
        if chord not in self.keys or any(event.matches(key) for key in TEXT_KEYS):
            return False
        event.ignore()  # not the box's: the window's shortcut takes it
        return True
