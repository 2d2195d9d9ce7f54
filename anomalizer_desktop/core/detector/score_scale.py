"""Putting detectors' scores on one scale, so that an ensemble can average them.

Used by the default ensemble (its members) and by the per-aspect kNN detector (its parts): each
score is expressed in units of the spread of that scorer's own training scores.
"""

from __future__ import annotations

import numpy as np


def robust_scale(reference: np.ndarray, scores: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Scores in units of the reference's spread: (s - median) / (p90 - p10).

    Unlike percentiles this keeps ordering beyond the training range, so loops more unusual
    than anything seen in training still sort among themselves. `floor`: the smallest spread
    to divide by. A scorer whose training scores hardly spread (an aspect every training
    loop shares, such as a pack's loops all of one length) would otherwise divide a new
    loop's ordinary difference by almost nothing (1e-12), and its score swamp every other.
    """
    median, low, high = np.percentile(reference, [50, 10, 90]) if len(reference) else (0, 0, 1)
    spread = high - low if high - low > 1e-12 else float(np.std(reference))
    spread = max(spread, floor, 1e-12)
    return (np.asarray(scores, dtype=np.float64) - median) / spread


def mean_robust_scaled(
    references: list[np.ndarray], scores: list[np.ndarray], floors: list[float] | None = None
) -> np.ndarray:
    """The average of several scorers' scores, each robustly scaled by its own reference
    (and spread floor, when given)."""
    floors = floors if floors is not None else [0.0] * len(references)
    return np.mean(
        [robust_scale(r, s, f) for r, s, f in zip(references, scores, floors, strict=True)],
        axis=0,
    )
