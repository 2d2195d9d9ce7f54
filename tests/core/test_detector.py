"""Detectors: the Deep SVDD conditions, determinism, Deep SAD, checkpoints, baselines."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from anomalizer_desktop.core.detector.checkpoint import (
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.detector.networks import AutoEncoder, NetworkConfig, default_hidden
from anomalizer_desktop.core.detector.svdd import DeepSVDD, SvddConfig, TrainingCancelled
from anomalizer_desktop.core.jobs import WHOLE, CancelToken, run_job

EMBEDDER = {"id": "test", "version": "1", "dim": 16}


def clusters(n_normal=120, n_outlier=8, dim=16, gap=6.0, seed=0):
    """Normals near a 4-d subspace; outliers pushed off it in random directions."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(0, 1, (4, dim))
    normal = rng.normal(0, 1, (n_normal, 4)) @ basis + rng.normal(0, 0.1, (n_normal, dim))
    directions = rng.normal(0, 1, (n_outlier, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    outlier = rng.normal(0, 1, (n_outlier, 4)) @ basis + gap * directions * np.sqrt(dim) / 2
    x = np.vstack([normal, outlier]).astype(np.float32)
    y = np.r_[np.zeros(n_normal, bool), np.ones(n_outlier, bool)]
    return x, y


def fit(spec: ModelSpec, x, labels=None) -> AnomalyModel:
    return run_job(AnomalyModel(spec).fit(x, labels))


@pytest.mark.parametrize("kind", ["AE", "AEwRES", "Baseline"])
def test_networks_have_no_bias_and_no_affine_batchnorm(kind):
    net = AutoEncoder(NetworkConfig(kind, 100))
    assert not [n for n, _ in net.named_parameters() if n.endswith("bias")]
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            assert not module.affine
    x = torch.randn(4, 100)
    assert net(x).shape == (4, 100)
    assert net.encode(x).shape[1] == net.config.hidden[-1]


def test_default_widths_follow_the_paper():
    assert default_hidden(1024) == [512, 256, 128, 64, 32]
    assert default_hidden(287) == [256, 128, 64, 32]


def test_residual_network_adds_encoder_outputs():
    torch.manual_seed(0)
    plain = AutoEncoder(NetworkConfig("AE", 64, [32, 16], dropout=0.0)).eval()
    residual = AutoEncoder(NetworkConfig("AEwRES", 64, [32, 16], dropout=0.0)).eval()
    residual.load_state_dict(plain.state_dict())
    x = torch.randn(5, 64)
    assert torch.allclose(plain.encode(x), residual.encode(x))
    assert not torch.allclose(plain(x), residual(x))


def test_centre_coordinates_are_kept_away_from_zero():
    x, _ = clusters()
    model = DeepSVDD(
        SvddConfig(network=NetworkConfig("AE"), pretrain_epochs=2, epochs=1, eps=0.5, device="cpu")
    )
    run_job(model.fit(x))
    assert (model.center.abs() >= 0.5 - 1e-6).all()


def test_sad_loss_follows_ruff_2020():
    model = DeepSVDD(SvddConfig(eta=2.0, trim=0.0))
    dist = torch.tensor([1.0, 2.0, 4.0, 0.5])
    labels = torch.tensor([0.0, 0.0, 1.0, -1.0])
    expected = torch.tensor([1.0, 2.0, 2.0 * (4.0 + 1e-6), 2.0 / (0.5 + 1e-6)]).mean()
    assert torch.isclose(model._sad_loss(dist, labels), expected)


def test_trimmed_objective_ignores_the_farthest_unlabelled():
    model = DeepSVDD(SvddConfig(trim=0.25))
    dist = torch.tensor([1.0, 1.0, 1.0, 100.0])
    assert model._sad_loss(dist, torch.zeros(4)).item() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "detector", ["svdd", "sad", "default", "iforest", "pca", "ocsvm", "knn", "aspects"]
)
def test_same_data_same_seed_same_scores(detector):
    x, _ = clusters()
    spec = ModelSpec(detector=detector, seed=3, device="cpu", epochs=6)
    first, second = fit(spec, x).score(x), fit(spec, x).score(x)
    np.testing.assert_allclose(first, second, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("detector", "network"),
    [
        ("svdd", "AE"),
        ("svdd", "AEwRES"),
        ("svdd", "Baseline"),
        ("default", None),
        ("iforest", None),
        ("pca", None),
        ("ocsvm", None),
        ("knn", None),
    ],
)
def test_well_separated_clusters_score_auc_near_one(detector, network):
    x, y = clusters(gap=10.0)
    model = fit(ModelSpec(detector=detector, network=network or "AE", epochs=12), x)
    # OCSVM's RBF kernel is measurably weaker on subspace-shaped data (0.90 here); the others
    # separate these clusters perfectly.
    assert roc_auc_score(y, model.score(x)) > (0.85 if detector == "ocsvm" else 0.98)


def test_deep_sad_pushes_a_flagged_anomaly_out():
    x, y = clusters(gap=1.5, seed=1)
    labels = np.zeros(len(x))
    flagged = np.flatnonzero(y)[0]
    labels[flagged] = -1
    spec = ModelSpec(detector="sad", device="cpu", epochs=20, eta=5.0)
    with_flags = fit(spec, x, labels)
    without = fit(ModelSpec(detector="svdd", device="cpu", epochs=20), x)
    rank = lambda s: (s < s[flagged]).mean()  # noqa: E731
    assert rank(with_flags.score(x)) >= rank(without.score(x))
    assert with_flags.n_labelled == {"typical": 0, "unusual": 1}


def test_percentile_and_threshold():
    x, _ = clusters()
    model = fit(ModelSpec(detector="knn"), x)
    scores = model.score(x)
    percentiles = model.percentile(scores)
    assert percentiles.min() >= 0 and percentiles.max() <= 100
    assert np.argmax(percentiles) == np.argmax(scores)
    assert (scores > model.threshold).mean() == pytest.approx(0.10, abs=0.02)


def test_cancel_stops_training_between_batches():
    x, _ = clusters()
    token = CancelToken()
    job = AnomalyModel(ModelSpec(detector="svdd", device="cpu", epochs=50)).fit(x, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(TrainingCancelled, match="cancelled"):
        run_job(job)


@pytest.mark.parametrize(
    "detector", ["svdd", "default", "iforest", "knn", "pca", "ocsvm", "aspects"]
)
def test_checkpoint_round_trip_gives_identical_scores(tmp_path, detector):
    x, _ = clusters()
    model = fit(ModelSpec(detector=detector, device="cpu", epochs=4), x)
    path = save_checkpoint(model, tmp_path / "m.pt", EMBEDDER)
    loaded, embedder = load_checkpoint(path, EMBEDDER)
    assert embedder == EMBEDDER
    np.testing.assert_allclose(loaded.score(x), model.score(x), rtol=0, atol=1e-6)
    # ...and the scores the library stored when it trained (the kNN rows are kept as float32)
    np.testing.assert_allclose(loaded.score(x), model.fit_scores, rtol=0, atol=1e-6)
    assert loaded.threshold == model.threshold
    # loads with weights_only: no code runs from a checkpoint
    assert torch.load(path, weights_only=True)["format"] == "anomalizer-detector"


@pytest.mark.parametrize("detector", ["svdd", "sad"])
def test_deep_svdd_trains_an_ensemble_of_seeds_that_a_checkpoint_keeps(tmp_path, detector):
    from anomalizer_desktop.core.detector.spec import SVDD_ENSEMBLE

    x, _ = clusters()
    labels = np.zeros(len(x))
    labels[0] = 1
    model = fit(ModelSpec(detector=detector, seed=7, device="cpu", epochs=2), x, labels)
    assert [m.seed for m in model.members] == list(range(7, 7 + SVDD_ENSEMBLE))
    networks = [m.model.state()["weights"] for m in model.members]
    first = next(iter(networks[0]))
    assert not torch.equal(networks[0][first], networks[1][first])  # seeds differ
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "m.pt", EMBEDDER), EMBEDDER)
    assert [m.seed for m in loaded.members] == [m.seed for m in model.members]
    np.testing.assert_allclose(loaded.score(x), model.score(x), rtol=0, atol=1e-6)
    # one network is the paper's detector: exactly the ensemble's first member
    single = fit(
        ModelSpec(detector=detector, seed=7, device="cpu", epochs=2, ensemble=1), x, labels
    )
    assert len(single.members) == 1
    np.testing.assert_array_equal(
        single.score(x), model.members[0].score(single.standardizer.transform(x))
    )
    with pytest.raises(ValueError, match="at least one network"):
        ModelSpec(detector=detector, ensemble=0).resolved_members()


