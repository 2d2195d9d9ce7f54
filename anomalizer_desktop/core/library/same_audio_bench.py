"""`anomalizer bench same-audio`: what looking for the same audio in other files costs.

On a made-up library of `rows` loops (random vectors in 16 lengths, `synthetic`) with TWINS
pairs planted among them: real audio files, each pair one recording as a float WAV and a
16-bit FLAC. Reported: the first check (reading the vectors, the search among loops of one
length, decoding and comparing the pairs it picks), a check with nothing new (every reload's
cost once the window has looked), a check after NEW loops came in, and the peak memory.
"""

from __future__ import annotations

import hashlib
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.same_audio import check_same_audio, same_audio_listing
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.synthetic import build_synthetic_library

#: pairs of real files planted (one recording in two files each)
TWINS = 20
#: loops that come in after the first check
NEW = 100
#: the planted loops' length: one of the made-up library's 16
SECONDS = 4.0
RATE = 44_100


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recording(seed: int) -> np.ndarray:
    """A few seconds of stereo noise bursts with a floor, a recording of its own per seed."""
    rng = np.random.default_rng(seed)
    n = int(SECONDS * RATE)
    envelope = np.repeat(rng.uniform(0.05, 1.0, 32), -(-n // 32))[:n]
    return (0.3 * envelope[:, None] * rng.standard_normal((n, 2))).astype(np.float32)


def _plant(store: Store, folder: Path, first_id: int, pairs: int, dim: int) -> None:
    """Write `pairs` twin pairs into `folder` and put them in the library as loops of the same
    length with near vectors (as the embedder gives one recording in two files)."""
    rng = np.random.default_rng(first_id)
    version = store.execute("SELECT version FROM features LIMIT 1").fetchone()[0]
    now = time.time()
    with store.transaction() as db:
        for pair in range(pairs):
            audio = _recording(first_id + pair)
            vector = rng.standard_normal(dim).astype(np.float32)
            for copy, (suffix, subtype) in enumerate((("wav", "FLOAT"), ("flac", "PCM_16"))):
                path = folder / f"twin_{first_id + pair}_{copy}.{suffix}"
                sf.write(path, audio, RATE, subtype=subtype)
                digest = hashlib.sha1(path.read_bytes()).hexdigest()
                sample_id = first_id + 2 * pair + copy
                db.execute(
                    "INSERT INTO samples(id, path, root_id, size, mtime_ns, content_hash,"
                    " duration, sample_rate, channels, status, first_seen, last_seen)"
                    " VALUES (?, ?, 1, 1000, 1, ?, ?, ?, 2, 'ok', ?, ?)",
                    (sample_id, str(path), digest, SECONDS, RATE, now, now),
                )
                near = vector + rng.normal(0, 0.02, dim).astype(np.float32)
                db.execute(
                    "INSERT INTO features VALUES (?, 'dsp', ?, ?, ?, ?)",
                    (sample_id, version, dim, near.tobytes(), now),
                )


def _timed_check(store: Store) -> dict:
    before = time.perf_counter()
    checked = run_job(check_same_audio(store, "dsp"))
    return {
        "s": round(time.perf_counter() - before, 2),
        "compared": checked.compared,
        "same": checked.same,
    }


def bench_same_audio(rows: int = 100_000) -> dict:
    report: dict = {"rows": rows, "twins_planted": TWINS}
    with tempfile.TemporaryDirectory(prefix="anomalizer-bench-same-") as work:
        library = Path(work) / "bench.sqlite"
        build_synthetic_library(library, rows)
        with Store(library) as store:
            with store.transaction() as db:  # the made-up loops' hashes as a scan writes them
                db.execute("UPDATE samples SET content_hash = printf('%040d', id)")
            dim = store.execute("SELECT dim FROM features LIMIT 1").fetchone()[0]
            _plant(store, Path(work), rows + 1, TWINS, dim)
            before = _peak_mb()
            report["first_check"] = _timed_check(store)
            report["check_peak_mb_over_before"] = round(max(0.0, _peak_mb() - before), 1)
            report["nothing_new"] = _timed_check(store)
            _plant(store, Path(work), rows + 2 * TWINS + 1, NEW // 2, dim)
            report[f"after_{NEW}_new"] = _timed_check(store)
            report["groups_found"] = len(same_audio_listing(store))
    report["peak_rss_mb"] = round(_peak_mb(), 1)
    return report
