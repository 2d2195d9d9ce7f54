"""The library map: a PCA of the standardised vectors, exact and the same every time."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from anomalizer_desktop.core.analysis.projection import project
from anomalizer_desktop.core.detector.preprocess import Standardizer


def _stretched(seed: int = 0, n: int = 400) -> np.ndarray:
    """Points spread widely along one direction, less along a second, little elsewhere."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    scales = np.r_[5.0, 2.0, np.full(10, 0.3)]
    return (rng.standard_normal((n, 12)) * scales) @ basis.T


def test_the_map_is_the_pca_of_the_standardised_vectors():
    x = _stretched()
    xy, explained = project(x)
    z = Standardizer.fit(x).transform(x)
    reference = PCA(n_components=2, svd_solver="full").fit(z)
    expected = reference.transform(z)
    for axis in range(2):  # the same axes, up to an eigenvector's arbitrary sign
        assert abs(np.corrcoef(xy[:, axis], expected[:, axis])[0, 1]) > 0.9999
        assert np.allclose(np.abs(xy[:, axis]), np.abs(expected[:, axis]), atol=1e-3)
    assert np.allclose(explained, reference.explained_variance_ratio_, atol=1e-5)
    assert explained[0] > explained[1] > 0 and xy.dtype == np.float32


def test_the_same_library_always_gives_the_same_map_and_odd_shapes_work():
    x = _stretched(seed=3)
    first, _ = project(x)
    assert np.array_equal(first, project(x.copy())[0])
    # the axes are fixed by the covariance alone (each points at its largest loading), so a
    # mirrored library gives the mirrored map, not a coin toss per axis
    mirrored, _ = project(-x)
    assert np.allclose(mirrored, -first, atol=1e-4)
    one_column, shares = project(np.arange(10, dtype=np.float32)[:, None])
    assert one_column.shape == (10, 2) and (one_column[:, 1] == 0).all() and shares[1] == 0.0
    assert project(np.zeros((0, 5)))[0].shape == (0, 2)
    assert project(np.ones((2, 5)))[0].shape == (2, 2)


def test_other_vectors_are_placed_on_the_map_as_the_library_s_own_are():
    from anomalizer_desktop.core.analysis.projection import fit_map

    x = _stretched(seed=5)
    xy, _, placement = fit_map(x)
    assert np.allclose(placement.place(x), xy, atol=1e-4)  # a loop lands on its own point
    far = x[:3] * 4.0  # louder in the main direction: further out along it
    assert (np.abs(placement.place(far)[:, 0]) >= np.abs(xy[:3, 0]) - 1e-4).all()
    assert placement.place(x[0]).shape == (1, 2)  # one vector is one point
    assert fit_map(np.ones((2, 5)))[2] is None and fit_map(np.zeros((0, 5)))[2] is None


def test_standardising_in_place_gives_the_same_numbers_in_the_same_array():
    x = _stretched(seed=7).astype(np.float32)
    standardizer = Standardizer.fit(x)
    expected = standardizer.transform(x)
    assert expected is not x and np.array_equal(x, _stretched(seed=7).astype(np.float32))
    z = standardizer.transform(x, in_place=True)
    assert z is x and np.array_equal(z, expected)
    as_float64 = _stretched(seed=7)  # not float32: a new array, as without in_place
    assert standardizer.transform(as_float64, in_place=True) is not as_float64
