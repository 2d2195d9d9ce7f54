"""The pull towards loops flagged unusual: its distances, measured once per training."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from anomalizer_desktop.core.detector import flag_pull
from anomalizer_desktop.core.detector.flag_pull import UnusualPull, l1_distances
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.jobs import run_job

GROUPS = {"timbre": slice(0, 14), "rhythm": slice(14, 20), "pitch": slice(20, 24)}


def loops(n=400, dim=24, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (8, dim))
    return (centres[rng.integers(0, 8, n)] + rng.normal(0, 1, (n, dim))).astype(np.float32)


def test_l1_distances_in_chunks_on_threads_are_cdists_own(monkeypatch):
    x = loops(n=50)
    monkeypatch.setattr(flag_pull, "CHUNK_ROWS", 7)  # 8 chunks, the last one short
    measured = l1_distances(x, x[[3, 9, 20]])
    assert np.array_equal(measured, cdist(x.astype(np.float64), x[[3, 9, 20]], "cityblock"))
    assert l1_distances(x, np.zeros((0, 24))).shape == (50, 0)


def test_the_anchors_neighbourhoods_are_their_k_nearest_loops():
    x = loops()
    labels = np.zeros(len(x))
    labels[[5, 77, 300]] = -1
    labels[[8, 9]] = 1
    pull = UnusualPull.fit(x, labels, k=5)
    full = cdist(x[[5, 77, 300]].astype(np.float64), x.astype(np.float64), "cityblock")
    full[np.arange(3), [5, 77, 300]] = np.inf
    expected = np.sort(full, axis=1)[:, :5].mean(axis=1).astype(np.float32)
    assert np.array_equal(pull.neighbourhoods, expected)
    assert pull.typical.shape == (2, 24)
    assert pull.take_fit_distances().shape == (len(x), 3) and pull.take_fit_distances() is None


def test_a_training_measures_the_pull_once_and_scores_as_scoring_does(monkeypatch):
    """The training's own scores take the pull's distances from its fit; scoring the same
    loops afterwards measures them anew: the same scores, and nothing kept in the model."""
    x = loops()
    labels = np.zeros(len(x))
    labels[[5, 6, 77, 300]] = -1
    calls = []
    real = flag_pull.l1_distances
    monkeypatch.setattr(
        flag_pull,
        "l1_distances",
        lambda rows, anchors: calls.append(len(rows)) or real(rows, anchors),
    )
    model = run_job(AnomalyModel(ModelSpec("default", device="cpu")).fit(x, labels, GROUPS))
    assert calls == [len(x)]  # once, for fit and the training's scores both
    assert model.pull.fit_distances is None and "fit_distances" not in model.pull.state()
    np.testing.assert_array_equal(model.score(x), model.fit_scores)
    assert calls == [len(x), len(x)]