def test_a_deep_svdd_checkpoint_from_before_ensembles_loads(tmp_path):
    x, _ = clusters()
    model = fit(ModelSpec(detector="svdd", seed=2, device="cpu", epochs=2, ensemble=1), x)
    state = model.state()
    del state["members"][0]["seed"]
    del state["spec"]["ensemble"]
    old = AnomalyModel.from_state(state)
    assert old.members[0].seed == 2
    np.testing.assert_allclose(old.score(x), model.score(x), rtol=0, atol=1e-6)


def test_checkpoint_for_another_embedder_is_refused(tmp_path):
    x, _ = clusters()
    path = save_checkpoint(fit(ModelSpec(detector="knn"), x), tmp_path / "m.pt", EMBEDDER)
    with pytest.raises(CheckpointError, match="trained on test v1"):
        load_checkpoint(path, {"id": "clap", "version": "1", "dim": 512})


def test_damaged_and_foreign_checkpoints_give_clear_errors(tmp_path):
    x, _ = clusters()
    path = save_checkpoint(
        fit(ModelSpec(detector="svdd", epochs=2), x), tmp_path / "m.pt", EMBEDDER
    )
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="not a readable detector checkpoint"):
        load_checkpoint(truncated)
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(text)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, other)
    with pytest.raises(CheckpointError, match="not an anomalizer detector checkpoint"):
        load_checkpoint(other)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_aspects_detector_keeps_its_groups_through_a_checkpoint(tmp_path):
    x, y = clusters(gap=10.0)
    groups = {"a": slice(0, 8), "b": slice(8, 16)}
    model = run_job(AnomalyModel(ModelSpec("aspects")).fit(x, None, groups))
    assert len(model.members[0].model.parts) == 2
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "a.pt", EMBEDDER))
    assert len(loaded.members[0].model.parts) == 2
    np.testing.assert_allclose(loaded.score(x), model.score(x), atol=1e-9)
    assert roc_auc_score(y, model.score(x)) > 0.98


