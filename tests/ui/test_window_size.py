"""The window fits a small laptop screen: its first size, its least width, the keys' reminder."""

from __future__ import annotations

from PySide6.QtCore import QSize

from anomalizer_desktop.ui.main_window import first_size
from anomalizer_desktop.ui.widgets.key_hints import SEPARATOR, KeyHints

LAPTOP = QSize(1366, 768)


def test_the_first_size_fits_the_screen_it_opens_on():
    assert first_size(QSize(1920, 1080)) == QSize(1500, 900)
    assert first_size(LAPTOP) == QSize(1297, 729)


def test_the_window_can_be_as_narrow_as_a_laptop_screen(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    room = first_size(LAPTOP)
    assert window.minimumSizeHint().width() <= room.width()
    assert window.minimumSizeHint().height() <= room.height()
    window.resize(room)
    qtbot.waitUntil(lambda: window.width() == room.width())
    # the reminder of the keys gave way and kept the one that leads to the rest
    assert window.keys_hint.text().endswith("F1 all keys")
    assert window.keys_hint.text() != window.keys_hint.toolTip()


def test_key_hints_drop_from_the_end_and_keep_the_last(qtbot):
    hints = KeyHints(["Space play", "L loop", "T typical", "F1 all keys"])
    qtbot.addWidget(hints)
    metrics = hints.fontMetrics()
    full = SEPARATOR.join(hints.hints)
    assert hints.fitted(metrics.horizontalAdvance(full)) == full
    two = "Space play · L loop · F1 all keys"
    assert hints.fitted(metrics.horizontalAdvance(two) + 1) == two
    assert hints.fitted(10) == "F1 all keys"
    assert hints.toolTip() == full
    assert hints.minimumSizeHint().width() < metrics.horizontalAdvance(full) / 3
    hints.show()
    hints.resize(metrics.horizontalAdvance(two) + 4, 20)
    qtbot.waitUntil(lambda: hints.text() == two)
