"""Classic detectors on the same standardised features (scikit-learn): the yardsticks.

Each has `fit(z, labels)` and `score(z)` (higher = more unusual), and job forms of both
(`fit_job`, `training_scores_job`) that report progress and stop when cancelled: the kNN
detectors search every loop's neighbourhood, which takes minutes on a library of 50,000 loops.
Loops flagged `unusual` are left out of the fit; the rest train as unlabelled data. Their
persisted state is the training matrix, refitted deterministically on load, so checkpoints
stay loadable with torch's `weights_only`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import OneClassSVM

from anomalizer_desktop.core.detector.score_scale import mean_robust_scaled
from anomalizer_desktop.core.detector.svdd import TrainingCancelled
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, as_part, parts_of, run_job

#: distances the kNN detectors can use (see KnnDetector)
METRICS = ("euclidean", "manhattan")


def search_work(dim: int) -> float:
    """How long one neighbour search of the library takes in `dim` dimensions, in relative
    units, for progress bars that weigh their parts by time. Measured at 20,000 loops: picking
    every loop's candidates costs as much as 67 dimensions' distances, whatever the dimension
    (0.9 s for 5-26 dimensions, 4.8 s for 308); the k-d tree of 3 dimensions or fewer costs a
    sixth of that fixed part (0.15 s)."""
    return 11.0 if dim <= KnnDetector.TREE_MAX_DIM else 67.0 + dim


def stored_precision(z: np.ndarray) -> np.ndarray:
    """`z` rounded to float32 precision (kept as float64 for scikit-learn). Detectors keep
    their training rows in the checkpoint as float32, half the bytes of float64; rounding them
    before the fit too means a loaded checkpoint scores exactly as the model that was trained.
    The rounding is far below the features' own precision (the vectors are float32)."""
    return z.astype(np.float32).astype(np.float64)


#: at most this many threads rerank the L1 candidates (each holds its chunk of CHUNK_BYTES /
#: threads); more than the memory bus feeds gains nothing
MAX_RERANK_THREADS = 8


