"""Where each loop sits on the library's sound map, kept in the library (table `map_points`).

The map is drawn once (a minute or more for a big library) and read at every reload. A point
counts only while it is newer than its loop's vector: a loop embedded again (its file changed,
or a new embedder version) has no point until the map is drawn again, and is placed beside its
nearest loops meanwhile (`core.analysis.sound_map`).
"""

from __future__ import annotations

import time

import numpy as np

from anomalizer_desktop.core.library.store import Store


def read_map_points(store: Store, embedder: str, version: str) -> tuple[np.ndarray, np.ndarray]:
    """(sample ids, (n, 2) float32 positions) of the loops whose point is current: drawn for
    this embedder version, after their vector was made, and of a loop that is still usable."""
    rows = store.execute(
        "SELECT p.sample_id, p.x, p.y FROM map_points p"
        " JOIN features f ON f.sample_id = p.sample_id AND f.embedder = p.embedder"
        " JOIN samples s ON s.id = p.sample_id"
        " WHERE p.embedder = ? AND p.version = ? AND f.version = p.version"
        " AND p.drawn_at >= f.created_at AND s.status = 'ok'"
        " ORDER BY p.sample_id",
        (embedder, version),
    ).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.float32)
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    xy = np.array([(r[1], r[2]) for r in rows], dtype=np.float32)
    return ids, xy


def usable_ids(store: Store, embedder: str, version: str) -> np.ndarray:
    """The sample ids, ascending, of the usable loops with a vector of this embedder version
    (the rows `Store.feature_matrix` reads), without reading the vectors: a reload whose map
    points are all current needs no vector (at 100,000 loops, 1 s or more to read)."""
    rows = store.execute(
        "SELECT f.sample_id FROM features f JOIN samples s ON s.id = f.sample_id"
        " WHERE +f.embedder = ? AND f.version = ? AND s.status = 'ok' ORDER BY f.sample_id",
        (embedder, version),
    ).fetchall()
    return np.fromiter((r[0] for r in rows), np.int64, len(rows))


def save_map_points(
    store: Store, embedder: str, version: str, ids: np.ndarray, xy: np.ndarray
) -> None:
    """Replace this embedder's map with these positions, in one transaction (a map is never
    half old, half new). Loops forgotten meanwhile are skipped."""
    now = time.time()
    rows = [
        (int(i), embedder, version, float(x), float(y), now, int(i))
        for i, (x, y) in zip(np.asarray(ids).tolist(), np.asarray(xy).tolist(), strict=True)
    ]
    with store.transaction() as db:
        db.execute("DELETE FROM map_points WHERE embedder = ?", (embedder,))
        db.executemany(
            "INSERT INTO map_points(sample_id, embedder, version, x, y, drawn_at)"
            " SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM samples WHERE id = ?)",
            rows,
        )
