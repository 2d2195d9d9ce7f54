"""The kNN detectors: each loop's mean L1 (or Euclidean) distance to its nearest loops, over
the whole vector (`KnnDetector`) or per descriptor group (`AspectKnnDetector`). The default
detector is one of each (`spec.DEFAULT_MEMBERS`); with Euclidean distances, the `knn` baseline.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from anomalizer_desktop.core.detector.sklearn_detector import (
    SklearnDetector,
    usable_from_state,
    usable_state,
)
from anomalizer_desktop.core.detector.svdd import TrainingCancelled
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, run_job
from anomalizer_desktop.core.parallel import usable_cores

#: distances the kNN detectors can use (see KnnDetector)
METRICS = ("euclidean", "manhattan")


def search_work(dim: int) -> float:
    """How long one neighbour search of the library takes in `dim` dimensions, in relative
    units, for progress bars that weigh their parts by time. Measured at 20,000 loops: picking
    every loop's candidates costs as much as 67 dimensions' distances, whatever the dimension
    (0.9 s for 5-26 dimensions, 4.8 s for 308); the k-d tree of 3 dimensions or fewer costs a
    sixth of that fixed part (0.15 s)."""
    return 11.0 if dim <= KnnDetector.TREE_MAX_DIM else 67.0 + dim


#: at most this many threads rerank the L1 candidates (each holds its chunk of CHUNK_BYTES /
#: threads); more than the memory bus feeds gains nothing
MAX_RERANK_THREADS = 8


def rerank_threads() -> int:
    """Threads for the L1 rerank: the cores this process may use, up to MAX_RERANK_THREADS."""
    return min(usable_cores(), MAX_RERANK_THREADS)


def knn_options(variant: str | None) -> dict:
    """Keyword options of a kNN detector from a member variant: "metric" or "metric:k"."""
    if not variant:
        return {}
    metric, _, k = variant.partition(":")
    return {"metric": metric, **({"k": int(k)} if k else {})}


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

    With L1 distances the loops flagged unusual stay among the rows searched and are passed
    over as neighbours (`usable`): a loop's candidates are then the same whatever is flagged.
    So the fit keeps each training loop's first LISTED candidates in L1 order
    (`neighbour_lists`), and a later fit on the same vectors with other flags (Retrain with
    flags) given them as `reuse_lists` measures the L1 distances to those alone, searching
    again only for the loops with fewer than k + 1 usable ones among them: the same scores as
    a fit from nothing, without the search that is nearly all of its time. A loop with fewer
    than k + 1 usable loops among all its candidates (more than a hundred flagged around it)
    takes its candidates from the usable loops alone.

    On a CUDA GPU (`search_on`, from the training's device) a library of GPU_SEARCH_MIN_LOOPS
    or more is searched there: the same search in torch (`gpu_search`).
    """

    name = "knn"
    RERANK = 10
    MIN_CANDIDATES = 100
    #: each training loop's first this many candidates (L1 order) are kept for the next fit:
    #: up to LISTED - k - 1 flagged loops among them still leave k + 1 usable (100,000 loops:
    #: 6.4 MB a search)
    LISTED = 16
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
        #: the training loops' first candidates from an earlier fit on the same rows, or None
        self.reuse_lists: np.ndarray | None = None
        #: the fit's own (rows, LISTED) candidate lists, row numbers of `train` (L1 only)
        self.neighbour_lists: np.ndarray | None = None
        #: how many training loops the fit took from `reuse_lists` without a search
        self.reused = 0
        #: the torch device the L1 search may use ("auto": a CUDA GPU where there is one and
        #: the library is big enough, see `gpu_search`); the CPU unless a training says so
        self.search_on = "cpu"
        self._gpu = None  # the GPU search, made at the first search (False: the CPU's)
        #: why the GPU search was given up for the CPU's (out of memory...), or None
        self.gpu_failed: str | None = None

    @property
    def passes_over_flagged(self) -> bool:  # type: ignore[override]
        return self.metric == "manhattan"

    def _fit(self, z):
        usable = len(z) if self.usable is None else int(self.usable.sum())
        self.k_used = max(1, min(self.k, usable - 1))
        #: distances each row needs: k and the loop itself (skipped when it is there)
        self.wanted = min(self.k_used + 1, usable)
        self._index = None  # built at the first search (see `model`)
        self._usable_model = None
        self._gpu, self.gpu_failed = None, None
        self._train32 = np.asarray(z, dtype=np.float32)

    @property
    def model(self):
        """The Euclidean index of the training rows (scikit-learn's NearestNeighbors), built
        at the first search: a model loaded only to explain a loop (its standardisation, its
        pulls) then never imports scikit-learn, 1.3 s and more of the window's first "Why
        unusual?"."""
        if self._index is None:
            from sklearn.neighbors import NearestNeighbors

            z = self.train
            self._index = NearestNeighbors(
                n_neighbors=min(self.k_used + 1, len(z)), algorithm=self._algorithm(z.shape[1])
            ).fit(z)
        return self._index

    def _algorithm(self, dim: int) -> str:
        return "kd_tree" if dim <= self.TREE_MAX_DIM else "brute"

    def _fit_job(self, z, cancel):
        self._fit(z)
        if self.metric == "manhattan":
            self._fit_scores = yield from self.training_rows_job(cancel)

    def training_rows_job(self, cancel: CancelToken | None = None) -> Job[np.ndarray]:
        """Scores of the training rows themselves, in chunks of SCORE_ROWS with progress; with
        L1 distances it also keeps their candidate lists and takes `reuse_lists` where given."""
        if self.metric != "manhattan":
            return (yield from self.score_job(self.train, cancel))
        rows = len(self.train)
        listed = min(self.LISTED, self._candidates(len(self.train)))
        reuse = self.reuse_lists
        if reuse is not None and (reuse.shape != (rows, listed) or not rows_of(reuse, rows)):
            reuse = None  # not this fit's rows: search
        self.neighbour_lists = np.empty((rows, listed), dtype=np.int32)
        self.reused = 0
        scores = np.empty(rows)
        for start in range(0, rows, self.SCORE_ROWS):
            if cancel is not None and cancel.cancelled:
                raise TrainingCancelled
            stop = min(start + self.SCORE_ROWS, rows)
            nearest = self._nearest(
                self.train[start:stop],
                lists=self.neighbour_lists[start:stop],
                reuse=None if reuse is None else reuse[start:stop],
            )
            scores[start:stop] = self._mean_of_nearest(nearest)
            yield Progress(stop, rows, self._searching())
        return scores

    def _candidates(self, rows: int) -> int:
        """How many Euclidean candidates to rank by L1 among `rows` rows."""
        return min(rows, max(self.RERANK * self.wanted, self.MIN_CANDIDATES))

    def _nearest(
        self, z: np.ndarray, lists: np.ndarray | None = None, reuse: np.ndarray | None = None
    ) -> np.ndarray:
        """Sorted distances from each row of z to its `wanted` nearest usable training loops.
        `lists`: filled with each row's first candidates (L1 order); `reuse`: candidate lists
        from an earlier fit on the same training rows, searched again where too few usable."""
        if self.metric == "euclidean":
            return self.model.kneighbors(z)[0]
        queries = np.asarray(z, dtype=np.float32)
        nearest = np.empty((len(z), self.wanted))
        todo = np.arange(len(z))
        if reuse is not None:
            order, distances = self._ranked(queries, reuse)
            if lists is not None:
                lists[:] = order
            found = self._take_usable(order, distances, nearest, todo)
            self.reused += int(found.sum())
            todo = todo[~found]
        if len(todo):
            order, distances = self._searched(z[todo], queries[todo])
            if lists is not None:
                lists[todo] = order[:, : lists.shape[1]]
            found = self._take_usable(order, distances, nearest, todo)
            if not found.all():  # more than a hundred flagged loops around it
                short = todo[~found]
                order, distances = self._ranked(queries[short], self._usable_candidates(z[short]))
                self._take_usable(order, distances, nearest, short)
        return nearest

    def _searched(self, z: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's `_candidates` ordered by L1 distance, and those distances: on a GPU
        where there is one to use (`gpu_search`), else scikit-learn's Euclidean candidates
        ranked here."""
        candidates = self._candidates(len(self.train))
        gpu = self._gpu_search()
        if gpu is not None:
            try:
                return gpu.ranked(queries, candidates)
            except RuntimeError as error:  # out of GPU memory (a DAW holds it), a GPU gone
                self._give_up_gpu(error)
        index = self.model.kneighbors(z, n_neighbors=candidates)[1]
        return self._ranked(queries, index)

    def _searching(self) -> str:
        """The progress message of a search: where it ran, when that was a GPU (or why not,
        when the GPU failed)."""
        if self.gpu_failed:
            return f"nearest neighbours (on the CPU: {self.gpu_failed})"
        return "nearest neighbours" + (" (GPU)" if self.searched_on_gpu else "")

    def _give_up_gpu(self, error: RuntimeError) -> None:
        """Search on the CPU from now on, saying why; the GPU's memory is handed back."""
        from anomalizer_desktop.core.detector import gpu_search

        self._gpu, self.gpu_failed = False, gpu_search.failure_words(error)
        gpu_search.release_memory()

    def _gpu_search(self):
        """The GPU search of the training rows (`gpu_search.TorchCandidateSearch`), or None
        where the CPU searches (no CUDA GPU, a small library, told "cpu")."""
        if self._gpu is None and self.metric != "manhattan":
            self._gpu = False  # the Euclidean baseline searches with scikit-learn alone
        if self._gpu is None:
            from anomalizer_desktop.core.detector import gpu_search

            device = gpu_search.search_device(self.search_on, len(self.train))
            self._gpu = False
            if device is not None:
                try:
                    self._gpu = gpu_search.TorchCandidateSearch(self._train32, device)
                except RuntimeError as error:  # the rows do not fit in the GPU's memory
                    self._give_up_gpu(error)
        return self._gpu or None

    @property
    def searched_on_gpu(self) -> bool:
        """Whether its searches so far ran on a GPU (`gpu_search`)."""
        return bool(self._gpu)

    def search_with(self, device: str) -> None:
        """Search on `device` from now on (`search_on`)."""
        self.search_on, self._gpu, self.gpu_failed = device, None, None

    def _usable_candidates(self, z: np.ndarray) -> np.ndarray:
        """Candidates among the usable training rows alone (row numbers of `train`)."""
        usable = np.flatnonzero(self.usable)
        if self._usable_model is None:
            from sklearn.neighbors import NearestNeighbors

            self._usable_model = NearestNeighbors(algorithm=self._algorithm(z.shape[1]))
            self._usable_model.fit(self.train[usable])
        index = self._usable_model.kneighbors(z, n_neighbors=self._candidates(len(usable)))[1]
        return usable[index]

    def _ranked(self, queries: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates `index` of each query row ordered by exact L1 distance, and those
        distances (float32), on threads."""
        # float32 and in place: the gathered candidates are the memory traffic (6x faster)
        train = self._train32
        distances = np.empty(index.shape, dtype=np.float32)

        def measure(start: int) -> None:
            stop = start + rows
            gathered = train[index[start:stop]]
            gathered -= queries[start:stop, None, :]
            np.abs(gathered, out=gathered)
            distances[start:stop] = gathered.sum(axis=-1)

        # numpy lets go of the GIL while it gathers, subtracts and sums: chunks of rows on
        # threads (scikit-learn's candidate search already uses every core; this part used one)
        workers = rerank_threads()
        rows = max(1, self.CHUNK_BYTES // (workers * index.shape[1] * queries.shape[1] * 4))
        starts = range(0, len(queries), rows)
        if workers == 1 or len(starts) == 1:
            for start in starts:
                measure(start)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(measure, starts))
        by = np.argsort(distances, axis=1, kind="stable")
        return np.take_along_axis(index, by, axis=1), np.take_along_axis(distances, by, axis=1)

    def _take_usable(
        self, order: np.ndarray, distances: np.ndarray, nearest: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """Write into `nearest[rows]` the first `wanted` distances of each row's usable
        candidates; returns which rows had that many (the others are left to search)."""
        usable = np.ones(order.shape, bool) if self.usable is None else self.usable[order]
        rank = np.cumsum(usable, axis=1)
        found = rank[:, -1] >= self.wanted
        take = usable[found] & (rank[found] <= self.wanted)
        nearest[rows[found]] = distances[found][take].reshape(-1, self.wanted)
        return found

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
            scores[start:stop] = self._mean_of_nearest(self._nearest(z[start:stop]))
            yield Progress(stop, len(z), self._searching())
        return scores

    def _mean_of_nearest(self, distances: np.ndarray) -> np.ndarray:
        # a match at distance ~0 is the sample itself (or an identical copy): skip it
        self_match = distances[:, 0] < self.SAME_LOOP
        shifted = np.where(self_match[:, None], distances[:, 1:], distances[:, :-1])
        if shifted.shape[1] == 0:
            return distances[:, 0]
        return shifted[:, : self.k_used].mean(axis=1)

    def state(self) -> dict:
        return {**super().state(), "metric": self.metric, "k": self.k, **usable_state(self)}

    @classmethod
    def from_state(cls, state: dict) -> KnnDetector:
        model = cls(
            seed=int(state["seed"]),
            metric=str(state.get("metric", "euclidean")),
            k=int(state.get("k", 10)),
        )
        model.train = np.asarray(state["train"], dtype=np.float64)
        model.usable = usable_from_state(state)
        model._fit(model.train)
        return model


def rows_of(lists: np.ndarray, rows: int) -> bool:
    """Whether every entry of `lists` is a row number below `rows`."""
    return lists.size == 0 or (lists.min() >= 0 and lists.max() < rows)
