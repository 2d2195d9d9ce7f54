"""Ctrl+C in the terminal that started the app, and SIGTERM (a logout, `kill`), close the
window as its close button does: the layout and the loop last selected are saved and running
jobs are cancelled.

Python runs its signal handlers only between bytecodes, and Qt's event loop runs no Python
while nothing happens: Ctrl+C did nothing until the mouse moved, and SIGTERM's default action
ended the process without saving. A timer that ticks a few times a second gives the handlers
their chance.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

#: how often the interpreter gets to run pending signal handlers
TICK_MS = 200


def close_on_signals(app: QApplication) -> Callable[[], None]:
    """Close the app's main windows and quit on SIGINT or SIGTERM. Returns a function that
    puts the previous handlers back and stops the timer (for tests)."""

    def close(_signum, _frame) -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, QMainWindow) and widget.isVisible():
                widget.close()
        app.quit()

    previous = {}
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, close)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)  # a moment of Python: pending handlers run
    timer.start(TICK_MS)

    def restore() -> None:
        timer.stop()
        timer.deleteLater()
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore
