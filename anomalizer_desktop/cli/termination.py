"""SIGTERM ends a command as Ctrl+C does: with its clean-up.

`kill PID`, a systemd timer's stop or a logout send SIGTERM, whose default action ends the
process at once: no `finally`, no `atexit`. The library needs no clean-up (every write is a
transaction), but the rest did: a CLAP embed's clip slots stayed in /dev/shm (123 MB) until
the next embed removed them, and its decoding workers idled until their watchdog noticed. Here
SIGTERM raises `Terminated` in the main thread instead, which unwinds like KeyboardInterrupt:
open transactions roll back, pools shut down, temporary files go, and the command exits 143
(128 + SIGTERM, what a shell reports for a process ended by it).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: the exit status of a command ended by SIGTERM
EXIT_TERMINATED = 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived. A KeyboardInterrupt, so `except Exception` never swallows it and
    whatever cleans up after Ctrl+C cleans up after this too."""


def _raise_terminated(_signum, _frame) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (in the main thread only, where Python runs
    signal handlers; elsewhere, and where SIGTERM is ignored, nothing changes). The previous
    handler comes back on the way out."""
    number = getattr(signal, "SIGTERM", None)
    if number is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(number)
    if previous is signal.SIG_IGN:  # started with SIGTERM ignored (nohup-like): keep it so
        yield
        return
    signal.signal(number, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(number, previous)
