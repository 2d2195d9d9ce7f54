"""Long work as generators: yield `Progress`, return a result, stop when cancelled.

A job is a generator function. It yields small `Progress` records between items and returns its
summary (the generator's return value). Callers either iterate it themselves (the GUI worker turns
each yield into a signal) or call `run_job`, which also hands back the return value. Cancelling is
cooperative: the job checks a `CancelToken` between items and returns a partial summary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from itertools import accumulate
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


#: Progress units of a job made of weighted parts (see `as_part`)
WHOLE = 10_000


def parts_of(weights: list[float]) -> list[tuple[float, float]]:
    """(start, share) of each part of a job whose parts take time in proportion to `weights`,
    as fractions of the whole job."""
    total = float(sum(weights)) or 1.0
    starts = accumulate(weights[:-1], initial=0.0)
    return [(start / total, weight / total) for start, weight in zip(starts, weights, strict=True)]


def as_part(
    job: Job[R], part: tuple[float, float], label: Callable[[str], str] | None = None
) -> Job[R]:
    """Run `job` as the part (start, share) of a larger one (`parts_of`): its Progress is
    counted over the whole, in WHOLE units, so one progress bar and its time-left estimate run
    once across all the parts instead of starting over in each (the fifth network of a Deep
    SVDD ensemble said "2 % · 9 min left" with a minute to go). The count never goes back; a
    report without a total keeps the count where it is. `label` rewrites the messages."""
    start, share = part
    reached = start

    def recount(progress: Progress) -> Progress:
        nonlocal reached
        if progress.fraction is not None:
            reached = max(reached, start + share * progress.fraction)
        message = label(progress.message) if label is not None else progress.message
        return Progress(round(reached * WHOLE), WHOLE, message)

    return (yield from relabelled(job, recount))


def throttled(job: Job[R], per_second: float = 20) -> Job[R]:
    """`job` with at most `per_second` of its Progress passed on (and always its last step of
    a total): a window redraws no more often, and a report across processes costs a message.
    Closing this closes `job`."""
    last = float("-inf")
    try:
        while True:
            try:
                step = next(job)
            except StopIteration as stop:
                return stop.value
            now = time.monotonic()
            if now - last >= 1 / per_second or step.done == step.total:
                last = now
                yield step
    finally:
        job.close()
