"""Run the core's generator jobs in a Qt worker thread: the one place threads start.

A job factory gets a fresh Store opened in the worker thread (SQLite connections belong to one
thread) and a CancelToken, and returns the core generator. Each Progress becomes a signal; the
result or the error comes back by signal too. Widgets are never touched from the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from anomalizer_desktop.core.gc_freeze import freeze_after_imports
from anomalizer_desktop.core.import_lock import serialize_imports
from anomalizer_desktop.core.job_failure import job_failure
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, run_job, throttled
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store

JobFactory = Callable[[Store, CancelToken], Job]


class _Worker(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    damaged = Signal(str, str)  # the library is damaged: SQLite's reason, then the message

    def __init__(self, library_path: str, factory: JobFactory, cancel: CancelToken) -> None:
        super().__init__()
        self._library_path = library_path
        self._factory = factory
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            with Store(self._library_path) as store:
                steps = throttled(self._factory(store, self._cancel))
                self.finished.emit(run_job(steps, self._report))
        except Exception as error:
            failure = job_failure(error, self._library_path)
            if failure.damaged is not None:
                self._damaged(failure.damaged)
            else:
                self.failed.emit(failure.window_text())

    def _report(self, step: Progress) -> None:
        self.progress.emit(step.done, step.total, step.message)

    def _damaged(self, error: LibraryDamagedError) -> None:
        """A read or write met a damaged page: the window offers to repair, and the job
        fails as any job does (`failed` comes after `damaged`, with the same message)."""
        self.damaged.emit(error.reason, str(error))
        self.failed.emit(str(error))


class JobHandle(QObject):
    """One running job: connect to its signals; `cancel()` asks it to stop between items."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    damaged = Signal(str, str)  # the library is damaged: reason, message (failed follows)
    done = Signal()  # after finished or failed, when the thread has stopped

    def __init__(self, kind: str, library_path: str, factory: JobFactory, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.started_at = time.monotonic()
        self.token = CancelToken()
        self.thread = QThread()
        self.worker = _Worker(library_path, factory, self.token)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self.finished)
        self.worker.failed.connect(self.failed)
        self.worker.damaged.connect(self.damaged)
        # directly, in the worker's thread (quit is thread-safe): queued to the window's thread,
        # a window waiting for the job (cancel_all as it closes) never let the quit through and
        # waited its whole 10 s
        direct = Qt.ConnectionType.DirectConnection
        self.worker.finished.connect(self.thread.quit, direct)
        self.worker.failed.connect(self.thread.quit, direct)
        self.thread.finished.connect(self.done)

    def start(self) -> None:
        serialize_imports()  # another job may be importing too (core.import_lock)
        self.thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        return self.thread.wait(ms)


class JobRunner(QObject):
    """Starts jobs, one of a kind at a time, and keeps them alive while they run."""

    started = Signal(object)  # JobHandle
    damaged = Signal(str, str)  # a job found the library damaged: reason, message

    def __init__(self, library_path: str, parent=None) -> None:
        super().__init__(parent)
        self.library_path = library_path
        self._running: dict[str, JobHandle] = {}

    def running(self, kind: str) -> JobHandle | None:
        return self._running.get(kind)

    def any_running(self) -> bool:
        return bool(self._running)

    def start(self, kind: str, factory: JobFactory) -> JobHandle | None:
        """Start a job of `kind`, or return None when one of that kind is already running."""
        if kind in self._running:
            return None
        handle = JobHandle(kind, self.library_path, factory, self)
        self._running[kind] = handle
        handle.damaged.connect(self.damaged)
        handle.done.connect(lambda: self._running.pop(kind, None))
        # a job may have imported torch or scikit-learn: their objects out of full GC passes
        handle.done.connect(freeze_after_imports)
        self.started.emit(handle)
        handle.start()
        return handle

    def cancel_all(self, wait_ms: int = 10_000) -> None:
        for handle in list(self._running.values()):
            handle.cancel()
        for handle in list(self._running.values()):
            handle.wait(wait_ms)
