"""Each distinct sound counts once: exact copies of a loop are one training row.

Producers' libraries hold the same file more than once (a pack unpacked twice, a folder copied
into a project, the same loop in two packs). Identical files give bit-identical vectors, and
a kNN detector then finds a loop's copies at distance 0: with 4 extra copies of 30 % of the
loops, the default's mean library AUC on the held-out scenarios fell from 0.933 to 0.834, since
an odd loop with copies is its own crowd. So the model learns from the distinct vectors, and
each copy gets the score of its sound. Near copies (the same audio re-encoded, at another level
or rate) differ in their vectors: `train` gives them one vector first, once the library's
same-audio check found them (`core.library.same_audio.one_vector_per_recording`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the hash a row's bytes are grouped by (a name of its own so that a test can make it collide)
_row_hash = hash


@dataclass
class DistinctRows:
    """`rows`: the first row of each distinct vector, in the order they first appear;
    `inverse`: for each input row, its position in `rows` (x == x[rows][inverse])."""

    rows: np.ndarray
    inverse: np.ndarray

    @property
    def all_distinct(self) -> bool:
        return len(self.rows) == len(self.inverse)


def distinct_rows(x: np.ndarray) -> DistinctRows:
    """The distinct rows of a 2-D array, compared bit for bit: rows are grouped by a hash of
    their bytes (0.1 s for 100,000 x 1,024 float32; a sort of the rows as bytes took 1.2 s),
    and the grouping is checked against the rows themselves, so a hash collision can only
    cost the slow way, never merge two different loops."""
    x = np.ascontiguousarray(x)
    if len(x) == 0:
        return DistinctRows(np.zeros(0, np.int64), np.zeros(0, np.int64))
    hashes = np.fromiter((_row_hash(row.tobytes()) for row in x), dtype=np.int64, count=len(x))
    found = _by_first_appearance(hashes)
    if not found.all_distinct and not _copies_match(x, found):
        found = _by_first_appearance(x.view(np.dtype((np.void, x[0].nbytes))).ravel())
    return found


def _by_first_appearance(keys: np.ndarray) -> DistinctRows:
    """Group equal keys, numbering the groups in the order they first appear (so that
    all-distinct input keeps its order and trains exactly as before)."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return DistinctRows(first[order].astype(np.int64), position[inverse.ravel()].astype(np.int64))


def _copies_match(x: np.ndarray, found: DistinctRows) -> bool:
    """Whether every row grouped under an earlier row has that row's bytes."""
    representative = found.rows[found.inverse]
    copies = np.flatnonzero(representative != np.arange(len(x)))
    return np.array_equal(x[copies].view(np.uint8), x[representative[copies]].view(np.uint8))


def sound_labels(labels: np.ndarray, distinct: DistinctRows) -> np.ndarray:
    """One flag per distinct sound from the flags of its copies (+1 typical, -1 unusual,
    0 none): a flag on any copy is the sound's, and copies flagged both ways cancel out."""
    labels = np.asarray(labels)
    sounds = len(distinct.rows)
    typical = np.bincount(distinct.inverse, weights=labels > 0, minlength=sounds) > 0
    unusual = np.bincount(distinct.inverse, weights=labels < 0, minlength=sounds) > 0
    return typical.astype(np.int64) - unusual.astype(np.int64)
