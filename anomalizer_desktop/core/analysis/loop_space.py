"""One loop in the library's standardised space: where "Why unusual?" and "loops like this" both
measure, so that the neighbours one names are the loops the other puts first.

The space is the latest run's (its standardiser, fitted on the library it trained on) when that
run used vectors like these, else one fitted on the library now. Distances are L1 over the
group-weighted standardised descriptors: what the default detector measures (KnnDetector).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.embedding.info import EmbedderInfo, embedder_info
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.store import LoopBrief, Store
from anomalizer_desktop.core.library.walk import shown_path


class NotEmbeddedError(AnomalizerError):
    """The loop asked about is not an embedded loop of the library."""


@dataclass
class LoopSpace:
    info: EmbedderInfo
    ids: np.ndarray  # sample ids, aligned with the rows of x and z
    x: np.ndarray  # the embedder's vectors
    records: dict[int, LoopBrief]  # every sample of the library, by id
    row: int  # the loop's row
    model: object | None  # the latest run's model when it fits these vectors
    standardizer: Standardizer
    z: np.ndarray  # standardised and group-weighted

    def distances(self) -> np.ndarray:
        """L1 distance from the loop to every row (0 for itself)."""
        return np.abs(self.z - self.z[self.row]).sum(axis=1)


def trained_model(store: Store, x: np.ndarray):
    """The latest run's model when it was trained on vectors like x, else None."""
    from anomalizer_desktop.core.detector.checkpoint import CheckpointError, load_checkpoint
    from anomalizer_desktop.core.detector.training import TrainError, run_checkpoint

    try:
        _, _, checkpoint = run_checkpoint(store)
        model, trained_on = load_checkpoint(checkpoint)
        if trained_on.get("dim") == x.shape[1]:
            return model
    except (TrainError, CheckpointError):
        pass
    return None


def locate(store: Store, path: str, embedder: str = "dsp") -> LoopSpace:
    """The library's space with the loop at `path` found in it."""
    info = embedder_info(store, embedder)
    ids, x = store.feature_matrix(info.id, info.version)
    records = store.loop_briefs()
    wanted = {os.path.realpath(path), os.path.abspath(path)}
    match = [i for i, sid in enumerate(ids) if records[int(sid)].path in wanted]
    if not match:
        raise NotEmbeddedError(
            f"{shown_path(path)} is not an embedded loop of this library ({embedder})"
        )
    groups = info.groups or {"all": slice(0, info.dim)}
    model = trained_model(store, x)
    standardizer = model.standardizer if model is not None else Standardizer.fit(x, groups)
    z = standardizer.transform(x)
    return LoopSpace(info, ids, x, records, match[0], model, standardizer, z)
