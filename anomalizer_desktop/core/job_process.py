"""Run a library job in a process of its own, as a job of this process: its Progress, its
result and its errors come back, and Cancel reaches it.

For jobs whose memory and imports should not stay with the window: drawing the sound map of
100,000 loops held about 0.5 GB more at its peak, and kept 110 MB of it after a 20,000-loop map
(freed memory the allocator keeps), in the app's own process, and training the default
detector on 20,000 loops 431 MB, keeping 212 MB; their Python parts shared the window's
interpreter lock. In a process of its own all of that goes when it ends.

The job is a top-level function `job(store, *args, cancel=...)` returning a core job; the child
opens the library itself (SQLite in WAL mode lets the window read and write meanwhile) and ends
when its parent has gone (`core.parallel.watch_parent`).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import astuple
from multiprocessing.connection import Connection

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.job_failure import job_failure
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, run_job, throttled
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store

#: how long the parent waits for a message before it checks Cancel and the child again
POLL_SECONDS = 0.1


class JobProcessError(AnomalizerError):
    """The job's process stopped without an answer (killed, out of memory, a crash)."""


class _EventCancel:
    """The child's CancelToken: the parent's Cancel, through a shared event."""

    def __init__(self, event) -> None:
        self._event = event

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def run_in_process(
    job: Callable[..., Job],
    library_path: str,
    args: tuple = (),
    cancel: CancelToken | None = None,
    what: str = "the job",
    kwargs: dict | None = None,
) -> Job:
    """Run `job(Store(library_path), *args, cancel=..., **kwargs)` in a spawned process; yield its
    Progress and return its result. An AnomalizerError in the child is raised here with its
    message (as its own class when that can be rebuilt from the message; a damaged library as
    LibraryDamagedError), a bug as an AnomalizerError with the child's traceback, and a child
    that dies as JobProcessError naming `what`. Closing this job stops the child."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(sender, stop, library_path, job, args, kwargs or {}, os.getpid()),
        name="anomalizer job",
        daemon=True,
    )
    child.start()
    sender.close()  # the child holds the only writing end: its death ends the pipe
    finished = False
    try:
        while True:
            if cancel is not None and cancel.cancelled:
                stop.set()
            if not receiver.poll(POLL_SECONDS):
                if not child.is_alive() and not receiver.poll():
                    raise _died(child, what)
                continue
            try:
                kind, *payload = receiver.recv()
            except EOFError:
                raise _died(child, what) from None
            if kind == "progress":
                yield Progress(*payload)
            elif kind == "done":
                finished = True
                return payload[0]
            elif kind == "damaged":
                raise LibraryDamagedError(*payload)
            else:
                raise _rebuilt(*payload)
    finally:
        stop.set()
        receiver.close()
        if finished:  # it has let go of the library and only has to exit: not waited for
            threading.Thread(target=_reap, args=(child,), daemon=True).start()
        else:
            _reap(child, wait_s=5)


def _reap(child, wait_s: float = 30) -> None:
    """Wait for `child` to exit, and end it if it has not within `wait_s`."""
    child.join(timeout=wait_s)
    if child.is_alive():
        child.kill()
        child.join()


def _died(child, what: str) -> JobProcessError:
    child.join(timeout=1)
    code = child.exitcode
    if code is None:
        how = "it stopped answering"
    else:
        how = f"exit code {code}" if code >= 0 else f"signal {-code}"
    return JobProcessError(f"{what} stopped unexpectedly ({how})")


def _rebuilt(error_class: type, message: str, in_window: str | None) -> AnomalizerError:
    try:
        error = error_class(message)
    except Exception:  # its own arguments are not just a message
        error = AnomalizerError(message)
    error.in_window = in_window
    return error


def _child(
    sender: Connection,
    stop,
    library_path: str,
    job: Callable,
    args: tuple,
    kwargs: dict,
    parent: int,
) -> None:
    from anomalizer_desktop.core.parallel import watch_parent

    watch_parent(parent)
    try:
        with Store(library_path) as store:
            steps = throttled(job(store, *args, cancel=_EventCancel(stop), **kwargs))
            result = run_job(steps, lambda step: sender.send(("progress", *astuple(step))))
        # the library is let go of before the parent hears: what it reads next is all written
        sender.send(("done", result))
    except Exception as error:
        failure = job_failure(error, library_path)
        if failure.damaged is not None:
            sender.send(("damaged", failure.damaged.path, failure.damaged.reason))
        else:
            sender.send(("error", failure.kind, failure.message, failure.in_window))
    finally:
        sender.close()