def test_an_aspect_every_training_loop_shares_does_not_swamp_the_score():
    """A pack's loops all of one length: every training distance in the length aspect is 0.
    A loop of another length added later scored 1e11 (its length difference over a spread of
    1e-12) and sorted above loops far odder in every other aspect. Now the least spread is a
    share of the aspect's distance unit: the score stays in the range of the others, and what
    the loop is like in the other aspects still orders it."""
    rng = np.random.default_rng(3)
    train = np.concatenate([rng.normal(size=(40, 16)), np.zeros((40, 1))], axis=1)
    groups = {"sound": slice(0, 16), "length": slice(16, 17)}
    model = run_job(AnomalyModel(ModelSpec("default")).fit(train, None, groups))
    longer = np.concatenate([rng.normal(size=(1, 16)), [[3.0]]], axis=1)  # odd length only
    odd_sound = np.concatenate([rng.normal(size=(1, 16)) + 6.0, [[0.0]]], axis=1)
    odder = np.concatenate([rng.normal(size=(1, 16)) + 6.0, [[3.0]]], axis=1)
    scores = model.score(np.concatenate([longer, odd_sound, odder, train[:5]]))
    assert np.all(np.isfinite(scores)) and scores.max() < 1_000
    assert scores[2] > max(scores[0], scores[1])  # odd in both: the oddest
    assert min(scores[0], scores[1]) > scores[3:].max()  # either oddity above the pack


