"""SIGTERM and SIGHUP end a command as Ctrl+C does: with its clean-up.

`kill PID`, a systemd timer's stop or a logout send SIGTERM, and closing the terminal a command
runs in sends SIGHUP; the default action of both ends the process at once: no `finally`, no
`atexit`. The library needs no clean-up (every write is a transaction), but the rest did: a
CLAP embed's clip slots stayed in /dev/shm (123 MB) until the next embed removed them, and its
decoding workers idled until their watchdog noticed. Here either signal raises `Terminated` in
the main thread instead, which unwinds like KeyboardInterrupt: open transactions roll back,
pools shut down, temporary files go, and the command exits 128 + the signal's number (143 for
SIGTERM, 129 for SIGHUP: what a shell reports for a process ended by it).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: the signals that end a command with its clean-up (SIGHUP does not exist on Windows)
SIGNALS = ("SIGTERM", "SIGHUP")


class Terminated(KeyboardInterrupt):
    """A signal asked the command to end. A KeyboardInterrupt, so `except Exception` never
    swallows it and whatever cleans up after Ctrl+C cleans up after this too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def _raise_terminated(signum, _frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def signals_unwind() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise Terminated (in the main thread only, where
    Python runs signal handlers; elsewhere nothing changes). A signal the command was started
    with ignored (`nohup` ignores SIGHUP) stays ignored. The previous handlers come back on
    the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            previous[number] = signal.signal(number, _raise_terminated)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
