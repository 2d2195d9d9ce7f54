"""A retrain with other flags starts from the last fit's neighbour candidates: same scores."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from anomalizer_desktop.core.detector.knn import KnnDetector
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.detector.neighbour_lists import NeighbourLists, lists_key
from anomalizer_desktop.core.jobs import run_job

GROUPS = {"timbre": slice(0, 14), "rhythm": slice(14, 20), "pitch": slice(20, 24)}


def library(seed=0, n=700, dim=24):
    """Loops near a 4-d subspace, and a pack of 130 look-alikes far from them (the rows
    600-729): more of them than a loop's candidates, so flagging the pack leaves its loops
    none usable among theirs."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(0, 1, (4, dim))
    loops = rng.normal(0, 1, (n - 100, 4)) @ basis + rng.normal(0, 0.1, (n - 100, dim))
    pack = rng.normal(0, 0.3, (130, dim)) + 12.0
    return np.vstack([loops, pack]).astype(np.float32)


def fit(x, labels=None, earlier=None) -> AnomalyModel:
    return run_job(AnomalyModel(ModelSpec("default")).fit(x, labels, GROUPS, None, earlier))


def test_a_retrain_from_the_last_lists_scores_exactly_as_a_fit_from_nothing():
    x = library()
    first = fit(x)
    assert first.neighbour_lists is not None and first.reused == 0
    assert len(first.neighbour_lists.searches) == 1 + len(GROUPS)  # the whole, each aspect
    assert first.neighbour_lists.searches[0].shape == (len(x), KnnDetector.LISTED)
    labels = np.zeros(len(x))
    labels[[3, 40, 41, 42, 43, 44, 45, 46, 47, 300]] = -1  # odd ones, and some side by side
    labels[[7, 8]] = 1
    asked = []

    def earlier(key):
        asked.append(key)
        return first.neighbour_lists if key == first.neighbour_lists.key else None

    again = fit(x, labels, earlier)
    fresh = fit(x, labels)
    assert asked == [first.neighbour_lists.key]  # flags are not part of what the lists hold
    np.testing.assert_array_equal(again.fit_scores, fresh.fit_scores)
    np.testing.assert_array_equal(again.score(x), fresh.score(x))
    assert again.threshold == fresh.threshold
    # nearly every loop's neighbours came from the lists, over the whole and the 3 aspects
    assert again.reused > 0.95 * len(x) * 4
    for kept, made in zip(
        again.neighbour_lists.searches, fresh.neighbour_lists.searches, strict=True
    ):
        np.testing.assert_array_equal(kept, made)


def test_a_flagged_pack_is_never_a_neighbour_even_where_it_fills_every_candidate(monkeypatch):
    """The 130 look-alikes flagged unusual: each one's 110 candidates are all flagged, so
    their neighbours come from the usable loops alone, whether the fit starts from lists."""
    x = library()
    labels = np.zeros(len(x))
    labels[600:] = -1
    searched_usable = []
    original = KnnDetector._usable_candidates

    def counting(self, z):
        searched_usable.append(len(z))
        return original(self, z)

    monkeypatch.setattr(KnnDetector, "_usable_candidates", counting)
    first = fit(x)
    again = fit(x, labels, lambda key: first.neighbour_lists)
    fresh = fit(x, labels)
    assert searched_usable and max(searched_usable) == 130
    np.testing.assert_array_equal(again.fit_scores, fresh.fit_scores)
    holistic = again.members[0].model  # the L1 kNN of the whole vector
    z = again.standardizer.transform(x)
    distances = cdist(z, z[:600], metric="cityblock")
    distances[np.arange(600), np.arange(600)] = np.inf  # a loop is not its own neighbour
    exact = np.sort(distances, axis=1)[:, :10].mean(axis=1)
    np.testing.assert_allclose(holistic.training_scores(z), exact, rtol=1e-4)  # float32 sums


def test_lists_are_asked_for_by_the_vectors_they_were_made_for():
    x = library()
    first = fit(x)
    moved = x.copy()
    moved[5] += 0.5  # one loop embedded again: every loop's candidates may differ
    asked = []
    fit(moved, None, lambda key: asked.append(key))
    assert asked and asked[0] != first.neighbour_lists.key
    fit(x, None, lambda key: asked.append(key))
    assert asked[1] == first.neighbour_lists.key


def test_lists_round_trip_through_their_file_and_a_bad_file_is_no_lists(tmp_path):
    x = library()
    lists = fit(x).neighbour_lists
    path = tmp_path / "detectors" / "lib.sqlite" / "neighbours.npz"
    lists.save(path)
    loaded = NeighbourLists.load(path, lists.key)
    assert loaded is not None and loaded.key == lists.key
    for one, other in zip(loaded.searches, lists.searches, strict=True):
        np.testing.assert_array_equal(one, other)
    assert NeighbourLists.load(path, lists_key(x[1:], "other")) is None
    assert NeighbourLists.load(tmp_path / "none.npz", lists.key) is None
    path.write_bytes(path.read_bytes()[:1000])  # cut short: a crash mid-write elsewhere
    assert NeighbourLists.load(path, lists.key) is None
    path.write_bytes(b"not a zip at all")
    assert NeighbourLists.load(path, lists.key) is None
    assert not list(path.parent.glob("*.partial"))


def test_detectors_that_search_no_l1_neighbours_make_no_lists():
    x = library(n=200)
    for detector in ("knn", "iforest", "pca"):  # knn: the Euclidean yardstick
        model = run_job(AnomalyModel(ModelSpec(detector)).fit(x, None, GROUPS))
        assert model.neighbour_lists is None


def test_lists_that_do_not_fit_the_rows_are_a_search_not_an_error():
    x = library()
    fresh = fit(x)
    lists = fresh.neighbour_lists
    wrong_shape = NeighbourLists(lists.key, [one[:-1] for one in lists.searches])
    out_of_range = NeighbourLists(lists.key, [one + len(x) for one in lists.searches])
    for offered in (wrong_shape, out_of_range):
        again = fit(x, None, lambda key, offered=offered: offered)
        assert again.reused == 0
        np.testing.assert_array_equal(again.fit_scores, fresh.fit_scores)


def test_a_drive_that_refuses_the_lists_leaves_no_partial_file(tmp_path, monkeypatch):
    lists = NeighbourLists("k", [np.zeros((3, 2), np.int32)])

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OSError):
        lists.save(tmp_path / "neighbours.npz")
    assert list(tmp_path.iterdir()) == []


def test_partial_files_of_killed_trainings_are_cleared_by_the_next_save(tmp_path):
    import os
    import time

    lists = NeighbourLists("k", [np.zeros((3, 2), np.int32)])
    old = tmp_path / "neighbours.npzabc123.partial"
    fresh = tmp_path / "neighbours.npzdef456.partial"  # another training writing it now
    for partial in (old, fresh):
        partial.write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    lists.save(tmp_path / "neighbours.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbours.npz", fresh.name]
