"""The library's rows of some loops, read out before they are deleted and put back later.

A move out of the library deletes the loops' rows; keeping them (`forget_kept`) lets the move
be undone with everything the loops had (`left_loops.bring_back`): their vectors, scores,
place on the map, heard tempo, and the producer's flag, note, tags, tempo and key, under the
same ids where they are free.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field

from anomalizer_desktop.core.library.store import Store

#: the tables whose rows belong to one loop, by their `sample_id` (the loop's own row is
#: `samples`, by `id`); a table added later that holds such rows belongs here
LOOP_TABLES = (
    "features",
    "feature_errors",
    "user_data",
    "scores",
    "map_points",
    "heard_tempos",
)


#: loops per query when their rows are read
CHUNK = 500


@dataclass
class KeptRows:
    """Every table's rows of some loops: {table: (columns, rows)}, `samples` included."""

    tables: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)
    #: {table: {sample id: its rows}}, made at the first look
    _by_loop: dict[str, dict[int, list[tuple]]] = field(default_factory=dict, repr=False)

    def rows_of(self, table: str, sample_id: int) -> list[tuple]:
        if table not in self._by_loop:
            columns, rows = self.tables.get(table, ([], []))
            by_loop: dict[int, list[tuple]] = {}
            if columns:
                key = columns.index("id" if table == "samples" else "sample_id")
                for row in rows:
                    by_loop.setdefault(int(row[key]), []).append(row)
            self._by_loop[table] = by_loop
        return self._by_loop[table].get(int(sample_id), [])


def kept_rows(store: Store, sample_ids: list[int]) -> KeptRows:
    """The rows of these loops in every table that holds some (read before they are deleted)."""
    kept = KeptRows()
    ids = [int(i) for i in sample_ids]
    for table, key in (("samples", "id"), *((t, "sample_id") for t in LOOP_TABLES)):
        columns, rows = [], []
        for start in range(0, len(ids), CHUNK):  # (SQLite takes so many values per query)
            chunk = ids[start : start + CHUNK]
            cursor = store.execute(
                f"SELECT * FROM {table} WHERE {key} IN ({','.join('?' * len(chunk))})", chunk
            )
            columns = [d[0] for d in cursor.description]
            rows += cursor.fetchall()
        kept.tables[table] = (columns, rows)
    return kept


def run_ids(db: sqlite3.Connection | Store) -> set[int]:
    """The trainings the library holds now: only their kept scores can be put back."""
    return {run for (run,) in db.execute("SELECT id FROM runs")}


def restore(
    db: sqlite3.Connection,
    kept: KeptRows,
    sample_id: int,
    path: str,
    root_id: int,
    runs: set[int],
) -> int:
    """Put one loop's kept rows back, its row at `path` in library folder `root_id`, its
    scores of the trainings `runs` (`run_ids`, read once for all the loops put back); the id
    it has now (a new one when its own was taken meanwhile)."""
    columns, _ = kept.tables["samples"]
    (row,) = kept.rows_of("samples", sample_id)
    values = dict(zip(columns, row, strict=True))
    values.update(path=path, root_id=root_id)
    with contextlib.suppress(OSError):  # (a link that leads nowhere has no time)
        values["mtime_ns"] = os.stat(path).st_mtime_ns
    taken = db.execute("SELECT 1 FROM samples WHERE id = ?", (sample_id,)).fetchone()
    if taken:
        del values["id"]
    names = list(values)
    cursor = db.execute(
        f"INSERT INTO samples ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[n] for n in names],
    )
    now_id = int(cursor.lastrowid) if taken else sample_id
    for table in LOOP_TABLES:
        columns, _ = kept.tables.get(table, ([], []))
        for row in kept.rows_of(table, sample_id):
            values = dict(zip(columns, row, strict=True), sample_id=now_id)
            if table == "scores" and values["run_id"] not in runs:
                continue  # (a run deleted since: its scores went with it)
            names = list(values)
            db.execute(
                f"INSERT OR REPLACE INTO {table} ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))})",
                [values[n] for n in names],
            )
    return now_id


def forget_kept(store: Store, sample_ids: list[int]) -> KeptRows:
    """Delete these loops from the library (moved out of it, or to the trash), keeping their
    rows to put back (`restore`). Raises sqlite3.Error or StoreError where the library cannot
    be written (nothing is deleted then)."""
    if not sample_ids:
        return KeptRows()
    kept = kept_rows(store, sample_ids)
    store.forget_samples(sample_ids)
    return kept
