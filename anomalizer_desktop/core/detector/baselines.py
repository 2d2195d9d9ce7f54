"""Classic detectors on the same standardised features (scikit-learn): the yardsticks.

Each has `fit(z, labels)` and `score(z)` (higher = more unusual). Loops flagged `unusual` are left
out of the fit; the rest train as unlabelled data. Their persisted state is the training matrix,
refitted deterministically on load, so checkpoints stay loadable with torch's `weights_only`.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import OneClassSVM


class SklearnDetector:
    name = "base"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.train: np.ndarray | None = None

    def fit(self, z: np.ndarray, labels: np.ndarray | None = None) -> SklearnDetector:
        z = np.asarray(z, dtype=np.float64)
        if labels is not None and (labels < 0).any() and (labels >= 0).sum() >= 3:
            z = z[labels >= 0]
        self.train = z
        self._fit(z)
        return self

    def _fit(self, z: np.ndarray) -> None:
        raise NotImplementedError

    def score(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> dict:
        return {"train": self.train, "seed": self.seed}

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
    """Mean distance to the k nearest training loops (a loop is never its own neighbour)."""

    name = "knn"
    k = 10

    def _fit(self, z):
        self.k_used = max(1, min(self.k, len(z) - 1))
        self.model = NearestNeighbors(n_neighbors=min(self.k_used + 1, len(z))).fit(z)

    def score(self, z):
        distances, _ = self.model.kneighbors(np.asarray(z, dtype=np.float64))
        # an exact match at distance 0 is the sample itself (or an identical copy): skip it
        self_match = distances[:, 0] < 1e-9
        shifted = np.where(self_match[:, None], distances[:, 1:], distances[:, :-1])
        if shifted.shape[1] == 0:
            return distances[:, 0]
        return shifted[:, : self.k_used].mean(axis=1)


class AspectKnnDetector(SklearnDetector):
    """kNN distance computed separately on each descriptor group (timbre, rhythm, pitch...),
    robustly scaled and averaged: a loop that is ordinary overall but odd in one aspect still
    stands out. Feature bagging over meaningful subspaces (after Lazarevic & Kumar 2005)."""

    name = "aspects"

    def __init__(self, seed: int = 0, groups: list[tuple[int, int]] | None = None) -> None:
        super().__init__(seed)
        self.groups = groups

    def _fit(self, z):
        spans = self.groups or [(0, z.shape[1])]
        self.parts = []
        for start, stop in spans:
            part = KnnDetector(self.seed)
            part.train = z[:, start:stop]
            part._fit(part.train)
            self.parts.append(((start, stop), part, np.sort(part.score(part.train))))

    def score(self, z):
        z = np.asarray(z, dtype=np.float64)
        from anomalizer_desktop.core.detector.model import robust_scale

        scaled = [
            robust_scale(reference, part.score(z[:, start:stop]))
            for (start, stop), part, reference in self.parts
        ]
        return np.mean(scaled, axis=0)

    def state(self) -> dict:
        return {**super().state(), "groups": np.asarray(self.groups or [], dtype=np.int64)}

    @classmethod
    def from_state(cls, state: dict) -> AspectKnnDetector:
        groups = [tuple(int(v) for v in g) for g in np.asarray(state["groups"])] or None
        model = cls(seed=int(state["seed"]), groups=groups)
        model.train = np.asarray(state["train"], dtype=np.float64)
        model._fit(model.train)
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
