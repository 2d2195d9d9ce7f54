"""`evaluate --ci`: bootstrap intervals of the AUCs, paired across detectors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.analysis.auc_interval import (
    ScenarioFits,
    Scored,
    format_intervals,
    intervals,
    pair_wins,
    resampled_aucs,
    resampled_counts,
)
from anomalizer_desktop.core.analysis.evaluation import Scenario, evaluate_scenario
from anomalizer_desktop.core.jobs import run_job


def labelled(n_normal: int, n_outlier: int) -> np.ndarray:
    return np.r_[np.zeros(n_normal, bool), np.ones(n_outlier, bool)]


def test_the_pairs_won_average_to_the_auc_ties_counting_half():
    rng = np.random.default_rng(0)
    y = labelled(30, 6)
    scores = rng.integers(0, 5, len(y)).astype(float)  # many ties
    assert pair_wins(y, scores).mean() == pytest.approx(roc_auc_score(y, scores))


def test_each_resample_draws_as_many_outliers_and_normals_as_the_scenario_holds():
    y = labelled(20, 3)
    counts = resampled_counts(y, 50, np.random.default_rng(1))
    assert counts.shape == (50, 23)
    assert (counts[:, y].sum(axis=1) == 3).all() and (counts[:, ~y].sum(axis=1) == 20).all()


def test_the_scenario_itself_drawn_once_each_gives_the_evaluated_auc_averaged_over_seeds():
    rng = np.random.default_rng(2)
    y = labelled(40, 8)
    scenario = ScenarioFits(y)
    aucs = []
    for _ in range(3):  # three seeds, each scoring its own half of the normals and the outliers
        test = np.sort(np.r_[rng.choice(40, 20, replace=False), np.arange(40, 48)])
        scores = rng.normal(size=len(test)) + y[test]
        scenario.protocols.setdefault("clean", []).append(Scored(test, {"knn": scores}))
        aucs.append(roc_auc_score(y[test], scores))
    unchanged = np.ones((1, len(y)))
    assert resampled_aucs(scenario, "clean", unchanged)["knn"][0] == pytest.approx(np.mean(aucs))


def one_protocol(y: np.ndarray, **scores: np.ndarray) -> dict[str, ScenarioFits]:
    return {"s": ScenarioFits(y, {"library": [Scored(np.arange(len(y)), scores)]})}


def test_the_interval_holds_the_figure_and_narrows_with_more_files():
    widths = []
    for n in (40, 400):
        rng = np.random.default_rng(3)
        y = labelled(n, n // 5)
        scores = rng.normal(size=len(y)) + 1.5 * y
        found = intervals(one_protocol(y, default=scores))
        low, high = found["mean"]["library"]["default"]
        assert low < roc_auc_score(y, scores) < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_separated_scenarios_have_no_doubt_and_the_lead_is_read_on_the_same_resamples():
    y = labelled(30, 5)
    perfect = y.astype(float)
    noisy = np.random.default_rng(4).normal(size=len(y)) + y
    found = intervals(one_protocol(y, default=perfect, knn=noisy, twin=perfect.copy()))
    assert found["mean"]["library"]["default"] == [1.0, 1.0]
    assert found["scenarios"]["s"]["library"]["default"] == [1.0, 1.0]
    assert found["default_minus"]["library"]["twin"] == [0.0, 0.0]  # paired: no spread at all
    assert found["default_minus"]["library"]["knn"][0] > 0  # the lead holds in every resample
    assert "default" not in found["default_minus"]["library"]


def test_a_resample_without_any_outlier_left_unflagged_is_passed_over():
    """assisted: one of the two outliers is flagged, so a resample that draws only it has no
    pair to compare in that fit."""
    y = labelled(10, 2)
    unflagged = np.arange(11)  # the last outlier is flagged
    scores = np.r_[np.zeros(10), 1.0]
    fits = {"s": ScenarioFits(y, {"assisted": [Scored(unflagged, {"default": scores})]})}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = intervals(fits, replicates=200)
    assert found["mean"]["assisted"]["default"] == [1.0, 1.0]


def test_evaluate_fills_the_fits_with_each_seeds_test_files():
    rng = np.random.default_rng(5)
    x = np.vstack([rng.normal(0, 1, (30, 4)), rng.normal(6, 1, (4, 4))]).astype(np.float32)
    y = labelled(30, 4)
    scored = ScenarioFits(y)
    result = run_job(
        evaluate_scenario(Scenario("s", x, y), detectors=("knn",), assisted_only=(), scored=scored)
    )
    assert [len(scored.protocols[p]) for p in ("library", "clean", "assisted")] == [1, 5, 5]
    assert len(scored.protocols["library"][0].files) == 34
    assert all(len(fit.files) == 15 + 4 for fit in scored.protocols["clean"])  # half the normals
    assert all(len(fit.files) == 34 - 3 for fit in scored.protocols["assisted"])  # 3 flagged
    whole = np.ones((1, len(y)))
    for protocol in result:
        again = resampled_aucs(scored, protocol, whole)["knn"][0]
        assert again == pytest.approx(result[protocol]["knn"], abs=1e-4)


def test_the_command_prints_and_writes_the_intervals(tmp_path, capsys):
    features = tmp_path / "features"
    features.mkdir()
    rng = np.random.default_rng(6)
    x = np.vstack([rng.normal(0, 1, (40, 6)), rng.normal(2, 1, (6, 6))]).astype(np.float32)
    np.savez(features / "alpha.npz", x=x, y=labelled(40, 6))
    out = tmp_path / "r.json"
    command = ["evaluate", "--features", str(features), "-q", "--protocol", "library"]
    assert main([*command, "--detectors", "default,knn", "--ci", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    found = result["intervals"]
    assert found["level"] == 0.95 and found["replicates"] == 2000
    low, high = found["mean"]["library"]["default"]
    assert low <= result["mean"]["library"]["default"] <= high
    assert set(found["default_minus"]["library"]) == {"knn"}
    printed = capsys.readouterr().out
    assert printed.endswith(format_intervals(result) + "\n")
    assert f"[{low:.3f}, {high:.3f}]" in printed and "default minus this:" in printed
