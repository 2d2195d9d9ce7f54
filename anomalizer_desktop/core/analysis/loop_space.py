"""One loop in the library's standardised space: where "Why unusual?" and "loops like this" both
measure, so that the neighbours one names are the loops the other puts first.

The space is the latest run's (its standardiser, fitted on the library it trained on) when that
run used vectors like these, else one fitted on the library now. Distances are L1 over the
group-weighted standardised descriptors: what the default detector measures (KnnDetector).

Reading the space takes 1-3 s at 100,000 loops, so a caller that names the state of the
library it means (the window's `generation`, new whenever it reloads or writes) gets the space
read last for that state: moving from loop to loop then costs a quarter of a second.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.detector.run_models import RunModel, TrainError, run_model
from anomalizer_desktop.core.detector.run_standardizer import latest_run_standardizer
from anomalizer_desktop.core.embedding.info import EmbedderInfo, embedder_info
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.lookup import held_name, library_names
from anomalizer_desktop.core.library.store import LoopColumns, Store
from anomalizer_desktop.core.library.walk import (
    UNUSABLE_FILE_NAME,
    has_a_usable_name,
    shown_path,
)


class NotEmbeddedError(AnomalizerError):
    """The loop asked about is not an embedded loop of the library."""


class _LastOne:
    """Keeps the last value computed and the key it was computed for; thread-safe (the
    explanations run in worker threads), computing outside the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple | None = None

    def get(self, key: tuple, compute):
        with self._lock:
            if self._kept is not None and self._kept[0] == key:
                return self._kept[1]
        value = compute()
        with self._lock:
            self._kept = (key, value)
        return value


@dataclass
class LibrarySpace:
    """Every embedded loop of one embedder in the standardised space (no loop singled out)."""

    info: EmbedderInfo
    ids: np.ndarray  # sample ids, aligned with the rows of z
    loops: LoopColumns  # path, score and flag of each embedded loop, aligned with ids
    run: RunModel | None  # the latest run when it was trained on these vectors
    standardizer: Standardizer
    z: np.ndarray  # the vectors, standardised and group-weighted (the raw ones are not
    #              kept: a cached space would hold the library twice, 123 MB at 100k loops)
    row_of_path: dict[str, int]  # each embedded loop's row, by its path

    def model(self):
        """The latest run's model (see `run_model_of`)."""
        return run_model_of(self.run, self.info.dim)


@dataclass
class LoopSpace:
    info: EmbedderInfo
    ids: np.ndarray  # sample ids, aligned with the rows of z
    vector: np.ndarray  # the loop's own vector, as the embedder made it
    loops: LoopColumns  # path, score and flag of each embedded loop, aligned with ids
    row: int  # the loop's row
    run: RunModel | None  # the latest run when it was trained on these vectors
    standardizer: Standardizer
    z: np.ndarray  # standardised and group-weighted

    def model(self):
        """The latest run's model (see `run_model_of`)."""
        return run_model_of(self.run, self.info.dim)

    def distances(self) -> np.ndarray:
        """L1 distance from the loop to every row (0 for itself)."""
        return np.abs(self.z - self.z[self.row]).sum(axis=1)


#: the checkpoint loaded last, by (path, mtime, size): a run's checkpoint is written once, and
#: loading it (0.5 s at 100k loops) is a quarter of reading the space again after a flag
_loaded_checkpoint = _LastOne()


def load_checkpoint_once(checkpoint: str, run_created_at: float) -> tuple:
    """(model, embedder info) of a run's checkpoint, loaded once while the file stays the
    same (explanations, likeness and loops tried from outside share it)."""
    from anomalizer_desktop.core.detector.checkpoint import load_checkpoint

    def load():
        return load_checkpoint(checkpoint, run_created_at=run_created_at)

    try:
        stat = os.stat(checkpoint)
    except OSError:
        return load()  # says what is wrong with it
    key = (os.path.realpath(checkpoint), stat.st_mtime_ns, stat.st_size, run_created_at)
    return _loaded_checkpoint.get(key, load)


def run_model_of(run: RunModel | None, dim: int):
    """`run`'s model, loaded the first time something needs the model itself (the pull of the
    loops flagged unusual) and then kept (`load_checkpoint_once`); None when there is no run,
    its model file cannot be used, or it was trained on vectors of another width. Reading the
    space needs only the run's standardiser, which its row records (`run_standardizer`): the
    model is a torch file, and importing torch took 1.2-1.5 s of the first "Why unusual?"."""
    if run is None:
        return None
    from anomalizer_desktop.core.detector.checkpoint import CheckpointError

    try:
        model, trained_on = load_checkpoint_once(run.checkpoint, run.created_at)
    except CheckpointError:
        return None
    return model if trained_on.get("dim") == dim else None


