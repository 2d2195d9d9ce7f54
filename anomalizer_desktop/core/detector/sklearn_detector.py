"""The scikit-learn detectors' common ground: fit on standardised rows (loops flagged unusual
left out, or passed over), score, save and load.

Each has `fit(z, labels)` and `score(z)` (higher = more unusual), and job forms of both
(`fit_job`, `training_scores_job`) that report progress and stop when cancelled: the kNN
detectors search every loop's neighbourhood, which takes minutes on a library of 50,000 loops.
Loops flagged `unusual` are left out of the fit (the L1 kNN detectors keep them among the rows
they search and pass over them as neighbours, see `knn.KnnDetector`); the rest train as
unlabelled data. Their persisted state is the training matrix, refitted deterministically on
load, so checkpoints stay loadable with torch's `weights_only`.
"""

from __future__ import annotations

import numpy as np

from anomalizer_desktop.core.jobs import CancelToken, Job, run_job


def stored_precision(z: np.ndarray) -> np.ndarray:
    """`z` rounded to float32 precision (kept as float64 for scikit-learn). Detectors keep
    their training rows in the checkpoint as float32, half the bytes of float64; rounding them
    before the fit too means a loaded checkpoint scores exactly as the model that was trained.
    The rounding is far below the features' own precision (the vectors are float32)."""
    return z.astype(np.float32).astype(np.float64)


class SklearnDetector:
    name = "base"

    #: True for the L1 kNN detectors: loops flagged unusual stay among the rows searched and
    #: are passed over as neighbours (`usable`), instead of being left out of `train`, so that
    #: which loops are neighbour candidates does not depend on the flags (see `neighbour_lists`)
    passes_over_flagged = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.train: np.ndarray | None = None
        self.kept: np.ndarray | None = None  # rows of the fit's input it trained on (None: all)
        #: rows of `train` that may be a neighbour (None: all), where `passes_over_flagged`
        self.usable: np.ndarray | None = None
        self._fit_scores: np.ndarray | None = None  # scores of `train`, where _fit made them

    def fit(self, z: np.ndarray, labels: np.ndarray | None = None) -> SklearnDetector:
        return run_job(self.fit_job(z, labels))

    def fit_job(
        self,
        z: np.ndarray,
        labels: np.ndarray | None = None,
        cancel: CancelToken | None = None,
        rounded: bool = False,
    ) -> Job[SklearnDetector]:
        """Fit on the rows of `z`; `rounded`: they are `stored_precision` already (a model's
        members share one such copy instead of making one each: 246 MB at 100,000 loops)."""
        z = np.asarray(z, dtype=np.float64)
        self.kept = None
        if labels is not None and (labels < 0).any() and (labels >= 0).sum() >= 3:
            if self.passes_over_flagged:
                self.usable = np.asarray(labels) >= 0
            else:
                self.kept = labels >= 0
                z = z[self.kept]
        if not rounded:
            z = stored_precision(z)
        self.train = z
        yield from self._fit_job(z, cancel)
        return self

    def training_scores(self, z: np.ndarray) -> np.ndarray:
        return run_job(self.training_scores_job(z))

    def training_scores_job(self, z: np.ndarray, cancel: CancelToken | None = None) -> Job:
        """Scores of the rows given to `fit` (flagged ones included), reusing the training
        set's scores where fitting already computed them (the aspects detector does)."""
        if self._fit_scores is None:
            return (yield from self.score_job(z, cancel))
        if self.kept is None:
            return self._fit_scores.copy()
        scores = np.empty(len(z))
        scores[self.kept] = self._fit_scores
        scores[~self.kept] = yield from self.score_job(np.asarray(z)[~self.kept], cancel)
        return scores

    def _fit(self, z: np.ndarray) -> None:
        raise NotImplementedError

    def _fit_job(self, z: np.ndarray, cancel: CancelToken | None) -> Job[None]:
        """Fit on the kept rows; detectors with long fits yield progress and check `cancel`."""
        self._fit(z)
        yield from ()

    def score(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def score_job(self, z: np.ndarray, cancel: CancelToken | None = None) -> Job:
        """`score` as a job; the kNN detectors score in row chunks with progress."""
        yield from ()
        return self.score(z)

    def state(self) -> dict:
        # float32 holds them exactly (see stored_precision): half the checkpoint
        return {"train": self.train.astype(np.float32), "seed": self.seed}

    @classmethod
    def from_state(cls, state: dict) -> SklearnDetector:
        model = cls(seed=int(state["seed"]))
        model.train = np.asarray(state["train"], dtype=np.float64)
        model._fit(model.train)
        return model


def usable_state(detector: SklearnDetector) -> dict:
    """The checkpoint entry of a detector's `usable` rows (none when every row is)."""
    return {} if detector.usable is None else {"usable": detector.usable.astype(np.bool_)}


def usable_from_state(state: dict) -> np.ndarray | None:
    """A detector's `usable` rows from its checkpoint; None (all) in checkpoints without."""
    usable = state.get("usable")
    return None if usable is None else np.asarray(usable, dtype=bool)
