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
        x = np.asarray(x)
        weights = np.ones(x.shape[1], np.float32)
        for part in (groups or {}).values():
            weights[part] = 1.0 / np.sqrt(max(1, part.stop - part.start))
        if len(x) == 0:  # no loops to learn a spread from (nothing embedded): as they are
            return cls(np.zeros(x.shape[1], np.float32), np.ones(x.shape[1], np.float32), weights)
        # one partition for the three quartiles, along contiguous rows of the transpose:
        # 2.5x faster than a median and a percentile down the columns (100k x 308: 0.75 s
        # against 1.85 s on 2 cores), and the 50th percentile is the median exactly
        columns = np.ascontiguousarray(x.T, dtype=np.float64)
        q25, center, q75 = np.percentile(columns, [25, 50, 75], axis=1)
        scale = (q75 - q25) / 1.349
        flat = scale <= 1e-8
        if flat.any():  # the standard deviation only where the quartiles coincide
            scale[flat] = columns[flat].std(axis=1)
        scale = np.where(scale > 1e-8, scale, 1.0)
        return cls(center.astype(np.float32), scale.astype(np.float32), weights)

    @classmethod
    def fit_on_sample(
        cls, x: np.ndarray, groups: dict[str, slice] | None = None, most: int = 20_000
    ) -> Standardizer:
        """Fitted on an evenly spaced sample of at most `most` rows: a big library's spreads
        are as well known from it where the result only guides (the map, the explanations
        before any training). 100k x 308 on 2 cores: 0.13 s instead of 0.75-1.0 s. Training
        fits on every row (`fit`)."""
        return cls.fit(x[:: -(-len(x) // most) or 1], groups)

    def transform(self, x: np.ndarray, in_place: bool = False) -> np.ndarray:
        """Standardised, clipped and weighted rows of `x` (float32). With `in_place`, in `x`
        itself where it is a float32 array (a caller that has no more use for the raw
        vectors: 123 MB less at 100,000 x 308)."""
        if in_place and isinstance(x, np.ndarray) and x.dtype == np.float32:
            z = np.subtract(x, self.center, out=x)
        else:
            z = np.asarray(x, dtype=np.float32) - self.center  # a new array: the rest in place
        z /= self.scale
        np.clip(z, -CLIP, CLIP, out=z)
        z *= self.weights
        return z

    def state(self) -> dict:
        return {"center": self.center, "scale": self.scale, "weights": self.weights}

    @classmethod
    def from_state(cls, state: dict) -> Standardizer:
        return cls(
            *(np.asarray(state[k], dtype=np.float32) for k in ("center", "scale", "weights"))
        )
