"""A wait cursor over the application while the window does something that takes a moment on
its own thread (checking a library file, writing a folder of copies, removing a folder of
100,000 loops: 2 s): the window does not answer then, and the cursor says why."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """The wait cursor for the duration of the `with` block, whatever it raises."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