def test_loading_an_aspects_checkpoint_does_not_search_the_library_again(tmp_path, monkeypatch):
    """Each aspect's training scores travel in the checkpoint: loading costs no neighbour
    search (it took 10 s at 10k loops, on every explain), and the scores stay the same."""
    from anomalizer_desktop.core.detector.knn import KnnDetector

    x, _ = clusters()
    groups = {"a": slice(0, 5), "b": slice(5, 16)}
    model = run_job(AnomalyModel(ModelSpec("default")).fit(x, None, groups))
    path = save_checkpoint(model, tmp_path / "d.pt", EMBEDDER)
    expected = model.score(x)
    old_state = model.state()
    del old_state["members"][1]["model"]["references"]

    searches = []
    original = KnnDetector._nearest

    def counting(self, z, *args, **kwargs):
        searches.append(len(z))
        return original(self, z, *args, **kwargs)

    monkeypatch.setattr(KnnDetector, "_nearest", counting)
    loaded, _ = load_checkpoint(path, EMBEDDER)
    assert searches == []
    np.testing.assert_allclose(loaded.score(x), expected, atol=1e-9)
    # a checkpoint written before the references were kept searches again, to the same scores
    searches.clear()
    old = AnomalyModel.from_state(old_state)
    assert searches == [len(x), len(x)]
    np.testing.assert_allclose(old.score(x), expected, atol=1e-9)


def test_a_loaded_checkpoint_builds_its_neighbour_index_at_its_first_search(tmp_path):
    """Loading a model to explain a loop (its standardisation; no pull without unusual flags)
    builds no scikit-learn index: importing scikit-learn alone took 1.3-1.7 s of the window's
    first "Why unusual?". Scoring builds it, to the same scores."""
    from anomalizer_desktop.core.detector.knn import KnnDetector

    x, _ = clusters()
    groups = {"a": slice(0, 5), "b": slice(5, 16)}
    model = run_job(AnomalyModel(ModelSpec("default")).fit(x, None, groups))
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "d.pt", EMBEDDER), EMBEDDER)
    searchers = [
        knn
        for member in loaded.members
        for knn in [member.model, *[part for _, part, _ in getattr(member.model, "parts", [])]]
        if isinstance(knn, KnnDetector)
    ]
    assert len(searchers) == 3  # the whole vector's and one per group
    assert loaded.pull_gains(x[:1]) is None
    assert all(knn._index is None for knn in searchers)
    np.testing.assert_allclose(loaded.score(x), model.score(x), atol=1e-9)
    assert all(knn._index is not None for knn in searchers)


def test_a_flagged_unusual_loop_leaves_the_knn_reference_set():
    x, _ = clusters()
    labels = np.zeros(len(x))
    labels[-1] = -1
    model = run_job(AnomalyModel(ModelSpec("knn")).fit(x, labels))
    assert len(model.members[0].model.train) == len(x) - 1


