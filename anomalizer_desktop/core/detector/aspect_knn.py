"""The per-aspect kNN detector: kNN distances on each descriptor group (timbre, rhythm,
pitch...) separately, robustly scaled and averaged (the default's second member)."""

from __future__ import annotations

import numpy as np

from anomalizer_desktop.core.detector.knn import KnnDetector, search_work
from anomalizer_desktop.core.detector.score_scale import mean_robust_scaled
from anomalizer_desktop.core.detector.sklearn_detector import (
    SklearnDetector,
    usable_from_state,
    usable_state,
)
from anomalizer_desktop.core.jobs import CancelToken, Job, as_part, parts_of, run_job

#: the least spread an aspect's training distances are divided by, as a share of the distance
#: of one standardised unit along every column of the aspect (`spread_floor`). Only an aspect
#: whose distances hardly vary meets it: on the 501 loops of the shared scenarios the least
#: spread was 0.105 units (length), the others 0.32-1.25
SPREAD_FLOOR = 0.02


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
        #: each aspect's candidate lists from an earlier fit on the same rows (KnnDetector)
        self.reuse_lists: list[np.ndarray] | None = None
        #: the torch device each aspect's L1 search may use (`KnnDetector.search_on`)
        self.search_on = "cpu"

    @property
    def passes_over_flagged(self) -> bool:  # type: ignore[override]
        return self.metric == "manhattan"

    @property
    def neighbour_lists(self) -> list[np.ndarray] | None:
        """Each aspect's candidate lists from the fit (L1 only), for the next fit to reuse."""
        lists = [part.neighbour_lists for _, part, _ in self.parts]
        return None if any(one is None for one in lists) else lists

    @property
    def reused(self) -> int:
        """Training loops whose neighbours came from `reuse_lists`, over all the aspects."""
        return sum(part.reused for _, part, _ in self.parts)

    def _fit(self, z):
        run_job(self._fit_job(z, None))

    def _fit_job(self, z, cancel):
        spans = self.groups or [(0, z.shape[1])]
        reuse = (
            self.reuse_lists if self.reuse_lists and len(self.reuse_lists) == len(spans) else None
        )
        self.parts, train_scores = [], []
        for i, (start, stop) in enumerate(spans):
            part = self._part(z, start, stop)
            part.reuse_lists = None if reuse is None else reuse[i]
            scores = yield from self._per_aspect(part.training_rows_job(cancel), i, spans)
            usable = scores if part.usable is None else scores[part.usable]
            self.parts.append(((start, stop), part, np.sort(usable)))
            train_scores.append(scores)
        self._fit_scores = self._combine(train_scores)

    def search_with(self, device: str) -> None:
        """Every aspect searches on `device` from now on (`KnnDetector.search_on`)."""
        self.search_on = device
        for _, part, _ in getattr(self, "parts", []):
            part.search_with(device)

    def _part(self, z: np.ndarray, start: int, stop: int) -> KnnDetector:
        """The kNN detector of one aspect: columns start:stop of the training matrix."""
        part = KnnDetector(self.seed, self.metric, self.k)
        part.train = z[:, start:stop]
        part.usable = self.usable
        part.search_with(self.search_on)
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
        return mean_robust_scaled(
            [reference for _, _, reference in self.parts],
            part_scores,
            [self.spread_floor(stop - start) for (start, stop), _, _ in self.parts],
        )

    def spread_floor(self, columns: int) -> float:
        """SPREAD_FLOOR of the distance one standardised unit along each of an aspect's
        `columns` makes, each group weighted 1/sqrt(its size) (`preprocess.Standardizer`): L1
        sqrt(columns), L2 1. A pack's loops all 2.00 s long put every training distance in
        length at 0, and a 4 s loop added later scored 1e11 (the table showed "10226…")."""
        unit = float(np.sqrt(columns)) if self.metric == "manhattan" else 1.0
        return SPREAD_FLOOR * unit

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
            # each aspect's sorted training scores (aspects x usable rows): loading a checkpoint
            # then skips one neighbour search of the whole library per aspect (10 s at 10k loops)
            "references": np.stack([reference for _, _, reference in self.parts]),
            **usable_state(self),
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
        model.usable = usable_from_state(state)
        spans = model.groups or [(0, model.train.shape[1])]
        references = state.get("references")
        usable = len(model.train) if model.usable is None else int(model.usable.sum())
        if references is None or np.shape(references) != (len(spans), usable):
            model._fit(model.train)  # older checkpoints kept no references: search again
            return model
        model.parts = [
            ((start, stop), model._part(model.train, start, stop), np.asarray(reference, float))
            for (start, stop), reference in zip(spans, np.asarray(references), strict=True)
        ]
        return model
