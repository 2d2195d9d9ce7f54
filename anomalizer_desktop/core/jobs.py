"""Long work as generators: yield `Progress`, return a result, stop when cancelled.

A job is a generator function. It yields small `Progress` records between items and returns its
summary (the generator's return value). Callers either iterate it themselves (the GUI worker turns
each yield into a signal) or call `run_job`, which also hands back the return value. Cancelling is
cooperative: the job checks a `CancelToken` between items and returns a partial summary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job got: `done` of `total` items (total 0 = unknown), and what it is doing."""

    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float | None:
        """Done / total in [0, 1], or None when the total is unknown."""
        return min(1.0, self.done / self.total) if self.total else None


class CancelToken:
    """A thread-safe flag a job polls between items; set it from any thread to stop the job."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


Job = Generator[Progress, None, R]


def run_job(job: Job[R], on_progress: Callable[[Progress], Any] | None = None) -> R:
    """Drive `job` to the end, passing each Progress to `on_progress`; return the job's result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)


def relabelled(job: Job[R], relabel: Callable[[Progress], Progress]) -> Job[R]:
    """Run `job` inside another, passing each of its Progress records through `relabel` (e.g.
    to name the part of a larger job it is, or to count it within the whole); same result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        yield relabel(progress)