def rerank_threads() -> int:
    """Threads for the L1 rerank: the cores this process may use, up to MAX_RERANK_THREADS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_RERANK_THREADS))


def knn_options(variant: str | None) -> dict:
    """Keyword options of a kNN detector from a member variant: "metric" or "metric:k"."""
    if not variant:
        return {}
    metric, _, k = variant.partition(":")
    return {"metric": metric, **({"k": int(k)} if k else {})}


class SklearnDetector:
    name = "base"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.train: np.ndarray | None = None
        self.kept: np.ndarray | None = None  # rows of the fit's input it trained on (None: all)
        self._fit_scores: np.ndarray | None = None  # scores of `train`, where _fit made them

    def fit(self, z: np.ndarray, labels: np.ndarray | None = None) -> SklearnDetector:
        return run_job(self.fit_job(z, labels))

    def fit_job(
        self, z: np.ndarray, labels: np.ndarray | None = None, cancel: CancelToken | None = None
    ) -> Job[SklearnDetector]:
        z = np.asarray(z, dtype=np.float64)
        self.kept = None
        if labels is not None and (labels < 0).any() and (labels >= 0).sum() >= 3:
            self.kept = labels >= 0
            z = z[self.kept]
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


class IsolationForestDetector(SklearnDetector):
    name = "iforest"

    def _fit(self, z):
        self.model = IsolationForest(n_estimators=300, random_state=self.seed).fit(z)

    def score(self, z):
        return -self.model.score_samples(np.asarray(z, dtype=np.float64))


class PcaDetector(SklearnDetector):
    """Reconstruction error from the principal components that keep 90 % of the variance."""

    name = "pca"

    def _fit(self, z):
        components = 0.9 if len(z) > 2 else None
        self.model = PCA(n_components=components, random_state=self.seed).fit(z)

    def score(self, z):
        z = np.asarray(z, dtype=np.float64)
        rebuilt = self.model.inverse_transform(self.model.transform(z))
        return ((z - rebuilt) ** 2).sum(axis=1)


class OneClassSvmDetector(SklearnDetector):
    name = "ocsvm"

    def _fit(self, z):
        self.model = OneClassSVM(nu=0.1, gamma="scale").fit(z)

    def score(self, z):
        return -self.model.score_samples(np.asarray(z, dtype=np.float64))


class KnnDetector(SklearnDetector):
    """Mean distance to the k nearest training loops (a loop is never its own neighbour).

    `metric` is "euclidean" (the classic baseline) or "manhattan". In hundreds of dimensions L1
    separates near from far better than L2 (Aggarwal, Hinneburg & Keim 2001); on held-out
    scenarios it raised the default's library AUC from 0.877 to 0.900 at k=10 (DSP v2, README).
    Exact L1 search cannot use BLAS (13x slower at 10k loops), so L1 neighbours are picked
    among the RERANK x (k + 1) (at least MIN_CANDIDATES) Euclidean nearest candidates and ranked
    by exact L1 distance. That is an approximation: on the ten real scenarios 95-100 % of the
    loops got exactly the L1 score and the AUCs matched exact L1 to 0.001 (with 44 candidates
    only 62 % did).
    """

    name = "knn"
    RERANK = 10
    MIN_CANDIDATES = 100
    CHUNK_BYTES = 64 << 20
    #: rows scored between progress reports and cancellation checks (about 1 s at 50k loops)
    SCORE_ROWS = 4096
    #: a k-d tree only up to this many dimensions, brute force above. scikit-learn's "auto"
    #: takes a tree up to 15, but fetching 110 candidates from a tree in 9-13 dimensions took
    #: 2.6-4.2 s at 10k loops against 0.55 s brute force (`bench train`): trees lose to BLAS
    #: as soon as the neighbourhood is wide and the dimensions are more than a handful.
    TREE_MAX_DIM = 3
    #: nearer than this (standardised units, where neighbours are 1-20 apart) is the loop
    #: itself. scikit-learn's Euclidean distances come from |a|^2 - 2ab + |b|^2, which leaves a
    #: loop up to 4e-6 from itself: the old 1e-9 missed 70 % of the loops, which then counted
    #: themselves as a neighbour at distance ~0 (the `knn` baseline's scores were mixed-up)
    SAME_LOOP = 1e-4

    def __init__(self, seed: int = 0, metric: str = "euclidean", k: int = 10) -> None:
        super().__init__(seed)
        if metric not in METRICS:
            raise ValueError(f"unknown kNN metric {metric!r}; choose one of {METRICS}")
        if k < 1:
            raise ValueError("k must be at least 1")
        self.metric, self.k = metric, int(k)

    def _fit(self, z):
        self.k_used = max(1, min(self.k, len(z) - 1))
        algorithm = "kd_tree" if z.shape[1] <= self.TREE_MAX_DIM else "brute"
        self.model = NearestNeighbors(
            n_neighbors=min(self.k_used + 1, len(z)), algorithm=algorithm
        ).fit(z)
        self._train32 = np.asarray(z, dtype=np.float32)

    def _nearest(self, z: np.ndarray) -> np.ndarray:
        """Sorted distances from each row of z to its nearest training loops, (n, k + 1)."""
        if self.metric == "euclidean":
            return self.model.kneighbors(z)[0]
        wanted = min(self.k_used + 1, len(self.train))
        candidates = min(len(self.train), max(self.RERANK * wanted, self.MIN_CANDIDATES))
        _, index = self.model.kneighbors(z, n_neighbors=candidates)
        # float32 and in place: the gathered candidates are the memory traffic (6x faster)
        train = self._train32
        queries = np.asarray(z, dtype=np.float32)
        nearest = np.empty((len(z), wanted))

        def rerank(start: int) -> None:
            stop = start + rows
            gathered = train[index[start:stop]]
            gathered -= queries[start:stop, None, :]
            np.abs(gathered, out=gathered)
            distances = gathered.sum(axis=-1)
            distances.sort(axis=1)
            nearest[start:stop] = distances[:, :wanted]

        # numpy lets go of the GIL while it gathers, subtracts and sums: chunks of rows on
        # threads (scikit-learn's candidate search already uses every core; this part used one)
        workers = rerank_threads()
        rows = max(1, self.CHUNK_BYTES // (workers * candidates * z.shape[1] * 4))
        starts = range(0, len(z), rows)
        if workers == 1 or len(starts) == 1:
            for start in starts:
                rerank(start)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(rerank, starts))
        return nearest

    def score(self, z):
        return run_job(self.score_job(z))

    def score_job(self, z, cancel: CancelToken | None = None) -> Job:
        """Scores in chunks of SCORE_ROWS rows (the same numbers as one pass: each row's
        neighbours are its own business), yielding Progress(rows done, rows)."""
        z = np.asarray(z, dtype=np.float64)
        scores = np.empty(len(z))
        for start in range(0, len(z), self.SCORE_ROWS):
            if cancel is not None and cancel.cancelled:
                raise TrainingCancelled
            stop = min(start + self.SCORE_ROWS, len(z))
            scores[start:stop] = self._score_rows(z[start:stop])
            yield Progress(stop, len(z), "nearest neighbours")
        return scores

    def _score_rows(self, z: np.ndarray) -> np.ndarray:
        distances = self._nearest(z)
        # a match at distance ~0 is the sample itself (or an identical copy): skip it
        self_match = distances[:, 0] < self.SAME_LOOP
        shifted = np.where(self_match[:, None], distances[:, 1:], distances[:, :-1])
        if shifted.shape[1] == 0:
            return distances[:, 0]
        return shifted[:, : self.k_used].mean(axis=1)

    def state(self) -> dict:
        return {**super().state(), "metric": self.metric, "k": self.k}

    @classmethod
    def from_state(cls, state: dict) -> KnnDetector:
        model = cls(
            seed=int(state["seed"]),
            metric=str(state.get("metric", "euclidean")),
            k=int(state.get("k", 10)),
        )
        model.train = np.asarray(state["train"], dtype=np.float64)
        model._fit(model.train)
        return model


class AspectKnnDetector(SklearnDetector):
    """kNN distance computed separately on each descriptor group (timbre, rhythm, pitch...),
    robustly scaled and averaged: a loop that is ordinary overall but odd in one aspect still
    stands out. Feature bagging over meaningful subspaces (after Lazarevic & Kumar 2005)."""

    name = "aspects"

    def __init__(
        self,
        seed: int = 0,
        groups: list[tuple[int, int]] | None = None,
        metric: str = "euclidean",
        k: int = 10,
    ) -> None:
        super().__init__(seed)
        self.groups = groups
        self.metric, self.k = metric, int(k)

    def _fit(self, z):
        run_job(self._fit_job(z, None))

    def _fit_job(self, z, cancel):
        spans = self.groups or [(0, z.shape[1])]
        self.parts, train_scores = [], []
        for i, (start, stop) in enumerate(spans):
            part = self._part(z, start, stop)
            scores = yield from self._per_aspect(part.score_job(part.train, cancel), i, spans)
            self.parts.append(((start, stop), part, np.sort(scores)))
            train_scores.append(scores)
        self._fit_scores = self._combine(train_scores)

    def _part(self, z: np.ndarray, start: int, stop: int) -> KnnDetector:
        """The kNN detector of one aspect: columns start:stop of the training matrix."""
        part = KnnDetector(self.seed, self.metric, self.k)
        part.train = z[:, start:stop]
        part._fit(part.train)
        return part

    @staticmethod
    def _per_aspect(job: Job, index: int, spans: list[tuple[int, int]]) -> Job:
        """Count one aspect's row progress within all the aspects, each weighed by how long
        its search takes (timbre's 234 dimensions take four times as long as rhythm's 17)."""
        part = parts_of([search_work(stop - start) for start, stop in spans])[index]
        label = f"aspect {index + 1}/{len(spans)}"
        return (yield from as_part(job, part, lambda _: label))

    def _combine(self, part_scores: list[np.ndarray]) -> np.ndarray:
        return mean_robust_scaled([reference for _, _, reference in self.parts], part_scores)

    def score(self, z):
        return run_job(self.score_job(z))

    def score_job(self, z, cancel: CancelToken | None = None) -> Job:
        z = np.asarray(z, dtype=np.float64)
        part_scores = []
        for i, ((start, stop), part, _) in enumerate(self.parts):
            scores = yield from self._per_aspect(
                part.score_job(z[:, start:stop], cancel), i, [span for span, _, _ in self.parts]
            )
            part_scores.append(scores)
        return self._combine(part_scores)

    def state(self) -> dict:
        return {
            **super().state(),
            "groups": np.asarray(self.groups or [], dtype=np.int64),
            "metric": self.metric,
            "k": self.k,
            # each aspect's sorted training scores (aspects x rows): loading a checkpoint then
            # skips one neighbour search of the whole library per aspect (10 s at 10k loops)
            "references": np.stack([reference for _, _, reference in self.parts]),
        }

    @classmethod
    def from_state(cls, state: dict) -> AspectKnnDetector:
        groups = [tuple(int(v) for v in g) for g in np.asarray(state["groups"])] or None
        model = cls(
            seed=int(state["seed"]),
            groups=groups,
            metric=str(state.get("metric", "euclidean")),
            k=int(state.get("k", 10)),
        )
        model.train = np.asarray(state["train"], dtype=np.float64)
        spans = model.groups or [(0, model.train.shape[1])]
        references = state.get("references")
        if references is None or np.shape(references) != (len(spans), len(model.train)):
            model._fit(model.train)  # older checkpoints kept no references: search again
            return model
        model.parts = [
            ((start, stop), model._part(model.train, start, stop), np.asarray(reference, float))
            for (start, stop), reference in zip(spans, np.asarray(references), strict=True)
        ]
        return model


BASELINES: dict[str, type[SklearnDetector]] = {
    cls.name: cls
    for cls in (
        IsolationForestDetector,
        PcaDetector,
        OneClassSvmDetector,
        KnnDetector,
        AspectKnnDetector,
    )
}
