"""How far an evaluation's AUCs would move with other files: bootstrap intervals.

A scenario of 26 loops with 4 outliers (the shared drum_loops) has 88 outlier-normal pairs, so
one pair is 0.011 of its AUC, and a mean over three such scenarios reading 0.899 against a
target of 0.90 says little by itself. `evaluate --ci` therefore resamples each scenario's scored
files (normals and outliers apart, with replacement, as many as there were) and reads the AUCs
again, 2,000 times: the 2.5th and 97.5th percentiles of those are the 95 % interval. The
detectors are not fitted again: the interval says how much the figure depends on which loops
the scenario happens to hold, given the scores, not how much a detector's own randomness moves
it (the seeds of the clean and assisted protocols are averaged as the figures are).

Every detector is read on the same resamples (a paired bootstrap), so that "default minus
knn" has an interval of its own: whether the default's lead over a detector holds beyond the
luck of the draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: resamples per interval: the percentiles of 2,000 move by about 0.002 from one run to the next
REPLICATES = 2000
LEVEL = 0.95
#: the detector the differences are taken from
REFERENCE = "default"


@dataclass
class Scored:
    """One fit's test files (row numbers in the scenario) and each detector's scores of them."""

    files: np.ndarray
    scores: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ScenarioFits:
    """A scenario's labels (True = outlier) and, per protocol, its fits (one per seed)."""

    y: np.ndarray
    protocols: dict[str, list[Scored]] = field(default_factory=dict)


def pair_wins(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(outliers, normals): 1 where the outlier scores higher, 0.5 for a tie, 0 where lower;
    the AUC is its mean."""
    outliers, normals = scores[y], scores[~y]
    return (outliers[:, None] > normals[None, :]) + 0.5 * (outliers[:, None] == normals[None, :])


def resampled_counts(y: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates, files): how often each file is drawn in each resample of the scenario,
    outliers and normals drawn apart (each as many as there are), so every resample holds
    both."""
    counts = np.zeros((replicates, len(y)))
    for kind in (y, ~y):
        rows = np.flatnonzero(kind)
        counts[:, rows] = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)), replicates)
    return counts


def resampled_aucs(
    scenario: ScenarioFits, protocol: str, counts: np.ndarray
) -> dict[str, np.ndarray]:
    """{detector: (replicates,) AUCs}, each the mean over the protocol's fits (seeds) of the
    AUC on that fit's test files as drawn in `counts` (one resample of the scenario's files
    for every fit: the seeds' test files are one scenario's, drawn once)."""
    per_fit: dict[str, list[np.ndarray]] = {}
    for fit in scenario.protocols[protocol]:
        y = np.asarray(scenario.y, dtype=bool)[fit.files]
        drawn = counts[:, fit.files]
        out_counts, norm_counts = drawn[:, y], drawn[:, ~y]
        pairs = out_counts.sum(axis=1) * norm_counts.sum(axis=1)
        for detector, scores in fit.scores.items():
            wins = pair_wins(y, np.asarray(scores, dtype=np.float64))
            with np.errstate(invalid="ignore", divide="ignore"):  # (a resample with no pair)
                aucs = ((out_counts @ wins) * norm_counts).sum(axis=1) / pairs
            per_fit.setdefault(detector, []).append(aucs)
    return {detector: mean_of_known(aucs) for detector, aucs in per_fit.items()}


def mean_of_known(values: list[np.ndarray]) -> np.ndarray:
    """The element-wise mean of the arrays, passing over NaN (a resample that left a fit no
    outlier-normal pair: assisted, when it drew only the flagged outlier); NaN where all are."""
    stacked = np.asarray(values, dtype=np.float64)
    known = np.isfinite(stacked)
    total = np.where(known, stacked, 0.0).sum(axis=0)
    count = known.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _interval(values: np.ndarray, level: float) -> list[float]:
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(values[np.isfinite(values)], [tail, 100 - tail])
    return [round(float(low), 4), round(float(high), 4)]


def intervals(
    fits: dict[str, ScenarioFits],
    replicates: int = REPLICATES,
    level: float = LEVEL,
    seed: int = 0,
) -> dict:
    """The intervals of an evaluation from its fits ({scenario: ScenarioFits}):

    {"level": 0.95, "replicates": 2000,
     "scenarios": {scenario: {protocol: {detector: [low, high]}}},
     "mean": {protocol: {detector: [low, high]}},
     "default_minus": {protocol: {detector: [low, high]}}}

    The mean's interval resamples every scenario at once (each its own files), so it is
    narrower than any one scenario's. `default_minus` is the interval of the default's mean
    less each other detector's (present when the default was evaluated)."""
    rng = np.random.default_rng(seed)
    per_scenario: dict[str, dict[str, dict[str, list[float]]]] = {}
    summed: dict[str, dict[str, list[np.ndarray]]] = {}
    for name, scenario in fits.items():
        counts = resampled_counts(np.asarray(scenario.y, dtype=bool), replicates, rng)
        per_scenario[name] = {}
        for protocol in scenario.protocols:
            aucs = resampled_aucs(scenario, protocol, counts)
            per_scenario[name][protocol] = {d: _interval(a, level) for d, a in aucs.items()}
            for detector, values in aucs.items():
                summed.setdefault(protocol, {}).setdefault(detector, []).append(values)
    means = {
        protocol: {detector: mean_of_known(values) for detector, values in detectors.items()}
        for protocol, detectors in summed.items()
    }
    return {
        "level": level,
        "replicates": replicates,
        "scenarios": per_scenario,
        "mean": {
            protocol: {d: _interval(values, level) for d, values in detectors.items()}
            for protocol, detectors in means.items()
        },
        "default_minus": {
            protocol: {
                d: _interval(detectors[REFERENCE] - values, level)
                for d, values in detectors.items()
                if d != REFERENCE
            }
            for protocol, detectors in means.items()
            if REFERENCE in detectors
        },
    }


def format_intervals(result: dict) -> str:
    """The mean's intervals under the table: one line per protocol and detector, with the
    default's lead over it where the default was evaluated."""
    found = result["intervals"]
    percent = round(100 * found["level"])
    lines = [
        "",
        f"{percent} % intervals of the mean ({found['replicates']:,} resamples of the files;"
        " the detectors are not fitted again)",
    ]
    for protocol, detectors in found["mean"].items():
        means = result["mean"][protocol]
        lines.append(f"{protocol}")
        leads = found["default_minus"].get(protocol, {})
        for detector in sorted(detectors, key=lambda d: -means[d]):
            low, high = detectors[detector]
            line = f"  {detector:14s}{means[detector]:7.3f}  [{low:.3f}, {high:.3f}]"
            if detector in leads:
                lead_low, lead_high = leads[detector]
                line += f"   {REFERENCE} minus this: [{lead_low:+.3f}, {lead_high:+.3f}]"
            lines.append(line)
    return "\n".join(lines)
