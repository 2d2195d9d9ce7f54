"""How the CLI talks: progress bars on stderr, one JSON document or a readable table on stdout."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TypeVar

from tqdm import tqdm

from anomalizer_desktop.core.jobs import WHOLE, Job, Progress, run_job
from anomalizer_desktop.core.text import one_line

R = TypeVar("R")


#: the bar of a job counted in parts of WHOLE: percent and time, no counts of files
_PARTS_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}{postfix}]"


def _bar(label: str, quiet: bool) -> tqdm:
    """A progress bar on stderr, counting files (hidden when stderr is not a terminal)."""
    return tqdm(
        desc=label,
        unit="file",
        file=sys.stderr,
        disable=True if quiet else None,
        dynamic_ncols=True,
        leave=False,
    )


def drive(job: Job[R], label: str, quiet: bool = False) -> R:
    """Run a core job with a progress bar on stderr (hidden when stderr is not a terminal)."""
    bar = _bar(label, quiet)

    def show(progress: Progress) -> None:
        if progress.total and bar.total != progress.total:
            # a job of weighted parts (training) counts in WHOLE units, not files
            bar.bar_format = _PARTS_FORMAT if progress.total == WHOLE else None
            bar.reset(total=progress.total)
        bar.n = progress.done
        bar.set_postfix_str(progress.message[:40], refresh=False)
        bar.refresh()

    try:
        return run_job(job, show)
    finally:
        bar.close()


@contextlib.contextmanager
def counting_bar(label: str, quiet: bool = False):
    """A progress bar on stderr for work that reports (done, total) through a callback (a
    folder of copies); yields that callback."""
    bar = _bar(label, quiet)

    def show(done: int, total: int) -> None:
        if bar.total != total:
            bar.reset(total=total)
        bar.n = done
        bar.refresh()

    try:
        yield show
    finally:
        bar.close()


def print_json(data: object) -> None:
    """JSON on stdout: a list one item per line (json's indenting encoder is pure Python: a
    100k-loop `list --json` spent 4 of its 5.7 s in it), anything else indented."""
    if not isinstance(data, list):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    items = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in data)
    sys.stdout.write(f"[\n  {items}\n]\n" if data else "[]\n")


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def print_problems(problems: list[tuple[str, str]], limit: int = 20) -> None:
    """List per-file problems on stderr (the job still succeeded)."""
    for path, message in problems[:limit]:
        warn(f"  ! {one_line(path)}: {one_line(message)}")
    if len(problems) > limit:
        warn(f"  ... and {len(problems) - limit} more (see `anomalizer list --status error`)")


def format_table(rows: list[list[str]], headers: list[str]) -> str:
    """Columns padded to line up, one line a row (a name or note with a newline or tab in it
    has it escaped: `text.one_line`)."""
    rows = [[one_line(cell) for cell in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
