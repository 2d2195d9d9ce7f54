"""Which library files this process has open, so that nothing here opens and closes such a
file behind SQLite's back.

SQLite's locks on a library are POSIX advisory locks, and those belong to the process: closing
any other handle to the same file drops every lock the process holds on it (SQLite's "How To
Corrupt An SQLite Database File", 2.2). `Store` read the first bytes of the file to refuse a
sound file given as a library, at every open: each job that opened the library while the window
held it open dropped the window's locks. Another process (`anomalizer` in a terminal, or the
window's own training of a large library in a process of its own) then took itself for the last
connection when it closed, checkpointed and deleted the write-ahead log under the window's
connections, and the window's next open failed with "database disk image is malformed" and
offered a repair (the file itself was sound).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

_guard = threading.Lock()
_open: dict[str, int] = {}


def _key(path: str) -> str:
    return os.path.realpath(path)


def register_opening(path: str, check_unopened: Callable[[str], None]) -> None:
    """Count one more connection to `path` in this process; before the first one, run
    `check_unopened(path)` (which may open and close the file itself). Both happen under one
    lock, so no connection opens here while the check holds the file."""
    key = _key(path)
    with _guard:
        if not _open.get(key):
            check_unopened(path)
        _open[key] = _open.get(key, 0) + 1


def register_closing(path: str) -> None:
    """One connection to `path` fewer in this process."""
    key = _key(path)
    with _guard:
        left = _open.get(key, 0) - 1
        if left > 0:
            _open[key] = left
        else:
            _open.pop(key, None)


def open_here(path: str) -> int:
    """How many connections to `path` this process holds."""
    with _guard:
        return _open.get(_key(path), 0)
