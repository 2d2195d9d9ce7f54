"""A 2-D map of the library: PCA of the standardised embeddings.

PCA is linear, fast and stable from run to run; its axes are the two directions along which the
library varies most. It is a map for browsing, not a measure: distances on it are only a rough
guide to how alike two loops sound.

The PCA is the eigendecomposition of the covariance matrix (numpy), not scikit-learn's PCA:
importing scikit-learn took about 1 s of a 2-core machine's start-up, before the first library
appeared, and its randomized solver (used above 5,000 loops) gave axes that differ from run to
run where two directions carry nearly the same variance. Exact, with the covariance in float32,
100k x 308 takes 0.13 s against scikit-learn's 0.68 s (2 cores, 2026-11-29).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.embedding.base import UnknownEmbedderError
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.library.store import Store

#: above this many loops, the map's standardisation is fitted on an evenly spaced sample of them
MAX_LOOPS_FOR_SCALING = 20_000


@dataclass
class MapPlacement:
    """What the map did to the library's vectors, to put other vectors on it the same way
    (loops from outside: where a new pack would land among the library's)."""

    standardizer: Standardizer
    mean: np.ndarray  # (dim,) of the standardised library
    axes: np.ndarray  # (dim, 2)

    def place(self, x: np.ndarray) -> np.ndarray:
        """(n, 2) float32 map coordinates of the rows of `x` (raw vectors)."""
        z = self.standardizer.transform(np.asarray(x, dtype=np.float32).reshape(-1, len(self.mean)))
        return ((z - self.mean) @ self.axes).astype(np.float32)


@dataclass
class MapProjection:
    ids: np.ndarray  # sample ids, aligned with xy
    xy: np.ndarray  # (n, 2) float32
    explained: tuple[float, float]  # share of the variance each axis carries (PCA)
    placement: MapPlacement | None = None  # None: an empty map, or a sound map
    #: "pca": the two main directions; "sound": the sound map (t-SNE, `sound_map`)
    kind: str = "pca"
    placed: int = 0  # sound map: loops placed beside their neighbours since it was drawn

    @property
    def caption(self) -> str:
        if not len(self.ids):
            return "The map shows embedded loops; embed the library to fill it."
        if self.kind == "sound":
            later = ""
            if self.placed == 1:
                later = " 1 loop embedded since it was drawn sits beside the loops it sounds like."
            elif self.placed:
                later = (
                    f" {self.placed} loops embedded since it was drawn sit beside the loops"
                    " they sound like."
                )
            return (
                "Sound map: loops that sound alike sit together, so packs and kinds of sound"
                " form islands and a loop that fits nowhere sits apart. The axes have no"
                f" meaning, and distances between islands say little.{later}"
            )
        a, b = (round(100 * e) for e in self.explained)
        return (
            f"Axes: the two main directions of variation in your library's sound "
            f"({a}% and {b}% of it). Nearby points sound alike; the axes have no fixed "
            f"meaning and distances are only a rough guide."
        )


def project(
    x: np.ndarray, groups: dict[str, slice] | None = None
) -> tuple[np.ndarray, tuple[float, float]]:
    """(n, 2) float32 coordinates of the rows of `x`, and the share of the variance each axis
    carries."""
    xy, explained, _ = fit_map(x, groups)
    return xy, explained


def fit_map(
    x: np.ndarray, groups: dict[str, slice] | None = None
) -> tuple[np.ndarray, tuple[float, float], MapPlacement | None]:
    """As `project`, and how to place other vectors on the same map (None for an empty one,
    or one of fewer than 3 loops, which is not a PCA)."""
    if len(x) == 0:
        return np.zeros((0, 2), np.float32), (0.0, 0.0), None
    # the map is a rough guide: its spreads come from an even sample of a big library's loops
    standardizer = Standardizer.fit_on_sample(x, groups, MAX_LOOPS_FOR_SCALING)
    z = standardizer.transform(x)
    if len(x) < 3:
        xy = np.c_[np.arange(len(x), dtype=np.float32), np.zeros(len(x), np.float32)]
        return xy, (1.0, 0.0), None
    mean = z.mean(axis=0)
    centred = z - mean  # float32, as `transform` gives it
    variances, axes = np.linalg.eigh((centred.T @ centred).astype(np.float64))
    top = np.argsort(variances)[::-1][:2]
    axes = axes[:, top]
    # an eigenvector's sign is arbitrary: point each axis at its largest loading, so that the
    # same library always gives the same map
    axes *= np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(len(top))])
    both = np.zeros((z.shape[1], 2), np.float32)  # one axis for a single column: the 2nd is 0
    both[:, : len(top)] = axes
    xy = centred @ both
    total = float(variances.clip(min=0).sum()) or 1.0
    shares = [max(float(v), 0.0) / total for v in variances[top]] + [0.0]
    return xy, (shares[0], shares[1]), MapPlacement(standardizer, mean, both)


def library_map(store: Store, embedder: str = "dsp", kind: str = "pca") -> MapProjection:
    """The map of every usable embedded loop of one embedder: with `kind` "sound", the sound
    map where it has been drawn (`sound_map`), else (and with "pca") the PCA map."""
    if kind == "sound":
        from anomalizer_desktop.core.analysis.sound_map import sound_map

        drawn = sound_map(store, embedder)
        if drawn is not None:
            return drawn
    try:
        info = embedder_info(store, embedder)
    except UnknownEmbedderError:  # nothing embedded yet
        return MapProjection(np.zeros(0, np.int64), np.zeros((0, 2), np.float32), (0.0, 0.0))
    ids, x = store.feature_matrix(info.id, info.version)
    xy, explained, placement = fit_map(x, info.groups)
    return MapProjection(ids, xy, explained, placement)
