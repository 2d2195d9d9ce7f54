"""Libraries for tests, and ways to damage their pages as a disk fault would."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.library.store import Store

DIM = 16


def library_with_loops(path: Path, loops: int = 300) -> Path:
    """A library of `loops` loops in two folders, each embedded and scored; the loops whose
    number ends in 0 are flagged unusual, with a note."""
    now = time.time()
    rng = np.random.default_rng(0)
    with Store(path) as store, store.transaction() as db:
        db.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/loops/a', ?)", (now,))
        db.execute("INSERT INTO roots(id, path, added_at) VALUES (2, '/loops/b', ?)", (now,))
        for i in range(1, loops + 1):
            folder = "a" if i % 2 else "b"
            db.execute(
                "INSERT INTO samples(id, path, root_id, size, status, first_seen, last_seen)"
                " VALUES (?, ?, ?, 1000, 'ok', ?, ?)",
                (i, f"/loops/{folder}/pack_{i % 3}/loop_{i:04d}.wav", 1 + (i % 2 == 0), now, now),
            )
            vector = rng.standard_normal(DIM).astype(np.float32).tobytes()
            db.execute(
                "INSERT INTO features VALUES (?, 'dsp', 'v1', ?, ?, ?)", (i, DIM, vector, now)
            )
            if i % 10 == 0:
                db.execute(
                    "INSERT INTO user_data(sample_id, flag, note, updated_at)"
                    " VALUES (?, 'unusual', 'odd one', ?)",
                    (i, now),
                )
        db.execute(
            "INSERT INTO runs(id, created_at, detector, embedder) VALUES (7, ?, 'k', 'd')", (now,)
        )
        db.executemany(
            "INSERT INTO scores VALUES (7, ?, ?, 50.0)",
            ((i, i / loops) for i in range(1, loops + 1)),
        )
    return path


def damage_pages_of(
    library: Path, table: str, leaves: int = 1, start: int | None = None
) -> list[int]:
    """Write garbage over `leaves` of the table's leaf pages, from the `start`-th (by default
    from the middle of the table); returns their page numbers."""
    with contextlib.closing(sqlite3.connect(library)) as db:
        pages = [
            page
            for (page,) in db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
                (table,),
            )
        ]
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
    assert len(pages) > leaves, f"{table} has too few pages to damage"
    start = len(pages) // 2 if start is None else start
    chosen = pages[start : start + leaves]
    with open(library, "r+b") as handle:
        for page in chosen:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xab" * page_size)
    return chosen


def damage_root_page_of(library: Path, table: str) -> None:
    with contextlib.closing(sqlite3.connect(library)) as db:
        (page,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
    with open(library, "r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(b"\xab" * page_size)
