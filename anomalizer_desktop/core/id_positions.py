"""Where sample ids sit in an array of ids, by numpy: no dict of 100,000 ids to build."""

from __future__ import annotations

import operator

import numpy as np


def positions_of(
    ids: np.ndarray, wanted, sorter: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, found): the position in `ids` (any order) of each wanted id it holds, in
    the wanted order, and for each wanted id whether it does. `sorter`: `ids`' argsort, for a
    caller that keeps one."""
    ids = np.asarray(ids, dtype=np.int64)
    wanted = np.asarray(wanted if isinstance(wanted, np.ndarray) else list(wanted), np.int64)
    if not len(ids) or not len(wanted):
        return np.zeros(0, dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    if sorter is None:
        sorter = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids, wanted, sorter=sorter), len(ids) - 1)
    positions = sorter[at]
    found = ids[positions] == wanted
    return positions[found], found


def values_at(values: list, positions) -> list:
    """`[values[p] for p in positions]`, in one C call (100,000 positions: 13 ms as a
    comprehension)."""
    positions = np.asarray(positions, dtype=np.int64).tolist()
    if len(positions) < 2:  # itemgetter of one position gives the value, not a tuple
        return [values[p] for p in positions]
    return list(operator.itemgetter(*positions)(values))
