"""Libraries made from test audio for tests of both the core and the window."""

from __future__ import annotations

from pathlib import Path

from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


def embedded_library(path: Path, root: Path, detector: str | None = None) -> Path:
    """A library at `path` of the loops in `root`, scanned and embedded (dsp, one worker),
    and trained with `detector` when one is named; returns `path`."""
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        if detector is not None:
            run_job(train(store, ModelSpec(detector), "dsp"))
    return path
