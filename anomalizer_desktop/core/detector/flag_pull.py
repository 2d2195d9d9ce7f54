""" "More like this one": loops near a loop the user flagged `unusual` score higher.

A producer who flags one loop as unusual expects its look-alikes to rise in the list too. Leaving
the flagged loop out of the kNN reference (what the baselines do) barely moves them: a group of
similar odd loops still counts as its own neighbourhood. So after fitting, each flagged loop
becomes an anchor, and a loop at L1 distance d from its nearest anchor gains
STRENGTH x exp(-(d / r)^2), in the units of the default ensemble's score (spreads of its
training scores, see `score_scale`). The radius r is WIDTH x the smaller of two neighbourhoods:
the anchor's (its mean distance to its K nearest loops) and the loop's own (its mean distance to
its nearest loops, the default's kNN score). So the pull reaches only loops that are closer to
the flagged one than to their usual company: a drum loop in a dense crowd of drum loops is never
pulled towards a flagged tone, however lonely the tone is.

Measured with `anomalizer evaluate --protocol assisted` (README) on DSP v2 vectors, mean AUC on
the held-out scenarios 0.904 -> 0.950 and on the shared ones 0.897 -> 0.929. Radius by the
anchor alone scored 0.949 / 0.919, by the loop alone 0.947 / 0.926; WIDTH 1.0-2.0 and K 3-10
scored within 0.005. A matching push-down for loops near `typical` flags was measured and left
out (held-out 0.949 -> 0.947). Weighting the per-aspect distances by how far the flagged loops
deviate in each aspect added nothing on top of the pull (DSP v3, held-out 0.959 -> 0.958).
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import cdist

from anomalizer_desktop.core.parallel import usable_cores

STRENGTH = 2.0
WIDTH = 1.5
K = 5
#: rows per chunk of `l1_distances` (one chunk a thread)
CHUNK_ROWS = 4096


def l1_distances(rows: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """L1 distances from each row to each anchor (rows x anchors, float64), in chunks of rows
    on threads: SciPy lets go of the GIL while it measures, and one thread took 6.5 s for 200
    anchors against 100,000 loops (2 cores: 3.7 s on two). The same numbers as one call."""
    rows = np.asarray(rows)
    starts = range(0, len(rows), CHUNK_ROWS)
    out = np.empty((len(rows), len(anchors)))
    anchors = np.asarray(anchors, dtype=np.float64)

    def measure(start: int) -> None:
        chunk = np.asarray(rows[start : start + CHUNK_ROWS], dtype=np.float64)
        out[start : start + CHUNK_ROWS] = cdist(chunk, anchors, metric="cityblock")

    threads = min(usable_cores(), len(starts))
    if threads <= 1 or not len(anchors):
        for start in starts:
            measure(start)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(measure, starts))
    return out


@dataclass
class UnusualPull:
    """Anchors (standardised vectors of flagged-unusual loops), the size of each one's
    neighbourhood (mean L1 distance to its K nearest loops) and the standardised vectors of the
    loops flagged typical, which gain nothing."""

    anchors: np.ndarray
    neighbourhoods: np.ndarray
    width: float = WIDTH
    strength: float = STRENGTH
    typical: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    #: the training rows' distances to the anchors, measured by `fit` for the training's own
    #: `bonus` (`take_fit_distances`): not measured twice, not kept in the model
    fit_distances: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(cls, z: np.ndarray, labels: np.ndarray | None, k: int = K) -> UnusualPull | None:
        """From the standardised training rows and their flags (-1 unusual); None without any."""
        if labels is None or len(z) < 2:
            return None
        flagged = np.flatnonzero(np.asarray(labels) < 0)
        if len(flagged) == 0:
            return None
        anchors = np.asarray(z[flagged], dtype=np.float64)
        distances = l1_distances(z, anchors)  # rows x anchors
        per_anchor = distances.T.copy()
        per_anchor[np.arange(len(flagged)), flagged] = np.inf  # not its own neighbour
        # the k nearest of each anchor, in order (a partition, not a sort of every loop)
        k = max(1, min(k, len(z) - 1))
        nearest = np.sort(np.partition(per_anchor, k - 1, axis=1)[:, :k], axis=1)
        typical = np.asarray(z[np.asarray(labels) > 0], dtype=np.float32)
        return cls(
            anchors.astype(np.float32),
            nearest.mean(axis=1).astype(np.float32),
            typical=typical,
            fit_distances=distances,
        )

    def take_fit_distances(self) -> np.ndarray | None:
        """The distances `fit` measured (training rows x anchors), once: then they go."""
        distances, self.fit_distances = self.fit_distances, None
        return distances

    def gains(
        self,
        z: np.ndarray,
        neighbourhoods: np.ndarray | None = None,
        distances: np.ndarray | None = None,
    ) -> np.ndarray:
        """What each row (axis 0) gains from each anchor (axis 1), STRENGTH at most.

        `neighbourhoods`: each row's own mean L1 distance to its nearest training loops (the
        default's kNN score); the radius is the smaller of the row's and the anchor's.
        `distances`: the rows' L1 distances to the anchors, where already measured.
        """
        if distances is None:
            distances = l1_distances(z, self.anchors)
        radii = np.broadcast_to(self.neighbourhoods[None, :], distances.shape)
        if neighbourhoods is not None:
            radii = np.minimum(radii, np.asarray(neighbourhoods, dtype=np.float64)[:, None])
        radii = np.maximum(self.width * radii, 1e-9)
        gains = self.strength * np.exp(-((distances / radii) ** 2))
        gains[self._is_typical(z)] = 0.0
        return gains

    def _is_typical(self, z: np.ndarray) -> np.ndarray:
        """Rows that are loops flagged typical when the pull was fitted (or exact copies).

        Matched by their bytes: standardising is elementwise, so a loop's row is bitwise the
        same at fit and at score time, and a set lookup stays cheap with thousands of flags."""
        if not self._typical_rows:
            return np.zeros(len(z), dtype=bool)
        rows = np.ascontiguousarray(z, dtype=np.float32)
        known = self._typical_rows
        return np.fromiter((row.tobytes() in known for row in rows), dtype=bool, count=len(rows))

    @functools.cached_property
    def _typical_rows(self) -> frozenset[bytes]:
        """The typical loops' rows as bytes, built once per model."""
        return frozenset(r.tobytes() for r in np.ascontiguousarray(self.typical, np.float32))

    def bonus(
        self,
        z: np.ndarray,
        neighbourhoods: np.ndarray | None = None,
        distances: np.ndarray | None = None,
    ) -> np.ndarray:
        """What each row gains: the pull of its strongest anchor (0 when far from all)."""
        return self.gains(z, neighbourhoods, distances).max(axis=1)

    def state(self) -> dict:
        return {
            "anchors": self.anchors,
            "neighbourhoods": self.neighbourhoods,
            "width": self.width,
            "strength": self.strength,
            "typical": self.typical,
        }

    @classmethod
    def from_state(cls, state: dict | None) -> UnusualPull | None:
        if not state:
            return None
        return cls(
            np.asarray(state["anchors"], dtype=np.float32),
            np.asarray(state["neighbourhoods"], dtype=np.float32),
            float(state["width"]),
            float(state["strength"]),
            # checkpoints from before typical flags were exempt have none
            np.asarray(state.get("typical", np.zeros((0, 0))), dtype=np.float32),
        )