@pytest.mark.parametrize("dim", [2, 24])  # candidates from a k-d tree, by brute force
def test_l1_knn_finds_the_same_neighbours_as_an_exact_l1_search(dim):
    """On data with structure (loops lie near a low-dimensional manifold) the candidate search
    is exact; on isotropic noise it is close (see KnnDetector)."""
    from sklearn.neighbors import NearestNeighbors

    from anomalizer_desktop.core.detector.knn import KnnDetector

    x, _ = clusters(n_normal=300, n_outlier=20, dim=dim)
    train, queries = x[:270].astype(np.float64), x[270:].astype(np.float64)
    detector = KnnDetector(metric="manhattan")
    detector.CHUNK_BYTES = 4096  # several chunks, to cover the chunking
    detector.fit(train)
    exact = NearestNeighbors(n_neighbors=10, metric="manhattan", algorithm="brute").fit(train)
    np.testing.assert_allclose(
        detector.score(queries), exact.kneighbors(queries)[0].mean(1), rtol=1e-5
    )
    # a training loop is not its own neighbour under L1 either
    inside = NearestNeighbors(n_neighbors=11, metric="manhattan", algorithm="brute").fit(train)
    np.testing.assert_allclose(
        detector.score(train[:5]), inside.kneighbors(train[:5])[0][:, 1:].mean(1), rtol=1e-5
    )
    noise = np.random.default_rng(3).standard_normal((300, 24))
    exact_noise = NearestNeighbors(n_neighbors=11, metric="manhattan").fit(noise)
    close = exact_noise.kneighbors(noise)[0][:, 1:].mean(1)
    approx = KnnDetector(metric="manhattan").fit(noise).score(noise)
    assert np.all(approx >= close * (1 - 1e-5)) and np.median(approx / close) < 1.01
    with pytest.raises(ValueError, match="unknown kNN metric"):
        KnnDetector(metric="cosine")


def test_default_uses_l1_and_a_checkpoint_keeps_the_metric(tmp_path):
    x, _ = clusters()
    model = fit(ModelSpec(detector="default"), x)
    assert [(m.model.metric, m.model.k) for m in model.members] == [("manhattan", 10)] * 2
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "d.pt", EMBEDDER))
    assert [(m.model.metric, m.model.k) for m in loaded.members] == [("manhattan", 10)] * 2
    assert [p.k for _, p, _ in loaded.members[1].model.parts] == [10]
    # the knn baseline stays the classic Euclidean one with k=10
    baseline = fit(ModelSpec(detector="knn"), x).members[0].model
    assert (baseline.metric, baseline.k) == ("euclidean", 10)


def test_the_euclidean_knn_baseline_never_counts_a_loop_as_its_own_neighbour():
    """scikit-learn's Euclidean distances leave a loop ~1e-6 from itself in 308 dimensions;
    70 % of the loops used to count themselves as a neighbour at distance ~0."""
    from scipy.spatial.distance import cdist

    from anomalizer_desktop.core.detector.knn import KnnDetector

    z = np.random.default_rng(0).standard_normal((400, 308))
    detector = KnnDetector().fit(z)
    exact = np.sort(cdist(detector.train, detector.train), axis=1)[:, 1:11].mean(1)
    np.testing.assert_allclose(detector.training_scores(z), exact, rtol=1e-6)


def test_a_default_checkpoint_holds_the_training_rows_once_as_float32(tmp_path):
    """Both kNN members keep the same rows: written once, 4 bytes a number (it was 8 bytes,
    twice: 500 MB for a 100,000-loop library's every training run)."""
    x, _ = clusters(n_normal=3000, n_outlier=20, dim=64)
    labels = np.zeros(len(x))
    labels[-1] = -1  # the rows the members keep are a copy of the input, not the input
    model = fit(ModelSpec(detector="default"), x, labels)
    path = save_checkpoint(model, tmp_path / "d.pt", {**EMBEDDER, "dim": 64})
    rows_bytes = (len(x) - 1) * 64 * 4
    assert rows_bytes <= path.stat().st_size < 1.25 * rows_bytes
    loaded, _ = load_checkpoint(path)
    knn, aspects = (member.model for member in loaded.members)
    np.testing.assert_array_equal(knn.train, aspects.train)
    np.testing.assert_allclose(loaded.score(x), model.fit_scores, rtol=0, atol=1e-6)


