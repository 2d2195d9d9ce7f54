"""Copies of one loop count once: the detector learns from distinct sounds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from test_detector import EMBEDDER, clusters

from anomalizer_desktop.core.detector import distinct
from anomalizer_desktop.core.detector.checkpoint import load_checkpoint, save_checkpoint
from anomalizer_desktop.core.detector.distinct import distinct_rows, sound_labels
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.jobs import run_job


def fit(spec: ModelSpec, x, labels=None) -> AnomalyModel:
    return run_job(AnomalyModel(spec).fit(x, labels))


def with_copies(x: np.ndarray, rows: list[int], copies: int) -> np.ndarray:
    """x with `copies` extra copies of each of `rows` appended (a pack unpacked twice...)."""
    return np.vstack([x, np.repeat(x[rows], copies, axis=0)])


def test_distinct_rows_keep_their_first_order_and_map_every_copy_back():
    x = np.array([[3, 1], [0, 0], [3, 1], [2, 2], [0, 0], [3, 1]], dtype=np.float32)
    found = distinct_rows(x)
    assert found.rows.tolist() == [0, 1, 3]
    assert found.inverse.tolist() == [0, 1, 0, 2, 1, 0]
    assert not found.all_distinct
    np.testing.assert_array_equal(x[found.rows][found.inverse], x)
    unique = distinct_rows(x[[3, 1, 0]])
    assert unique.all_distinct and unique.rows.tolist() == [0, 1, 2]
    assert distinct_rows(np.zeros((0, 4), np.float32)).rows.size == 0


def test_rows_are_compared_bit_for_bit_even_when_every_hash_collides(monkeypatch):
    monkeypatch.setattr(distinct, "_row_hash", lambda _bytes: 7)
    x = np.array([[1.0, 2.0], [1.0, 2.0000002], [1.0, 2.0], [np.nan, 0.0]], np.float32)
    found = distinct_rows(x)
    assert found.rows.tolist() == [0, 1, 3]  # a float apart is another sound
    assert found.inverse.tolist() == [0, 1, 0, 2]


def test_a_flag_on_any_copy_is_the_sounds_and_opposite_flags_cancel():
    x = np.array([[0], [0], [1], [1], [2], [3], [3]], dtype=np.float32)
    labels = np.array([0, -1, 1, 0, 0, 1, -1])
    assert sound_labels(labels, distinct_rows(x)).tolist() == [-1, 1, 0, 0]


@pytest.mark.parametrize("detector", ["default", "knn", "iforest", "svdd"])
def test_copies_of_an_odd_loop_do_not_hide_it(detector):
    """Five copies of each outlier (one file in several folders) leave every score as it was
    without them: an odd loop is not its own crowd."""
    x, y = clusters()
    outliers = np.flatnonzero(y).tolist()
    spec = ModelSpec(detector=detector, epochs=4, ensemble=1)
    alone = fit(spec, x)
    copied_x = with_copies(x, outliers, 5)
    copied = fit(spec, copied_x)
    n = len(x)
    np.testing.assert_allclose(copied.fit_scores[:n], alone.fit_scores, rtol=1e-6)
    np.testing.assert_allclose(copied.score(x), alone.score(x), rtol=1e-6)
    # every copy has its sound's score, and the outliers rank as they did alone
    np.testing.assert_array_equal(copied.fit_scores[n:], np.repeat(copied.fit_scores[outliers], 5))
    assert roc_auc_score(y, copied.fit_scores[:n]) == roc_auc_score(y, alone.fit_scores)
    assert (copied.n_train, copied.n_distinct) == (len(copied_x), n)
    # the percentiles and the unusual cut count loops, copies included
    assert len(copied.reference) == len(copied_x)


def test_flagging_one_copy_flags_the_sound():
    x, y = clusters()
    odd = int(np.flatnonzero(y)[0])
    labels = np.zeros(len(x))
    labels[odd] = -1
    flagged_original = fit(ModelSpec(), x, labels)
    copied_x = with_copies(x, [odd], 1)
    copy_labels = np.zeros(len(copied_x))
    copy_labels[-1] = -1  # the user flagged the copy in the other folder
    flagged_copy = fit(ModelSpec(), copied_x, copy_labels)
    np.testing.assert_allclose(flagged_copy.score(x), flagged_original.score(x), rtol=1e-6)
    assert flagged_copy.pull is not None and len(flagged_copy.pull.anchors) == 1
    assert flagged_copy.n_labelled == {"typical": 0, "unusual": 1}


def test_a_checkpoint_keeps_how_many_distinct_sounds_it_learned(tmp_path):
    x, _ = clusters()
    model = fit(ModelSpec(), with_copies(x, [0, 1], 2))
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "m.pt", EMBEDDER))
    assert (loaded.n_train, loaded.n_distinct) == (len(x) + 4, len(x))
    state = model.state()
    del state["n_distinct"]  # a checkpoint from before copies counted once
    assert AnomalyModel.from_state(state).n_distinct == len(x) + 4
