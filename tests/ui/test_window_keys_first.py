"""The window's shortcuts reach it through the filter box (ui.widgets.window_keys_first): on
Linux desktops Qt took Ctrl+E there for "end of line", and Export… did nothing while the box
had the focus, as it has when the window opens."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from anomalizer_desktop.ui.widgets.window_keys_first import WindowKeysFirst, window_keys


class EmacsLineEdit(QLineEdit):
    """A line edit that takes Ctrl+E, as Qt's xcb key bindings make it (offscreen ones don't)."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.keyCombination() == (
            Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_E
        ):
            event.accept()
            return True
        return super().event(event)


def _window_with_box(qtbot):
    window = QWidget()
    box = EmacsLineEdit()
    QVBoxLayout(window).addWidget(box)
    export = QAction("Export…", window)
    export.setShortcut("Ctrl+E")
    undo = QAction("Undo", window)
    undo.setShortcut("Ctrl+Z")
    window.addActions([export, undo])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    return window, box, export, undo


def test_ctrl_e_in_the_filter_box_goes_to_the_window_s_export(qtbot):
    _window, box, export, undo = _window_with_box(qtbot)  # (the window kept alive)
    fired = []
    export.triggered.connect(lambda: fired.append("export"))
    qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert fired == []  # the box took it (the bug, as Linux desktops have it)
    WindowKeysFirst(box, window_keys([export, undo]))
    qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert fired == ["export"]


def test_the_box_keeps_the_keys_that_edit_text_there(qtbot):
    _window, box, export, undo = _window_with_box(qtbot)  # (the window kept alive)
    WindowKeysFirst(box, window_keys([export, undo]))
    undone = []
    undo.triggered.connect(lambda: undone.append(True))
    qtbot.keyClicks(box, "bass")
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.text() == "" and undone == []  # Ctrl+Z undid the typing, not a flag


def test_only_window_wide_one_chord_keys_are_let_through(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    export, local, chord = QAction(owner), QAction(owner), QAction(owner)
    export.setShortcut("Ctrl+E")
    local.setShortcut("Ctrl+T")
    local.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # (the table's own keys)
    chord.setShortcut("Ctrl+K, Ctrl+S")
    assert window_keys([export, local, chord]) == {"Ctrl+E"}


def test_the_main_window_s_filter_box_lets_its_shortcuts_through(window):
    keeper = window.filter_text.findChild(WindowKeysFirst)
    assert {"Ctrl+E", "Ctrl+O", "Ctrl+F"} <= keeper.keys