def test_knn_variants_name_the_metric_and_k():
    from anomalizer_desktop.core.detector.knn import KnnDetector, knn_options

    assert knn_options(None) == {}
    assert knn_options("manhattan") == {"metric": "manhattan"}
    assert knn_options("manhattan:5") == {"metric": "manhattan", "k": 5}
    with pytest.raises(ValueError, match="at least 1"):
        KnnDetector(k=0)


def test_a_knn_checkpoint_saved_before_metrics_existed_loads_as_euclidean(tmp_path):
    x, _ = clusters()
    model = fit(ModelSpec(detector="knn"), x)
    state = model.state()
    del state["members"][0]["model"]["metric"]
    del state["members"][0]["model"]["k"]
    old = AnomalyModel.from_state(state)
    assert (old.members[0].model.metric, old.members[0].model.k) == ("euclidean", 10)
    np.testing.assert_allclose(old.score(x), model.score(x), atol=1e-9)


def stray_pack(offset=2.5, spread=0.5, size=6, seed=0):
    """150 ordinary loops plus a tight group of `size` similar odd ones (a stray sample pack)."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(0, 1, (150, 16))
    centre = np.zeros(16)
    centre[:3] = offset
    group = centre + rng.normal(0, spread, (size, 16))
    x = np.vstack([normal, group]).astype(np.float32)
    return x, np.r_[np.zeros(150, bool), np.ones(size, bool)]


def test_flagging_one_loop_of_a_stray_pack_raises_its_look_alikes():
    x, y = stray_pack()
    labels = np.zeros(len(x))
    labels[-1] = -1
    free = labels == 0
    unflagged = fit(ModelSpec(), x).score(x)
    flagged = fit(ModelSpec(), x, labels)
    scores = flagged.score(x)
    # the pack hides in itself without a flag; one flag lifts the other five above the rest
    assert roc_auc_score(y[free], unflagged[free]) < 0.3
    assert roc_auc_score(y[free], scores[free]) > 0.95
    # the pull is local: the look-alikes gain about 1 or more, the other loops little
    bonus = flagged.pull_gains(x).max(axis=1)
    assert bonus[-1] == pytest.approx(2.0)
    assert bonus[y].min() > 0.9
    assert bonus[~y].mean() < 0.25
    # typical-only flags and other detectors add no pull
    assert fit(ModelSpec(), x, np.where(np.arange(len(x)) == 0, 1, 0)).pull is None
    assert fit(ModelSpec("knn"), x, labels).pull is None


def test_a_loop_flagged_typical_is_not_pulled_towards_an_unusual_one():
    """The user called it typical: a look-alike of a flagged-unusual loop stays where the
    detector put it; its unflagged twins in the pack still rise."""
    x, _ = stray_pack()
    labels = np.zeros(len(x))
    labels[-1] = -1
    only_unusual = fit(ModelSpec(), x, labels)
    labels[-2] = 1
    both = fit(ModelSpec(), x, labels)
    before, after = only_unusual.pull_gains(x).max(axis=1), both.pull_gains(x).max(axis=1)
    assert before[-2] > 0.9 and after[-2] == 0.0
    np.testing.assert_array_equal(after[:-2], before[:-2])
    assert both.score(x)[-2] == pytest.approx(only_unusual.score(x)[-2] - before[-2])
    # an exact copy of the typical loop (the same file twice) is typical too
    copy = np.vstack([x, x[-2:-1]])
    assert both.pull_gains(copy).max(axis=1)[-1] == 0.0


def test_a_checkpoint_keeps_the_pull_of_unusual_flags(tmp_path):
    x, _ = stray_pack()
    labels = np.zeros(len(x))
    labels[-1], labels[-2] = -1, 1
    model = fit(ModelSpec(), x, labels)
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "m.pt", EMBEDDER))
    np.testing.assert_allclose(loaded.score(x), model.score(x), atol=1e-6)
    np.testing.assert_allclose(loaded.pull.neighbourhoods, model.pull.neighbourhoods)
    assert loaded.pull_gains(x)[-2].max() == 0.0
    # a checkpoint from before typical flags were exempt pulls every loop, as it did
    state = model.state()
    del state["pull"]["typical"]
    old = AnomalyModel.from_state(state)
    assert old.pull_gains(x)[-2].max() > 0.9


@pytest.mark.parametrize("flagged", [False, True])
def test_aspects_reuse_their_fit_scores_exactly(flagged):
    from anomalizer_desktop.core.detector.aspect_knn import AspectKnnDetector

    x, _ = clusters()
    z = x.astype(np.float64)
    labels = np.zeros(len(z))
    if flagged:
        labels[[3, -1]] = -1
    detector = AspectKnnDetector(groups=[(0, 8), (8, 16)], metric="manhattan").fit(z, labels)
    assert len(detector.train) == len(z)  # flagged loops stay, passed over as neighbours
    usable = np.ones(len(z), bool)
    usable[[3, -1]] = not flagged
    assert detector.usable is None if not flagged else (detector.usable == usable).all()
    np.testing.assert_array_equal(detector.training_scores(z), detector.score(z))


@pytest.mark.parametrize("detector", ["default", "knn", "aspects", "svdd", "sad", "pca"])
def test_fit_scores_are_what_scoring_the_training_rows_gives(detector):
    """Training a library stores `fit_scores` instead of scoring it a second time."""
    x, _ = clusters()
    x[7] = x[8]  # an exact duplicate must not count as its own neighbour either way
    labels = np.zeros(len(x))
    labels[[0, -1]], labels[[5, 6]] = -1, 1
    model = fit(ModelSpec(detector=detector, epochs=4), x, labels)
    assert model.fit_scores.shape == (len(x),)
    np.testing.assert_array_equal(model.fit_scores, model.score(x))
    np.testing.assert_array_equal(np.sort(model.fit_scores), model.reference)


def test_knn_scores_in_chunks_give_the_same_numbers(monkeypatch):
    from anomalizer_desktop.core.detector.aspect_knn import AspectKnnDetector
    from anomalizer_desktop.core.detector.knn import KnnDetector

    x, _ = clusters()
    z = x.astype(np.float64)
    whole = [
        KnnDetector(metric="manhattan").fit(z).score(z),
        AspectKnnDetector(groups=[(0, 5), (5, 16)], metric="manhattan").fit(z).training_scores(z),
    ]
    monkeypatch.setattr(KnnDetector, "SCORE_ROWS", 7)
    chunked = [
        KnnDetector(metric="manhattan").fit(z).score(z),
        AspectKnnDetector(groups=[(0, 5), (5, 16)], metric="manhattan").fit(z).training_scores(z),
    ]
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_l1_rerank_on_threads_gives_the_numbers_of_one_thread(monkeypatch):
    from anomalizer_desktop.core.detector import knn
    from anomalizer_desktop.core.detector.knn import KnnDetector

    x, _ = clusters()
    z = x.astype(np.float64)
    assert 1 <= knn.rerank_threads() <= knn.MAX_RERANK_THREADS
    monkeypatch.setattr(KnnDetector, "CHUNK_BYTES", 100 * 16 * 4 * 9)  # 9 rows a chunk
    monkeypatch.setattr(knn, "rerank_threads", lambda: 1)
    alone = KnnDetector(metric="manhattan").fit(z).score(z)
    used = set()
    real_pool = knn.ThreadPoolExecutor

    def counted_pool(workers):
        used.add(workers)
        return real_pool(workers)

    monkeypatch.setattr(knn, "ThreadPoolExecutor", counted_pool)
    monkeypatch.setattr(knn, "rerank_threads", lambda: 3)
    threaded = KnnDetector(metric="manhattan").fit(z).score(z)
    assert used == {3}
    np.testing.assert_array_equal(threaded, alone)


def test_the_default_detector_reports_progress_and_can_be_cancelled(monkeypatch):
    from anomalizer_desktop.core.detector.knn import KnnDetector

    monkeypatch.setattr(KnnDetector, "SCORE_ROWS", 16)
    x, _ = clusters()
    groups = {"a": slice(0, 8), "b": slice(8, 16)}
    steps = []
    run_job(AnomalyModel(ModelSpec("default")).fit(x, groups=groups), steps.append)
    # one count over the whole fit (both members, every aspect), never going back: a progress
    # bar and its time left run once instead of starting over for each part
    assert {p.total for p in steps} == {WHOLE}
    counts = [p.done for p in steps]
    assert counts == sorted(counts) and counts[-1] == WHOLE
    knn = [p.done for p in steps if p.message.startswith("[1/2 knn] nearest")]
    aspects = [p for p in steps if "aspects] aspect " in p.message]
    # 128 rows in chunks of 16: 8 reports for the whole vector, 8 for each of the two aspects
    assert len(knn) == 8 and len(aspects) == 16
    # the parts are weighed by how long their searches take: the holistic search of 16
    # dimensions as long as the two of 8 dimensions together, less their fixed parts
    share = (67 + 16) / (67 + 16 + 2 * (67 + 8))
    assert knn[-1] == round(share * WHOLE)
    assert "aspect 1/2" in aspects[0].message and "aspect 2/2" in aspects[-1].message
    assert aspects[7].done == round((share + (1 - share) / 2) * WHOLE)

    token = CancelToken()
    job = AnomalyModel(ModelSpec("default")).fit(x, groups=groups, cancel=token)
    next(job)
    token.cancel()
    with pytest.raises(TrainingCancelled, match="cancelled"):
        run_job(job)


def test_a_deep_svdd_ensemble_reports_one_progress_count_across_its_networks():
    x, _ = clusters()
    steps = []
    spec = ModelSpec("svdd", epochs=2, ensemble=3)
    run_job(AnomalyModel(spec).fit(x), steps.append)
    counts = [p.done for p in steps]
    assert {p.total for p in steps} == {WHOLE}
    assert counts == sorted(counts) and counts[-1] == WHOLE
    # the second network starts where the first ended, a third of the way in
    second = [p.done for p in steps if p.message.startswith("[2/3 svdd]")]
    assert second and min(second) > WHOLE // 3 - 1 and max(second) <= round(2 * WHOLE / 3)


def test_a_run_s_recorded_standardiser_reads_back_exactly_or_not_at_all():
    """The standardiser a run's row records (`run_standardizer`) gives back the very numbers;
    an entry cut short, of another width, or with numbers no standardiser has gives None (the
    run's model file is read instead)."""
    from anomalizer_desktop.core.detector.preprocess import Standardizer
    from anomalizer_desktop.core.detector.run_standardizer import (
        standardizer_entry,
        standardizer_from_entry,
    )

    x, _ = clusters()
    fitted = Standardizer.fit(x, {"a": slice(0, 5), "b": slice(5, 16)})
    entry = standardizer_entry(fitted)
    back = standardizer_from_entry(json.loads(json.dumps(entry)))
    for name in ("center", "scale", "weights"):
        np.testing.assert_array_equal(getattr(back, name), getattr(fitted, name))
        assert getattr(back, name).dtype == np.float32
    zero_spread = Standardizer(fitted.center, fitted.scale * 0, fitted.weights)
    for damaged in (
        None,
        {},
        {**entry, "dim": entry["dim"] + 1},
        {**entry, "f32le": entry["f32le"][:-8]},
        {**entry, "f32le": "not base64!"},
        standardizer_entry(zero_spread),
        standardizer_entry(Standardizer(fitted.center * np.nan, fitted.scale, fitted.weights)),
    ):
        assert standardizer_from_entry(damaged) is None
