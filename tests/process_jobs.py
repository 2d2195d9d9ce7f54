"""Library jobs for `core.job_process` tests, importable by the process it spawns (tests/ is on
its sys.path): one that counts the library's loops, one that runs until cancelled, one that
fails as a job fails, one whose process dies, one that meets a damaged library."""

from __future__ import annotations

import os
import sqlite3
import time

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import Progress


class OddLibraryError(AnomalizerError):
    """A job's own error class: it comes back as itself."""


def count_loops(store, steps: int, cancel=None):
    for step in range(1, steps + 1):
        yield Progress(step, steps, "counting")
    return {
        "loops": store.execute("SELECT COUNT(*) FROM samples").fetchone()[0],
        "pid": os.getpid(),
    }


def until_cancelled(store, cancel=None):
    while not cancel.cancelled:
        time.sleep(0.01)
        yield Progress(0, 10, f"waiting in {os.getpid()}")
    return "cancelled"


def fails(store, cancel=None):
    yield Progress(0, 1, "about to fail")
    raise OddLibraryError("the library holds no loops of that kind")


def dies(store, cancel=None):
    yield Progress(0, 1, "about to die")
    os._exit(3)


def meets_damage(store, cancel=None):
    yield Progress(0, 1, "reading")
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = 11  # SQLITE_CORRUPT, as SQLite sets it
    raise error


def writes_then_waits(store, cancel=None):
    """Writes to the library, then holds it open until cancelled (so that the parent can
    open and close the library meanwhile)."""
    with store.transaction() as db:
        db.execute("CREATE TABLE IF NOT EXISTS written(x)")
        db.executemany("INSERT INTO written VALUES (?)", [(i,) for i in range(5000)])
    yield Progress(0, 1, "written")
    while not cancel.cancelled:
        time.sleep(0.01)
    return "closed"
