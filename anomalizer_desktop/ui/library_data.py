"""The library as columns (numpy arrays and lists), ready for a table, a map and sorting.

Built once from the store per reload; flags, notes and scores are then updated in place. Text
columns get a precomputed rank so that sorting any column is one numpy argsort.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from anomalizer_desktop.core.library.store import SampleRecord

FLAG_CODES = {"unusual": 0, "typical": 1, None: 2}
STATUS_CODES = {"error": 0, "missing": 1, "ok": 2}


def _ranks(values: list[str]) -> np.ndarray:
    """Rank of each string in case-insensitive order (ties share no rank; stable)."""
    order = sorted(range(len(values)), key=lambda i: values[i].casefold())
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


@dataclass
class LibraryData:
    ids: np.ndarray
    paths: list[str]
    names: list[str]
    folders: list[str]
    duration: np.ndarray
    sample_rate: np.ndarray
    score: np.ndarray
    percentile: np.ndarray
    flags: list[str | None]
    status: list[str]
    notes: list[str]
    errors: list[str]
    _keys: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_records(cls, records: list[SampleRecord]) -> LibraryData:
        def floats(attribute: str) -> np.ndarray:
            return np.array(
                [
                    np.nan if getattr(r, attribute) is None else getattr(r, attribute)
                    for r in records
                ],
                dtype=np.float64,
            )

        return cls(
            ids=np.array([r.id for r in records], dtype=np.int64),
            paths=[r.path for r in records],
            names=[os.path.basename(r.path) for r in records],
            folders=[os.path.dirname(r.path) for r in records],
            duration=floats("duration"),
            sample_rate=floats("sample_rate"),
            score=floats("score"),
            percentile=floats("percentile"),
            flags=[r.flag for r in records],
            status=[r.status for r in records],
            notes=[r.note or "" for r in records],
            errors=[r.error or "" for r in records],
        )

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> LibraryData:
        """From `Store.table_rows()` tuples, a column at a time (no object per row)."""
        if not rows:
            return cls.from_records([])
        ids, paths, status, errors, duration, rate, score, percentile, flags, notes = zip(
            *rows, strict=True
        )

        def floats(values) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        return cls(
            ids=np.array(ids, dtype=np.int64),
            paths=list(paths),
            names=[os.path.basename(p) for p in paths],
            folders=[os.path.dirname(p) for p in paths],
            duration=floats(duration),
            sample_rate=floats(rate),
            score=floats(score),
            percentile=floats(percentile),
            flags=list(flags),
            status=list(status),
            notes=[n or "" for n in notes],
            errors=[e or "" for e in errors],
        )

    @classmethod
    def empty(cls) -> LibraryData:
        return cls.from_records([])

    def __len__(self) -> int:
        return len(self.ids)

    def index_of_ids(self) -> dict[int, int]:
        return {int(sample_id): row for row, sample_id in enumerate(self.ids)}

    def sort_key(self, column: str) -> np.ndarray:
        """A numeric array whose ascending order is the column's natural order (NaN = unknown).
        Cached; call `invalidate(column)` after changing a column in place."""
        if column not in self._keys:
            self._keys[column] = self._compute_sort_key(column)
        return self._keys[column]

    def invalidate(self, *columns: str) -> None:
        for column in columns:
            self._keys.pop(column, None)

    def _compute_sort_key(self, column: str) -> np.ndarray:
        if column in ("duration", "sample_rate", "score", "percentile"):
            return getattr(self, column)
        if column == "name":
            return _ranks(self.names).astype(np.float64)
        if column == "folder":
            return _ranks(
                [f + "/" + n for f, n in zip(self.folders, self.names, strict=True)]
            ).astype(float)
        if column == "note":
            keys = _ranks(self.notes).astype(np.float64)
            keys[[not n for n in self.notes]] = np.nan  # empty notes sort last
            return keys
        if column == "flag":
            return np.array([FLAG_CODES[f] for f in self.flags], dtype=np.float64)
        if column == "status":
            return np.array([STATUS_CODES[s] for s in self.status], dtype=np.float64)
        raise KeyError(column)

    def text_mask(self, text: str) -> np.ndarray:
        """Rows whose name, folder or note contains `text` (case-insensitive)."""
        needle = text.casefold().strip()
        if not needle:
            return np.ones(len(self), dtype=bool)
        return np.fromiter(
            (needle in f"{p}\n{n}".casefold() for p, n in zip(self.paths, self.notes, strict=True)),
            dtype=bool,
            count=len(self),
        )
