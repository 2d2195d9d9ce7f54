"""The last fit's neighbour candidates, kept beside a library's models for the next fit.

Nearly all of the default detector's training time is its neighbour search (4.5 min at 100,000
loops on 2 cores). When only the flags changed since the last training (Retrain with flags,
the producer's loop: flag a few, retrain, listen again), the vectors are the same, and so are
every loop's candidates (`KnnDetector`: flagged loops are passed over, not left out). So a fit
keeps each search's first candidates per loop, and the next fit on the same vectors starts from
them, with the same scores as a fit from nothing.

One file per library (`neighbours.npz` in its detectors folder), replaced by each fit that made
lists. It is a cache: a missing, damaged or stale file (other vectors, another detector) is a
search, never an error, and deleting it loses nothing.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: bump when what the lists mean changes, so older files are passed over
FORMAT = 1
FILE_NAME = "neighbours.npz"


def lists_key(x: np.ndarray, searches: object) -> str:
    """What the lists hold true for: the exact training vectors (copies already merged) and a
    description of the searches (members, groups, k, list length)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT}|{x.shape}|{x.dtype}|{searches!r}".encode())
    digest.update(np.ascontiguousarray(x).data)
    return digest.hexdigest()


@dataclass
class NeighbourLists:
    """`searches[i]` are the candidate lists of the fit's i-th search (rows x candidates,
    row numbers of its training rows), valid for training vectors whose `lists_key` is `key`."""

    key: str
    searches: list[np.ndarray]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to `path` through a temporary file renamed over it (a crash leaves the old
        file or the new one). Raises OSError (a full drive): callers treat that as no cache."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_left_over(path)
        # a name of its own: two trainings at once (the window, a terminal) never share one
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=path.name, suffix=".partial", delete=False
        ) as out:
            partial = Path(out.name)
            try:
                np.savez(
                    out,
                    key=np.array(self.key),
                    **{f"search_{i}": lists for i, lists in enumerate(self.searches)},
                )
            except BaseException:
                out.close()
                partial.unlink(missing_ok=True)
                raise
        try:
            os.replace(partial, path)
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str], key: str) -> NeighbourLists | None:
        """The lists at `path` when they were made for `key`; None when there are none, they
        are for other vectors, or the file cannot be read."""
        try:
            with open(path, "rb") as file, np.load(file, allow_pickle=False) as found:
                if str(found["key"]) != key:
                    return None
                count = sum(1 for name in found.files if name.startswith("search_"))
                searches = [np.asarray(found[f"search_{i}"], dtype=np.int32) for i in range(count)]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            return None
        return cls(key, searches)


#: a partial file older than this was left by a training that was killed while writing it
LEFT_OVER_SECONDS = 3600


def _remove_left_over(path: Path) -> None:
    """Delete partial files that killed trainings left beside `path` (an hour old or more:
    a training writing one now has a fresh one)."""
    now = time.time()
    for partial in path.parent.glob(f"{glob.escape(path.name)}*.partial"):
        with contextlib.suppress(OSError):
            if now - partial.stat().st_mtime >= LEFT_OVER_SECONDS:
                partial.unlink()
