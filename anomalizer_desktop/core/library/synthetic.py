"""A library of made-up loops, for benchmarks: its size and shape, without any audio.

Rows of random vectors as wide as the DSP embedder's, a run of scores, and a flag on every 25th
loop: what `bench gui` and `bench library` measure on.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def build_synthetic_library(path: Path, rows: int, dim: int | None = None, seed: int = 0) -> None:
    """A library of `rows` loops with random vectors as wide as the DSP embedder's (it was 64
    wide until 2026-11-29, which understated the map's and likeness's cost about 2-fold)."""
    from anomalizer_desktop.core.embedding.dsp_features import FEATURE_DIM
    from anomalizer_desktop.core.library.store import Store

    dim = dim or FEATURE_DIM
    rng = np.random.default_rng(seed)
    now = time.time()
    with Store(path) as store, store.transaction() as db:
        db.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/bench', ?)", (now,))
        db.executemany(
            "INSERT INTO samples(id, path, root_id, size, mtime_ns, content_hash, duration,"
            " sample_rate, channels, status, first_seen, last_seen)"
            " VALUES (?, ?, 1, 1000, 1, ?, ?, 44100, 2, 'ok', ?, ?)",
            (
                (i, f"/bench/pack_{i % 97:02d}/loop_{i:06d}.wav", f"h{i}", 1 + (i % 16), now, now)
                for i in range(1, rows + 1)
            ),
        )
        vectors = rng.standard_normal((rows, dim)).astype(np.float32)
        db.executemany(
            "INSERT INTO features VALUES (?, 'dsp', ?, ?, ?, ?)",
            ((i + 1, _dsp_version(), dim, vectors[i].tobytes(), now) for i in range(rows)),
        )
        run = db.execute(
            "INSERT INTO runs(created_at, detector, embedder) VALUES (?, 'bench', 'dsp')", (now,)
        ).lastrowid
        scores = rng.gamma(2.0, 1.0, rows)
        db.executemany(
            "INSERT INTO scores VALUES (?, ?, ?, ?)",
            (
                (
                    run,
                    i + 1,
                    float(scores[i]),
                    float(100 * (scores[i] < scores).mean() if rows <= 2000 else 50.0),
                )
                for i in range(rows)
            ),
        )
        db.executemany(
            "INSERT INTO user_data(sample_id, flag, updated_at) VALUES (?, ?, ?)",
            ((i, "unusual" if i % 50 == 0 else "typical", now) for i in range(1, rows + 1, 25)),
        )


def _dsp_version() -> str:
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    return DspEmbedder.version
