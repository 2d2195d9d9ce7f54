"""A library of made-up loops, for benchmarks: its size and shape, without any audio.

Rows of random vectors as wide as the DSP embedder's, two runs of scores (a library trained,
then retrained), a flag on every 25th loop and, when asked, tags on every n-th: what
`bench gui` and `bench library` measure on.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def build_synthetic_library(
    path: Path, rows: int, dim: int | None = None, seed: int = 0, tagged_every: int = 0
) -> None:
    """A library of `rows` loops with random vectors as wide as the DSP embedder's (it was 64
    wide until 2026-11-29, which understated the map's and likeness's cost about 2-fold), in
    about 5,000 folders of 97 packs (`_bench_path`); with `tagged_every`, every n-th loop has
    two or three tags of a hundred or so (its pack's, a song's, and "keep" on some), as a
    producer's tagging might leave them."""
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
            ((i, _bench_path(i), f"h{i}", 1 + (i % 16), now, now) for i in range(1, rows + 1)),
        )
        vectors = rng.standard_normal((rows, dim)).astype(np.float32)
        db.executemany(
            "INSERT INTO features VALUES (?, 'dsp', ?, ?, ?, ?)",
            ((i + 1, _dsp_version(), dim, vectors[i].tobytes(), now) for i in range(rows)),
        )
        scores = rng.gamma(2.0, 1.0, rows)
        # trained twice, as a library retrained with flags: the run before scored each loop a
        # little apart, so some loops crossed the unusual cut (the table marks them)
        earlier = scores + np.random.default_rng(seed + 1).normal(0.0, 0.05, rows)
        for run_scores in (earlier, scores):
            run = db.execute(
                "INSERT INTO runs(created_at, detector, embedder, threshold)"
                " VALUES (?, 'bench', 'dsp', ?)",
                (now, float(np.quantile(run_scores, 0.95)) if rows else None),
            ).lastrowid
            # percentiles spread over 0-100 as a trained library's are (the map colours by them)
            percentiles = 100.0 * np.argsort(np.argsort(run_scores)) / max(rows, 1)
            db.executemany(
                "INSERT INTO scores VALUES (?, ?, ?, ?)",
                ((run, i + 1, float(run_scores[i]), float(percentiles[i])) for i in range(rows)),
            )
        db.executemany(
            "INSERT INTO user_data(sample_id, flag, updated_at) VALUES (?, ?, ?)",
            ((i, "unusual" if i % 50 == 0 else "typical", now) for i in range(1, rows + 1, 25)),
        )
        if tagged_every:
            db.executemany(
                "INSERT INTO user_data(sample_id, tags, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(sample_id) DO UPDATE SET tags = excluded.tags",
                ((i, _bench_tags(i), now) for i in range(tagged_every, rows + 1, tagged_every)),
            )


#: the kinds of loop folder a pack of the bench library has
_KINDS = ("Drums", "Bass", "Keys", "FX")


def _bench_path(i: int) -> str:
    """Loop i's path: 97 packs, each with folders of a kind and a number ("Drums 7"), about
    5,000 folders at 100,000 loops (about 20 loops each; a library of sample packs has a
    folder per kind and tempo or key)."""
    return f"/bench/pack_{i % 97:02d}/{_KINDS[i % 4]} {i % 13}/loop_{i:06d}.wav"


def _dsp_version() -> str:
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    return DspEmbedder.version


def _bench_tags(i: int) -> str:
    """A made-up loop's tags, stored as the library stores them (sorted, ", "-joined)."""
    from anomalizer_desktop.core.library.user_tags import stored_tags

    tags = [f"pack {i % 97:02d}", f"song-{i % 7}"] + (["keep"] if i % 5 == 0 else [])
    return stored_tags(tags)
