"""The sound map (t-SNE of the standardised vectors), kept in the library, with loops embedded
later placed beside their nearest drawn loops (core.analysis.sound_map, library.map_points)."""

from __future__ import annotations

import json

import numpy as np
import openTSNE
import pytest

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.analysis import sound_map as sound_map_module
from anomalizer_desktop.core.analysis.projection import library_map
from anomalizer_desktop.core.analysis.sound_map import (
    MIN_LOOPS,
    REDRAW_SHARE,
    SoundMapError,
    draw_sound_map,
    due_for_drawing,
    perplexity_for,
    place_beside,
    sound_map,
)
from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.jobs import WHOLE, CancelToken, Progress, run_job
from anomalizer_desktop.core.library.map_points import read_map_points, save_map_points
from anomalizer_desktop.core.library.store import Store

EMBEDDER = "vectors"  # imported vectors: no embedding needed to test the map


def _islands(seed: int = 0, per_island: int = 25, islands: int = 3, dim: int = 16):
    """Vectors in well-separated clusters, and each one's cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(islands, dim)) * 20
    which = np.repeat(np.arange(islands), per_island)
    return (centres[which] + rng.normal(size=(len(which), dim))).astype(np.float32), which


def _add_loops(store: Store, vectors: np.ndarray, start: int = 0) -> list[int]:
    root = store.add_root("/loops")
    ids = []
    for i, vector in enumerate(vectors, start=start):
        sample = store.insert_sample(f"/loops/{i:04d}.wav", root, status="ok")
        store.put_features(sample, EMBEDDER, "1", vector)
        ids.append(sample)
    return ids


def _cluster_purity(xy: np.ndarray, which: np.ndarray) -> float:
    """The share of loops whose nearest point on the map is of their own cluster."""
    distances = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    return float(np.mean(which[distances.argmin(axis=1)] == which))


def test_loops_that_sound_alike_sit_together_and_the_map_is_kept(store):
    vectors, which = _islands()
    ids = _add_loops(store, vectors)
    steps = []
    token = CancelToken()
    drawn = run_job(draw_sound_map(store, EMBEDDER, token), steps.append)
    assert drawn.loops == 75 and not drawn.cancelled and "75 loops" in drawn.summary
    assert isinstance(steps[-1], Progress) and steps[-1].done == steps[-1].total == WHOLE
    done = [step.done for step in steps]
    assert done == sorted(done) and done[0] == 0  # one bar across both phases, never back
    kept_ids, kept_xy = read_map_points(store, EMBEDDER, "1")
    assert kept_ids.tolist() == ids and kept_xy.shape == (75, 2)
    assert _cluster_purity(kept_xy, which) == 1.0
    # the islands are apart: every loop is nearer its own island's centre than another's
    centres = np.array([kept_xy[which == k].mean(axis=0) for k in range(3)])
    nearest_centre = np.linalg.norm(kept_xy[:, None] - centres[None], axis=2).argmin(axis=1)
    assert (nearest_centre == which).all()
    shown = library_map(store, EMBEDDER, "sound")
    assert shown.kind == "sound" and shown.placed == 0
    assert np.array_equal(shown.ids, kept_ids) and np.array_equal(shown.xy, kept_xy)
    assert "loops that sound alike sit together" in shown.caption
    assert library_map(store, EMBEDDER, "pca").kind == "pca"  # the other map, still there


def test_the_same_loops_give_the_same_map(tmp_path):
    vectors, _ = _islands(seed=4)
    maps = []
    for name in ("a", "b"):
        with Store(tmp_path / f"{name}.sqlite") as store:
            _add_loops(store, vectors)
            run_job(draw_sound_map(store, EMBEDDER))
            maps.append(read_map_points(store, EMBEDDER, "1")[1])
    assert np.array_equal(maps[0], maps[1])


def test_loops_embedded_later_sit_beside_the_loops_they_sound_like(store):
    vectors, which = _islands(seed=1)
    _add_loops(store, vectors)
    run_job(draw_sound_map(store, EMBEDDER))
    before = sound_map(store, EMBEDDER)
    more, more_which = _islands(seed=1, per_island=2)  # the same islands, two more loops each
    more += np.random.default_rng(9).normal(size=more.shape).astype(np.float32) * 0.1
    new_ids = _add_loops(store, more, start=100)
    after = sound_map(store, EMBEDDER)
    assert after.placed == 6 and len(after.ids) == 81
    assert "6 loops embedded since it was drawn" in after.caption
    old = np.isin(after.ids, before.ids)
    assert np.array_equal(after.xy[old], before.xy)  # the drawn loops stay where they were
    centres = np.array([before.xy[which == k].mean(axis=0) for k in range(3)])
    placed = after.xy[np.isin(after.ids, new_ids)]
    island = np.linalg.norm(placed[:, None] - centres[None], axis=2).argmin(axis=1)
    assert (island == more_which).all()
    assert not due_for_drawing(after, len(after.ids))  # 6 of 81: under the share
    many = _add_loops(store, _islands(seed=1, per_island=8)[0], start=200)
    crowded = sound_map(store, EMBEDDER)
    assert crowded.placed == 6 + len(many) > REDRAW_SHARE * len(crowded.ids)
    assert due_for_drawing(crowded, len(crowded.ids))


def test_a_loop_embedded_again_loses_its_point_until_the_map_is_drawn_again(store):
    vectors, _ = _islands(seed=2)
    ids = _add_loops(store, vectors)
    run_job(draw_sound_map(store, EMBEDDER))
    store.put_features(ids[0], EMBEDDER, "1", vectors[40])  # its file changed: a new vector
    assert ids[0] not in read_map_points(store, EMBEDDER, "1")[0].tolist()
    assert sound_map(store, EMBEDDER).placed == 1
    store.mark_missing([ids[1]])  # gone from disk: off the map
    assert ids[1] not in sound_map(store, EMBEDDER).ids.tolist()
    store.forget_samples([ids[2]])  # forgotten: its point goes with it
    points = "SELECT COUNT(*) FROM map_points WHERE sample_id = ?"
    assert store.execute(points, (ids[2],)).fetchone() == (0,)
    run_job(draw_sound_map(store, EMBEDDER))
    assert sound_map(store, EMBEDDER).placed == 0


def test_no_sound_map_for_a_library_too_small_or_not_drawn(store):
    assert sound_map(store, EMBEDDER) is None  # nothing embedded
    with pytest.raises(SoundMapError, match="no loops are embedded"):
        run_job(draw_sound_map(store, EMBEDDER))
    _add_loops(store, _islands(per_island=3)[0])  # 9 loops
    assert sound_map(store, EMBEDDER) is None  # embedded, never drawn: the PCA map shows
    assert library_map(store, EMBEDDER, "sound").kind == "pca"
    with pytest.raises(SoundMapError, match=f"at least {MIN_LOOPS}"):
        run_job(draw_sound_map(store, EMBEDDER))
    assert not due_for_drawing(None, MIN_LOOPS - 1) and due_for_drawing(None, MIN_LOOPS)
    assert perplexity_for(11) == pytest.approx(10 / 3) and perplexity_for(10_000) == 30


def test_a_small_library_gets_a_map_and_a_cancelled_drawing_keeps_the_old_one(store):
    vectors, _ = _islands(per_island=4)  # 12 loops: t-SNE with a small perplexity
    _add_loops(store, vectors)
    run_job(draw_sound_map(store, EMBEDDER))
    first = read_map_points(store, EMBEDDER, "1")[1]
    assert first.shape == (12, 2) and np.isfinite(first).all()
    token = CancelToken()
    job = draw_sound_map(store, EMBEDDER, token)
    next(job)  # under way
    token.cancel()
    assert run_job(job).cancelled
    assert np.array_equal(read_map_points(store, EMBEDDER, "1")[1], first)


def test_place_beside_takes_the_mean_of_the_neighbours():
    xy = np.array([[0, 0], [2, 0], [0, 4]], np.float32)
    placed = place_beside(xy, [np.array([0, 1]), np.array([2]), np.array([], int)])
    assert np.allclose(placed, [[1, 0], [0, 4], [2 / 3, 4 / 3]])  # none: the centre


def test_anomalizer_map_draws_it_once_and_prints_the_positions(tmp_path, capsys):
    library = tmp_path / "lib.sqlite"
    with Store(library) as store:
        vectors, _ = _islands(seed=3)
        _add_loops(store, vectors)
    args = ["--library", str(library), "map", "--embedder", EMBEDDER]
    assert main(args) == 0
    assert "Drew the sound map of 75 loops" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0  # kept: not drawn again
    points = json.loads(capsys.readouterr().out)
    assert points["kind"] == "sound" and points["drawn"] is None and points["placed"] == 0
    assert len(points["loops"]) == 75 and points["loops"][0]["path"] == "/loops/0000.wav"
    assert set(points["loops"][0]) == {"path", "x", "y"}
    assert main(["--library", str(library), "info", "--json"]) == 0
    (kept,) = json.loads(capsys.readouterr().out)["sound_maps"]
    assert kept["embedder"] == EMBEDDER and kept["loops"] == 75 and kept["drawn_at"] > 0
    assert main([*args, "--redraw", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["drawn"]["loops"] == 75
    assert main([*args, "--pca", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "pca"
    assert main(["--library", str(library), "map", "--embedder", "nothing"]) == 1
    assert "no loops are embedded with nothing" in capsys.readouterr().err


def test_the_approximate_search_of_a_big_library_finds_the_neighbours_and_stops_on_cancel(
    monkeypatch,
):
    from anomalizer_desktop.core.analysis.sound_map import _exact_neighbours, _neighbours

    z, _ = _islands(seed=6, per_island=40)
    monkeypatch.setattr(sound_map_module, "EXACT_UP_TO", 10)  # Annoy from 10 loops on
    monkeypatch.setattr(sound_map_module, "QUERY_CHUNK", 16)
    steps = []
    rows, distances = run_job(_neighbours(z, 9, None), steps.append)
    exact_rows, exact_distances = _exact_neighbours(z, 9)
    assert rows.shape == (120, 9) and (rows != np.arange(120)[:, None]).all()  # never itself
    # approximate: nearly every neighbour the exact search finds, at most a little further
    same = np.isclose(distances, exact_distances, rtol=1e-4)
    assert same.mean() > 0.95 and (distances >= exact_distances - 1e-3).all()
    assert np.mean([len(set(a) & set(b)) for a, b in zip(rows, exact_rows, strict=True)]) > 8.5
    assert [s.done for s in steps] == [*range(16, 120, 16), 120]
    token = CancelToken()
    job = _neighbours(z, 9, token)
    next(job)
    token.cancel()
    assert run_job(job) is None


def test_loops_that_are_all_the_same_sound_make_one_point_not_nan(store):
    same = np.ones((12, 16), np.float32)  # twelve copies of one sound
    _add_loops(store, same)
    run_job(draw_sound_map(store, EMBEDDER))
    _, xy = read_map_points(store, EMBEDDER, "1")
    assert np.isfinite(xy).all() and np.ptp(xy, axis=0).max() == 0
    copies = np.r_[np.repeat(same[:1] * 3, 15, axis=0), _islands(per_island=5)[0]]
    assert np.isfinite(run_job(sound_map_module.draw(copies))).all()  # half of them copies


def test_barnes_hut_iterates_on_one_thread_and_the_fft_gradient_on_every_core(monkeypatch):
    """Each short Barnes-Hut iteration waited at a spinning barrier for a thread the system had
    put aside whenever another program kept a core busy: 43 loops took 25-40 s on 2 cores."""
    monkeypatch.setattr(sound_map_module, "default_workers", lambda: 8)
    assert sound_map_module.gradient_threads(43) == 1
    assert sound_map_module.gradient_threads(sound_map_module.FFT_FROM - 1) == 1
    assert sound_map_module.gradient_threads(sound_map_module.FFT_FROM) == 8
    made = []
    real_tsne = openTSNE.TSNE
    monkeypatch.setattr(
        openTSNE, "TSNE", lambda **options: made.append(options) or real_tsne(**options)
    )
    assert np.isfinite(run_job(sound_map_module.draw(_islands(per_island=5)[0]))).all()
    assert made[0]["n_jobs"] == 1 and made[0]["negative_gradient_method"] == "bh"


def test_bench_map_prints_its_figures(capsys):
    assert main(["bench", "map", "--rows", "60", "--busy", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 60 and report["later_loops"] == 1  # one loop in 100, at least one
    assert report["busy_cores"] == 1
    assert report["draw_s"] >= report["neighbours_s"] >= 0 and report["peak_rss_mb"] > 0
    assert report["read_kept_map_s"] >= 0 and report["pca_map_s"] >= 0


def test_anomalizer_map_on_a_library_too_small_says_why(tmp_path, capsys):
    library = tmp_path / "small.sqlite"
    with Store(library) as store:
        _add_loops(store, _islands(per_island=2)[0])  # 6 loops
    args = ["--library", str(library), "map", "--embedder", EMBEDDER]
    assert main(args) == 1
    assert f"needs at least {MIN_LOOPS} embedded loops (6 are)" in capsys.readouterr().err
    assert main([*args, "--pca"]) == 0  # the main directions need no drawing
    assert "holds 6 loops" in capsys.readouterr().out


def _island_centres(xy: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Each island's centre, on the map centred and scaled to a mean radius of 1."""
    xy = xy - xy.mean(axis=0)
    xy = xy / np.linalg.norm(xy, axis=1).mean()
    return np.array([xy[which == k].mean(axis=0) for k in range(which.max() + 1)])


