"""Putting detectors' scores on one scale, so that an ensemble can average them.

Used by the default ensemble (its members) and by the per-aspect kNN detector (its parts): each
score is expressed in units of the spread of that scorer's own training scores.
"""

from __future__ import annotations

import numpy as np


def robust_scale(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores in units of the reference's spread: (s - median) / (p90 - p10).

    Unlike percentiles this keeps ordering beyond the training range, so loops more unusual
    than anything seen in training still sort among themselves.
    """
    median, low, high = np.percentile(reference, [50, 10, 90]) if len(reference) else (0, 0, 1)
    spread = high - low if high - low > 1e-12 else max(float(np.std(reference)), 1e-12)
    return (np.asarray(scores, dtype=np.float64) - median) / spread


def mean_robust_scaled(references: list[np.ndarray], scores: list[np.ndarray]) -> np.ndarray:
    """The average of several scorers' scores, each robustly scaled by its own reference."""
    return np.mean([robust_scale(r, s) for r, s in zip(references, scores, strict=True)], axis=0)
