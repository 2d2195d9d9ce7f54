"""Show a loop in the desktop's file manager with the file selected, not just its folder.

"Show in folder" opened the folder, and in a folder of 300 loops from one pack the producer
then had to find the file again by name. Each desktop has its own way to point at a file:
Finder's `open -R`, Explorer's `/select,`, and on Linux the freedesktop FileManager1 D-Bus
service (Nautilus, Dolphin, Nemo, Caja, Thunar...). Where none answers, the folder opens as
before.
"""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

#: how long a file manager started on demand may take to answer
SHOW_ITEMS_MS = 3000


def reveal(path: str) -> bool:
    """Open the file manager at `path` with the file selected, or failing that its folder.
    False when nothing opened."""
    try:
        if sys.platform == "darwin":
            subprocess.Popen(["open", "-R", path])
            return True
        if sys.platform == "win32":
            subprocess.Popen(["explorer", f"/select,{os.path.normpath(path)}"])
            return True
    except OSError:
        pass
    if sys.platform.startswith("linux") and _show_items(path):
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


def _show_items(path: str) -> bool:
    """Ask the freedesktop file manager service (org.freedesktop.FileManager1) to show the
    file selected; False when there is no session bus or no such service. A service started
    on demand gets SHOW_ITEMS_MS to answer (D-Bus would wait 25 s, the window with it)."""
    try:
        from PySide6.QtDBus import QDBus, QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:  # a build of Qt without D-Bus
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    manager = QDBusInterface(
        "org.freedesktop.FileManager1",
        "/org/freedesktop/FileManager1",
        "org.freedesktop.FileManager1",
        bus,
    )
    if not manager.isValid():
        return False
    manager.setTimeout(SHOW_ITEMS_MS)
    reply = manager.call(
        QDBus.CallMode.Block, "ShowItems", [QUrl.fromLocalFile(path).toString()], ""
    )
    return reply.type() != QDBusMessage.MessageType.ErrorMessage
