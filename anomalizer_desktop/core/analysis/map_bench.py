"""`anomalizer bench map`: what the sound map costs on a made-up library of `rows` loops.

Reported: the drawing (neighbour search, then the t-SNE's iterations), its peak memory over
what the process held before, reading the kept map (a reload), placing loops embedded after
the drawing beside their neighbours, and the PCA map for comparison. The made-up vectors are
random: their t-SNE takes about as long as a real library's, though it shows no islands.
`busy` processes keep that many cores busy while the map is drawn: a DAW playing beside the
app, say (see `sound_map.gradient_threads`).
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.analysis.projection import library_map
from anomalizer_desktop.core.analysis.sound_map import PLACING_MESSAGE, draw_sound_map
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.synthetic import build_synthetic_library

#: the share of the library embedded again after the drawing (placed beside neighbours)
LATER_SHARE = 0.01


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """`count` processes that spin on the CPU until the block ends."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def bench_map(rows: int = 100_000, busy: int = 0) -> dict:
    report: dict = {"rows": rows, "busy_cores": busy}
    with tempfile.TemporaryDirectory(prefix="anomalizer-bench-map-") as work:
        library = Path(work) / "bench.sqlite"
        build_synthetic_library(library, rows)
        with Store(library) as store:
            before = _peak_mb()  # (the drawing first: the PCA map would raise the mark)
            marks: dict[str, float] = {}
            t = time.perf_counter()

            def seen(progress) -> None:
                if progress.message == PLACING_MESSAGE:
                    marks.setdefault("neighbours", time.perf_counter() - t)

            with busy_cores(busy):
                drawn = run_job(draw_sound_map(store, "dsp"), seen)
            report["draw_s"] = round(drawn.seconds, 1)
            report["neighbours_s"] = round(marks.get("neighbours", 0.0), 1)
            report["iterations_s"] = round(drawn.seconds - marks.get("neighbours", 0.0), 1)
            report["draw_peak_mb_over_before"] = round(max(0.0, _peak_mb() - before), 1)
            t = time.perf_counter()
            pca = library_map(store, "dsp", "pca")
            report["pca_map_s"] = round(time.perf_counter() - t, 2)
            del pca
            t = time.perf_counter()
            kept = library_map(store, "dsp", "sound")
            report["read_kept_map_s"] = round(time.perf_counter() - t, 2)
            # loops embedded again after the drawing: placed beside their nearest drawn loops
            version = embedder_info(store, "dsp").version
            again = kept.ids[:: max(1, int(1 / LATER_SHARE))]
            rng = np.random.default_rng(1)
            for sample_id in again.tolist():
                vector = rng.standard_normal(len(store.feature_vector(sample_id, "dsp")))
                store.put_features(sample_id, "dsp", version, vector.astype(np.float32))
            t = time.perf_counter()
            placed = library_map(store, "dsp", "sound")
            report["read_with_later_loops_s"] = round(time.perf_counter() - t, 2)
            report["later_loops"] = placed.placed
    report["peak_rss_mb"] = round(_peak_mb(), 1)
    return report