def test_a_map_drawn_again_keeps_its_islands_where_they_were(store):
    """Drawn afresh, a t-SNE's islands land turned any way; drawn again after loops came in,
    the map is turned to lie like the one shown, so each island stays where the producer saw
    it: here the kept map was mirrored and turned, and the new drawing follows it."""
    vectors, which = _islands(seed=3, islands=4)
    ids = _add_loops(store, vectors)
    run_job(draw_sound_map(store, EMBEDDER))
    drawn_ids, drawn_xy = read_map_points(store, EMBEDDER, "1")
    turned = np.c_[drawn_xy[:, 1], drawn_xy[:, 0]] + 50  # (as if it had been drawn so)
    save_map_points(store, EMBEDDER, "1", drawn_ids, turned)
    more, more_which = _islands(seed=3, islands=4, per_island=8)
    more += np.random.default_rng(5).normal(size=more.shape).astype(np.float32) * 0.1
    _add_loops(store, more, start=200)
    assert due_for_drawing(sound_map(store, EMBEDDER), len(ids) + len(more))
    run_job(draw_sound_map(store, EMBEDDER))
    _, new_xy = read_map_points(store, EMBEDDER, "1")
    every_which = np.r_[which, more_which]
    assert _cluster_purity(new_xy, every_which) == 1.0
    before = _island_centres(turned, which)
    after = _island_centres(new_xy, every_which)
    nearest_before = np.linalg.norm(after[:, None] - before[None], axis=2).argmin(axis=1)
    assert nearest_before.tolist() == [0, 1, 2, 3]  # each island where it was
    assert np.allclose(new_xy.mean(axis=0), turned.mean(axis=0), atol=1.0)  # and no jump
    # drawn afresh from the same vectors, the islands land elsewhere (the turn is not kept)
    standardizer = Standardizer.fit_on_sample(np.r_[vectors, more], None, 20_000)
    fresh = run_job(sound_map_module.draw(standardizer.transform(np.r_[vectors, more])))
    fresh_centres = _island_centres(fresh, every_which)
    fresh_nearest = np.linalg.norm(fresh_centres[:, None] - before[None], axis=2).argmin(axis=1)
    assert fresh_nearest.tolist() != [0, 1, 2, 3]
    far = np.linalg.norm(after - before, axis=1).mean()
    assert far < 0.5 < np.linalg.norm(fresh_centres - before, axis=1).mean()
    # turning changes no distance between two loops
    distances = np.linalg.norm(fresh[:, None] - fresh[None], axis=2)
    assert np.allclose(np.linalg.norm(new_xy[:, None] - new_xy[None], axis=2), distances, atol=1e-3)


def test_turning_a_map_finds_the_rotation_or_mirroring_back():
    rng = np.random.default_rng(0)
    before = rng.normal(size=(40, 2)).astype(np.float32) * 10
    angle = 2.0
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    every = np.arange(40)
    for changed in (before @ rotation + 7, before * [-1, 1] - 3):  # turned; mirrored
        back = sound_map_module.turned_like(changed.astype(np.float32), before, every)
        assert np.allclose(back, before, atol=1e-3)
        # fitted on the loops drawn before, the others turned with them
        some = sound_map_module.turned_like(changed.astype(np.float32), before[:30], every[:30])
        assert np.allclose(some, before, atol=1e-3)
    one = np.ones((1, 2), np.float32)
    assert np.array_equal(sound_map_module.turned_like(one, one * 3, [0]), one)  # (nothing to turn)
