"""Classic detectors on the same standardised features (scikit-learn): the yardsticks, and the
registry of every scikit-learn detector by name (the kNN ones live in `knn`).
"""

from __future__ import annotations

import numpy as np

from anomalizer_desktop.core.detector.aspect_knn import AspectKnnDetector
from anomalizer_desktop.core.detector.knn import KnnDetector
from anomalizer_desktop.core.detector.sklearn_detector import SklearnDetector


class IsolationForestDetector(SklearnDetector):
    name = "iforest"

    def _fit(self, z):
        from sklearn.ensemble import IsolationForest  # (imported when used: see knn.model)

        self.model = IsolationForest(n_estimators=300, random_state=self.seed).fit(z)

    def score(self, z):
        return -self.model.score_samples(np.asarray(z, dtype=np.float64))


class PcaDetector(SklearnDetector):
    """Reconstruction error from the principal components that keep 90 % of the variance."""

    name = "pca"

    def _fit(self, z):
        from sklearn.decomposition import PCA

        components = 0.9 if len(z) > 2 else None
        self.model = PCA(n_components=components, random_state=self.seed).fit(z)

    def score(self, z):
        z = np.asarray(z, dtype=np.float64)
        rebuilt = self.model.inverse_transform(self.model.transform(z))
        return ((z - rebuilt) ** 2).sum(axis=1)


class OneClassSvmDetector(SklearnDetector):
    name = "ocsvm"

    def _fit(self, z):
        from sklearn.svm import OneClassSVM

        self.model = OneClassSVM(nu=0.1, gamma="scale").fit(z)

    def score(self, z):
        return -self.model.score_samples(np.asarray(z, dtype=np.float64))


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
