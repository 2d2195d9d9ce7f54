"""Folder names on the sound map: a folder whose loops make an island is named on it
(core.analysis.map_labels)."""

from __future__ import annotations

import os

import numpy as np

from anomalizer_desktop.core.analysis.map_labels import MAX_LABELS, island_labels
from anomalizer_desktop.core.library.folder_tree import FolderTree


def _labels(xy, folders):
    """The names for points whose loops are in `folders` (one per point, library rows in
    order), the library's folder being the folders' common parent."""
    n = len(folders)
    roots = [os.path.commonpath(folders)] if folders else []
    tree = FolderTree(folders, np.full(n, np.nan), [None] * n, roots, np.zeros(n, bool))
    return island_labels(xy, np.arange(n), tree)


def _island(centre, count, seed):
    rng = np.random.default_rng(seed)
    return np.asarray(centre, float) + rng.normal(scale=1.0, size=(count, 2))


def test_folders_that_make_islands_are_named_on_them_and_a_spread_folder_is_not():
    xy = np.r_[
        _island((0, 0), 30, 1),
        _island((40, 0), 20, 2),
        _island((0, 40), 12, 3),
        np.random.default_rng(4).uniform(-5, 45, size=(15, 2)),  # everywhere
    ]
    folders = ["/s/Kicks"] * 30 + ["/s/Pads"] * 20 + ["/s/Vox"] * 12 + ["/s/Everything"] * 15
    labels = _labels(xy, folders)
    assert [label.text for label in labels] == ["Kicks", "Pads", "Vox"]  # biggest first
    for label, centre in zip(labels, [(0, 0), (40, 0), (0, 40)], strict=True):
        assert np.hypot(label.x - centre[0], label.y - centre[1]) < 3  # on its island
    assert [label.loops for label in labels] == [30, 20, 12]
    assert labels[0].folder == "/s/Kicks"


def test_an_island_is_named_once_by_its_biggest_folder_and_same_names_get_their_parent():
    xy = np.r_[
        _island((0, 0), 10, 1),
        _island((0, 0), 10, 2),
        _island((50, 50), 12, 3),
        _island((-50, 50), 12, 4),
    ]
    folders = (
        ["/lib/Pack A/Kicks"] * 10
        + ["/lib/Pack A/Snares"] * 10  # mingled with the kicks: Pack A's island
        + ["/lib/Pack B/Drums"] * 12
        + ["/lib/Pack C/Drums"] * 12
    )
    texts = [label.text for label in _labels(xy, folders)]
    assert texts[0] == "Pack A"
    assert "Kicks" not in texts and "Snares" not in texts  # the pack names their island
    assert "Pack B/Drums" in texts or "Pack B" in texts
    assert "lib" not in texts  # the whole library is no island


def test_few_loops_many_folders_and_odd_input():
    assert _labels(np.zeros((3, 2)), ["/a"] * 3) == []
    assert _labels(np.zeros((20, 2)), ["/a"] * 20) == []  # one point: no extent
    assert _labels(np.zeros((20, 2)), ["/a"] * 19) == []  # not one folder per point
    many = np.r_[tuple(_island((100 * (i % 5), 100 * (i // 5)), 6, i) for i in range(20))]
    folders = [f"/s/Folder {i:02d}" for i in range(20) for _ in range(6)]
    assert len(_labels(many, folders)) == MAX_LABELS
    tiny = np.r_[_island((0, 0), 4, 1), _island((30, 0), 30, 2), _island((0, 30), 20, 3)]
    folders = ["/s/Tiny"] * 4 + ["/s/Big"] * 30 + ["/s/Other"] * 20  # 4 loops: too few
    assert [label.text for label in _labels(tiny, folders)] == ["Big", "Other"]


def test_a_pack_whose_folders_sit_apart_is_no_island_but_its_folders_are():
    centres = [(0, 0), (60, 0), (0, 60), (60, 60)]
    xy = np.r_[tuple(_island(c, 12, i) for i, c in enumerate(centres))]
    folders = [
        f"/s/{pack}/{kind}" for pack in ("A", "B") for kind in ("Kicks", "Pads") for _ in range(12)
    ]
    texts = sorted(label.text for label in _labels(xy, folders))
    assert texts == ["A/Kicks", "A/Pads", "B/Kicks", "B/Pads"]  # the same names: their packs'


def test_a_big_map_is_judged_on_a_sample_and_counts_every_loop(monkeypatch):
    from anomalizer_desktop.core.analysis import map_labels

    xy = np.r_[_island((0, 0), 60, 1), _island((40, 0), 40, 2), _island((0, 40), 30, 3)]
    folders = ["/s/Kicks/a"] * 60 + ["/s/Pads"] * 40 + ["/s/Vox"] * 30
    whole = _labels(xy, folders)
    monkeypatch.setattr(map_labels, "SAMPLE", 50)  # every third point judged
    sampled = _labels(xy, folders)
    assert [label.text for label in sampled] == [label.text for label in whole]
    assert [label.loops for label in sampled] == [60, 40, 30]  # counted on every point