def latest_run_space(
    store: Store, info: EmbedderInfo
) -> tuple[RunModel | None, Standardizer | None]:
    """(the latest run, its standardiser) when that run was trained on `info`'s vectors, else
    (None, None). A run trained before runs recorded their standardiser gives the one in its
    model file, which is loaded for it (None, None when that cannot be read)."""
    try:
        run = run_model(store)
    except TrainError:
        run = None
    recorded = latest_run_standardizer(store, info.id, info.version, info.dim)
    if recorded is not None:
        return run, recorded
    if run is None or run.embedder != info.id:
        return None, None
    model = run_model_of(run, info.dim)
    return (run, model.standardizer) if model is not None else (None, None)


def library_space(store: Store, embedder: str = "dsp") -> LibrarySpace:
    """Read and standardise every embedded loop of `embedder` (1-2 s at 100k loops)."""
    with store.reading():  # the vectors and the loops' columns from one state of the library
        info = embedder_info(store, embedder)
        ids, x = store.feature_matrix(info.id, info.version)
        loops = store.loop_columns().take(ids)
        run, standardizer = latest_run_space(store, info)
    groups = info.groups or {"all": slice(0, info.dim)}
    # without a run to take it from, the space's spreads come from an even sample of the loops
    # (at 100,000 loops 0.15 s instead of 1.0 s: the first "Why unusual?" before any training)
    if standardizer is None:
        standardizer = Standardizer.fit_on_sample(x, groups)
    z = standardizer.transform(x, in_place=True)  # (the raw vectors are not kept)
    z.setflags(write=False)  # a cached space is shared by every later explanation
    row_of_path = {path: row for row, path in enumerate(loops.paths)}
    return LibrarySpace(info, ids, loops, run, standardizer, z, row_of_path)


_generations = itertools.count(1)


def new_generation() -> int:
    """A number never handed out before in this process: a caller's name for the state of the
    library it shows, new each time that state may have changed."""
    return next(_generations)


#: the space last read, for callers that say which state of the library they mean (the
#: window's generation of it): selecting loop after loop then reads the library once
_read_space = _LastOne()


def cached_library_space(store: Store, embedder: str, generation: int | None) -> LibrarySpace:
    """`library_space`, reused while the caller's `generation` of this library is the same.
    The window bumps its generation whenever it reloads the library or writes to it, so a
    cached space never outlives what the window shows; without one, the space is read anew."""
    if generation is None:
        return library_space(store, embedder)
    key = (os.path.realpath(store.path), embedder, generation)
    return _read_space.get(key, lambda: library_space(store, embedder))


def not_embedded(store: Store, path: str, info: EmbedderInfo, has_run: bool) -> NotEmbeddedError:
    """Why the loop at `path` has no vector of `info`'s embedder, and what to do: it is not in
    the library, its file is missing or could not be read, the embedder failed on it, or it
    waits to be embedded (`has_run`: the library has a run to score it with, once embedded).
    The window says it of the loop selected ("This loop …").

    Every case read "… is not an embedded loop of this library (dsp)", and the window
    advised Train for it, which does nothing for a file cut short."""
    names = [name for name in library_names(path) if has_a_usable_name(name)]
    if not names:  # (the library holds UTF-8 names only)
        return NotEmbeddedError(f"{shown_path(path)}: {UNUSABLE_FILE_NAME}")
    marks = ", ".join("?" * len(names))
    row = store.execute(
        "SELECT s.status, s.error, e.message FROM samples s LEFT JOIN feature_errors e"
        " ON e.sample_id = s.id AND e.embedder = ? AND e.version = ?"
        f" WHERE s.path IN ({marks}) ORDER BY s.path = ? DESC LIMIT 1",
        (info.id, info.version, *names, names[0]),
    ).fetchone()
    status, error, failed = row if row is not None else (None, None, None)
    if row is None:
        why, in_window = "is not a loop of this library", "This file is not a loop of this library"
    elif status == "missing":
        why = "is missing: it is not where the library last found it"
        in_window = f"This loop {why} (Rescan finds it if it moved)"
    elif status == "error":
        why = f"could not be read: {error}"
        in_window = f"This loop {why}"
    elif failed is not None:
        why = f"could not be described ({info.id}): {failed}"
        in_window = f"This loop {why}"
    else:
        why = f"is not embedded yet ({info.id}): run `anomalizer embed` first"
        press = "Score new loops (in the bar below the table)" if has_run else "Train"
        in_window = f"This loop is not described yet: press {press} to describe and score it"
    return NotEmbeddedError(f"{shown_path(path)} {why}", in_window=in_window)


def locate(
    store: Store, path: str, embedder: str = "dsp", generation: int | None = None
) -> LoopSpace:
    """The library's space with the loop at `path` found in it (`generation`: see
    `cached_library_space`)."""
    space = cached_library_space(store, embedder, generation)
    name = held_name(path, space.row_of_path)
    row = None if name is None else space.row_of_path[name]
    vector = None
    if row is not None:  # (its vector may have gone since a cached space was read)
        vector = store.feature_vector(int(space.ids[row]), space.info.id, space.info.version)
    if vector is None:
        raise not_embedded(store, path, space.info, has_run=space.run is not None)
    return LoopSpace(
        space.info,
        space.ids,
        vector,
        space.loops,
        row,
        space.run,
        space.standardizer,
        space.z,
    )
