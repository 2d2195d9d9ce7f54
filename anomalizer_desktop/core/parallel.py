"""Map a function over items in worker processes, results in completion order, cancellable.

Workers are spawned (not forked: forking next to the GUI's threads is unsafe) and keep at most
4 tasks each in flight, so memory stays bounded however long the list. Small jobs run in-process,
because starting workers costs about a second.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from anomalizer_desktop.core.jobs import CancelToken

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items the pool's start-up costs more than it saves.
MIN_ITEMS_FOR_POOL = 8


class WorkerCrashed(RuntimeError):
    """A worker process died while handling an item (reported for that item only)."""


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def usable_cores() -> int:
    """The cores this process may use: its affinity where the system has one (a container or
    `taskset` may give it fewer than the machine has), else every core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def watch_parent(parent_pid: int, every_s: float = 1.0) -> None:
    """In a worker process: end it when its parent has gone. A worker waits on its task queue,
    which it holds open itself, so a parent killed (kill -9, a crash) left its workers idle for
    good, holding their memory; a thread checking once a second who the parent is ends them.
    (On Windows a process keeps its parent's id, so there this never fires.)"""

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _init(initializer: Callable | None, initargs: tuple, parent_pid: int) -> None:
    watch_parent(parent_pid)
    # One BLAS/OpenMP thread per worker: the parallelism is across files, and numpy has already
    # loaded its BLAS by now (unpickling this call imported it), so environment variables would
    # come too late; threadpoolctl limits the live thread pools.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if initializer is not None:
        initializer(*initargs)


def parallel_map(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int | None = None,
    initializer: Callable | None = None,
    initargs: tuple = (),
    cancel: CancelToken | None = None,
    min_items_for_pool: int = MIN_ITEMS_FOR_POOL,
) -> Iterator[tuple[T, R | WorkerCrashed]]:
    """Yield (item, func(item)) as results arrive; a crashed worker yields WorkerCrashed.

    `func` and `initializer` must be importable top-level functions. On cancel, no new items start
    and the generator ends once the running ones are done.
    """
    items = list(items)
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < min_items_for_pool:
        from threadpoolctl import threadpool_limits

        if initializer is not None:
            initializer(*initargs)
        for item in items:
            if cancel is not None and cancel.cancelled:
                return
            # one BLAS thread, as in the workers: the same file gives the same vector to the bit
            with threadpool_limits(1):
                result = func(item)
            yield item, result
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        min(workers, len(items)),
        mp_context=context,
        initializer=_init,
        initargs=(initializer, initargs, os.getpid()),
    )
    pending: dict[Future, T] = {}
    queue = iter(items)
    try:
        while True:
            while len(pending) < 4 * workers and not (cancel is not None and cancel.cancelled):
                item = next(queue, _END)
                if item is _END:
                    break
                try:
                    pending[pool.submit(func, item)] = item
                except RuntimeError:  # the pool broke (a worker died): report the rest
                    yield item, WorkerCrashed("the worker process stopped unexpectedly")
            if not pending:
                return
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                try:
                    yield item, future.result()
                except Exception as error:
                    yield item, WorkerCrashed(f"the worker process stopped unexpectedly ({error})")
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()
