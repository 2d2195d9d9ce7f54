"""One way to make the window's menu and toolbar actions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def make_action(
    parent: QWidget,
    text: str,
    slot: Callable[[], object],
    keys: str | list[str | QKeySequence] | None = None,
    tip: str | None = None,
    shown_only: bool = False,
) -> QAction:
    """An action that calls `slot()` (never with Qt's `checked` argument). `keys` are its
    shortcuts; with `shown_only` a menu shows them but they are not bound window-wide, for
    keys the table takes itself (so that typing in the filter box keeps its letters)."""
    act = QAction(text, parent)
    act.triggered.connect(lambda _checked=False: slot())
    if keys:
        sequences = [keys] if isinstance(keys, str) else keys
        act.setShortcuts([QKeySequence(k) for k in sequences])
        if shown_only:
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    if tip:
        act.setToolTip(tip)
    return act


def literal(text: str) -> str:
    """`text` as a menu item or button shows it as it is: Qt takes "&" for the mark of a
    keyboard mnemonic ("R&B" would show as "RB", with the B underlined)."""
    return text.replace("&", "&&")
