"""What a library job's failure tells the producer: one reading for the window's worker thread
(`ui.workers`) and a job's own process (`core.job_process`), so that both say the same.

A damaged library (SQLite's "database disk image is malformed") is not a bug: it comes with the
LibraryDamagedError the window answers with its repair question. Errors of ours and of the
system (no permission, a full drive) are their message; anything else is a bug, said as such
with its traceback for a report.
"""

from __future__ import annotations

import sqlite3
import traceback
from dataclasses import dataclass

from anomalizer_desktop.core.errors import AnomalizerError, os_error_text
from anomalizer_desktop.core.library.schema import is_damage
from anomalizer_desktop.core.library.store import LibraryDamagedError, damaged


@dataclass(frozen=True)
class JobFailure:
    """`message` for people; `damaged` when the library is; `kind`: the error's own class
    when it is one of ours (so another process can raise it again); `in_window`: the message
    as the window says it (`AnomalizerError.in_window`), None where the words are the same."""

    message: str
    damaged: LibraryDamagedError | None = None
    kind: type[AnomalizerError] = AnomalizerError
    in_window: str | None = None

    def window_text(self) -> str:
        """The message as the window says it."""
        return self.in_window if self.in_window is not None else self.message


def job_failure(error: Exception, library_path: str) -> JobFailure:
    """Read `error`, met by a job on the library at `library_path` (call it in the `except`
    block: a bug's message carries the traceback being handled)."""
    if isinstance(error, LibraryDamagedError):
        return JobFailure(str(error), damaged=error)
    if isinstance(error, AnomalizerError):
        return JobFailure(str(error), kind=type(error), in_window=error.in_window)
    if isinstance(error, OSError):  # no permission, a full drive, a device gone: not a bug
        return JobFailure(os_error_text(error))
    if isinstance(error, sqlite3.DatabaseError) and is_damage(error):  # not a bug either
        found = damaged(library_path, error)
        return JobFailure(str(found), damaged=found)
    return JobFailure(f"unexpected error: {error!r}\n{traceback.format_exc()}")
