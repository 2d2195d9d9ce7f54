"""`anomalizer bench library`: what a library's safety nets cost at size.

On a made-up library (`synthetic`, built in a child process so that its memory is not counted
here): writing the flags' backup, sending 300 loops to the trash and Ctrl+Z bringing them
back (the library's part: their rows kept and deleted, then put back), SQLite's quick check on
the sound file and on one with damaged pages, repairing it (time, and this process's peak
memory, which is the check's and the repair's alone), and last Remove folder of its one
library folder (the window waits for it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.damaged_file import find_damage
from anomalizer_desktop.core.library.kept_rows import forget_kept, restore, run_ids
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.synthetic import build_synthetic_library

#: the tables whose leaf pages are written over
_DAMAGED_TABLES = ("samples", "features", "scores")


def bench_library(
    rows: int = 100_000, dim: int | None = None, damaged_pages: int = 3, seed: int = 0
) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        library = Path(folder) / "bench.sqlite"
        start = time.perf_counter()
        spawn = multiprocessing.get_context("spawn")
        builder = spawn.Process(target=build_synthetic_library, args=(library, rows, dim, seed))
        builder.start()
        builder.join()
        report: dict = {
            "rows": rows,
            "build_s": round(time.perf_counter() - start, 2),
            "file_mb": round(library.stat().st_size / 1e6, 1),
        }
        with Store(library) as store:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                report["flags_in_backup"] = store.save_flag_backup()
                times.append(time.perf_counter() - start)
        report["flag_backup_ms"] = round(1000 * statistics.median(times), 1)
        with Store(library) as store:
            report.update(_out_and_back(store, min(LEAVING, rows // 2)))
        start = time.perf_counter()
        sound = find_damage(library)
        report["check_sound_s"] = round(time.perf_counter() - start, 6)
        report["sound_found"] = sound
        report["damaged_pages"] = _damage(library, damaged_pages, seed)
        start = time.perf_counter()
        found = find_damage(library)
        report["check_damaged_s"] = round(time.perf_counter() - start, 6)
        report["damage_found"] = (found or "nothing").splitlines()[0]
        start = time.perf_counter()
        outcome = run_job(repair_library(library))
        report["repair_s"] = round(time.perf_counter() - start, 2)
        report["kept"] = {name: table.kept for name, table in outcome.tables.items()}
        report["lost"] = {
            name: {"dropped": table.dropped, "stretches": table.stretches}
            for name, table in outcome.tables.items()
            if table.dropped or table.stretches
        }
        report["restored_flags"] = outcome.restored_flags
        report["after_repair_found"] = find_damage(library)
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        with Store(library) as store:  # last: Remove folder of the folder that holds them all
            start = time.perf_counter()
            report["folder_removed_loops"] = store.remove_root(store.roots()[0][0])
            report["remove_folder_s"] = round(time.perf_counter() - start, 2)
    return report


#: loops sent to the trash (or moved out of the library) at once, and brought back by Ctrl+Z
LEAVING = 300


def _out_and_back(store: Store, count: int) -> dict:
    """What the library's part of sending `count` loops to the trash costs (their rows read
    and kept, then deleted: the window waits for it), and of Ctrl+Z putting them back; the
    rows are back as they were afterwards."""
    ids = [i for (i,) in store.execute("SELECT id FROM samples ORDER BY id LIMIT ?", (count,))]
    paths = dict(store.execute("SELECT id, path FROM samples WHERE id <= ?", (max(ids),)))
    roots = dict(store.execute("SELECT id, root_id FROM samples WHERE id <= ?", (max(ids),)))
    start = time.perf_counter()
    kept = forget_kept(store, ids)
    out_ms = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    runs = run_ids(store)
    for sample_id in ids:
        with store.transaction() as db:
            restore(db, kept, sample_id, paths[sample_id], roots[sample_id], runs)
    back_ms = 1000 * (time.perf_counter() - start)
    return {
        "loops_out": len(ids),
        "out_ms": round(out_ms, 1),
        "back_ms": round(back_ms, 1),
        "kept_rows": sum(len(rows) for _, rows in kept.tables.values()),
    }


def _damage(library: Path, pages: int, seed: int) -> list[int]:
    """Write random bytes over `pages` leaf pages of the big tables, as a disk fault would."""
    with contextlib.closing(sqlite3.connect(library)) as db:
        leaves = [
            page
            for (page,) in db.execute(
                "SELECT pageno FROM dbstat WHERE pagetype = 'leaf' AND name IN"
                f" ({', '.join('?' * len(_DAMAGED_TABLES))}) ORDER BY pageno",
                _DAMAGED_TABLES,
            )
        ]
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
    rng = np.random.default_rng(seed)
    chosen = sorted(int(p) for p in rng.choice(leaves, size=min(pages, len(leaves)), replace=False))
    with open(library, "r+b") as handle:
        for page in chosen:
            handle.seek((page - 1) * page_size)
            handle.write(rng.bytes(page_size))
    return chosen
