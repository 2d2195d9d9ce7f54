"""Feature standardisation fitted on the training set and stored with the model.

Each dimension is centred on its median and scaled by a robust spread (IQR / 1.349, falling back
to the standard deviation), so a few outliers in the training library do not set the scale; the
result is clipped to ±CLIP. When the embedder describes groups of features (timbre, rhythm...),
each group is weighted by 1/sqrt(its size), so that a 128-number group does not outvote a
5-number one in every distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLIP = 8.0


@dataclass
class Standardizer:
    center: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, groups: dict[str, slice] | None = None) -> Standardizer:
        x = np.asarray(x, dtype=np.float64)
        center = np.median(x, axis=0)
        q75, q25 = np.percentile(x, [75, 25], axis=0)
        scale = (q75 - q25) / 1.349
        std = x.std(axis=0)
        scale = np.where(scale > 1e-8, scale, std)
        scale = np.where(scale > 1e-8, scale, 1.0)
        weights = np.ones(x.shape[1])
        for part in (groups or {}).values():
            weights[part] = 1.0 / np.sqrt(max(1, part.stop - part.start))
        return cls(center.astype(np.float32), scale.astype(np.float32), weights.astype(np.float32))

    def transform(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float32) - self.center) / self.scale
        return np.clip(z, -CLIP, CLIP) * self.weights

    def state(self) -> dict:
        return {"center": self.center, "scale": self.scale, "weights": self.weights}

    @classmethod
    def from_state(cls, state: dict) -> Standardizer:
        return cls(
            *(np.asarray(state[k], dtype=np.float32) for k in ("center", "scale", "weights"))
        )
