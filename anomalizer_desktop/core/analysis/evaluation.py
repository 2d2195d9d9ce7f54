"""`anomalizer evaluate`: ROC AUC of every detector on labelled scenarios, three protocols.

A corpus holds scenario folders with `labels.csv` (path,label: normal|outlier, paths relative to
the scenario). Each scenario is scanned and embedded into its own temporary library (never the
user's), then:

- library: fit on every file without labels, score every file (the real use: a library that
  contains the outliers we look for);
- clean: 5 seeds; fit on a random half of the normals, score the other half plus all outliers;
- assisted: like library plus 3 random flags per seed (2 typical, 1 unusual) given to the
  detector; AUC over the unflagged files; 5 seeds.
"""

from __future__ import annotations

import csv
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from anomalizer_desktop.core.analysis.auc_interval import ScenarioFits, Scored, intervals
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store

PROTOCOLS = ("library", "clean", "assisted")
DETECTORS = ("default", "svdd-AE", "svdd-AEwRES", "svdd-Baseline", "iforest", "pca", "ocsvm", "knn")
ASSISTED_ONLY = ("sad-AE", "sad-AEwRES", "sad-Baseline")
SEEDS = 5


class EvaluationError(AnomalizerError):
    """The corpus cannot be evaluated (no scenarios, a scenario without both labels...)."""


@dataclass
class Scenario:
    name: str
    x: np.ndarray
    y: np.ndarray  # True = outlier
    groups: dict[str, slice] | None = None
    paths: list[str] | None = None  # relative to the scenario folder, where known
    #: (path relative to the scenario, why) for each file not evaluated: unreadable, listed in
    #: labels.csv but not there, or there but not listed
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def save(self, folder: Path) -> Path:
        """Write `<name>.npz` in the `--features` layout: x, y, paths and the descriptor groups
        (`group_names`, `group_bounds` as start/stop rows), so that detectors can be compared
        again without decoding or embedding anything."""
        folder.mkdir(parents=True, exist_ok=True)
        groups = self.groups or {}
        target = folder / f"{self.name}.npz"
        np.savez(
            target,
            x=self.x,
            y=self.y,
            paths=np.array(self.paths or [], dtype=str),
            group_names=np.array(list(groups), dtype=str),
            group_bounds=np.array([(g.start, g.stop) for g in groups.values()], dtype=np.int64),
        )
        return target


def spec_for(detector: str, seed: int, device: str, epochs: int | None) -> ModelSpec:
    kind, _, network = detector.partition("-")
    return ModelSpec(
        detector=kind, network=network or "AE", seed=seed, device=device, epochs=epochs
    )


def find_scenarios(corpus: str | os.PathLike[str]) -> list[Path]:
    root = Path(corpus)
    found = sorted(p.parent for p in root.glob("*/labels.csv"))
    if not found:
        raise EvaluationError(f"no scenarios in {corpus}: expected <scenario>/labels.csv folders")
    return found


LABELS = {"normal": False, "outlier": True}


def read_labels(folder: Path) -> dict[str, bool]:
    """{real path: is an outlier} from `folder/labels.csv` (columns path,label; label normal or
    outlier, any case; a spreadsheet's byte-order mark is fine). Anything else is an
    EvaluationError naming the file and line, never a traceback."""
    file = folder / "labels.csv"
    labels = {}
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            if "path" not in columns or "label" not in columns:
                raise EvaluationError(
                    f"{file}: the first line must name the columns path,label"
                    f" (found {','.join(reader.fieldnames or []) or 'nothing'})"
                )
            reader.fieldnames = columns
            for row in reader:
                path = (row.get("path") or "").strip()
                label = (row.get("label") or "").strip().lower()
                if label not in LABELS or not path:
                    raise EvaluationError(
                        f"{file}, line {reader.line_num}: expected a path and a label"
                        f" (normal or outlier), found {path!r}, {label!r}"
                    )
                labels[os.path.realpath(folder / path)] = LABELS[label]
    except UnicodeDecodeError:
        raise EvaluationError(f"{file}: not UTF-8 text") from None
    except (OSError, csv.Error) as error:
        raise EvaluationError(f"{file}: cannot be read ({error})") from None
    return labels


def load_scenario(
    folder: Path, embedder: str, workdir: Path, cancel: CancelToken | None = None, **options
) -> Job[Scenario]:
    """Scan + embed one scenario into a temporary library; return its matrix and labels."""
    labels = read_labels(folder)
    with Store(workdir / f"{folder.name}.sqlite") as store:
        yield from scan(store, [str(folder)], cancel)
        yield from embed(store, embedder, cancel, **options)
        model = embedder_info(store, embedder)
        ids, x = store.feature_matrix(model.id, model.version)
        paths = dict(store.execute("SELECT id, path FROM samples").fetchall())
        errors = {r.path: r.error for r in store.list_samples()}
    keep = [i for i, sid in enumerate(ids) if paths[int(sid)] in labels]
    y = np.array([labels[paths[int(ids[i])]] for i in keep], dtype=bool)
    if y.all() or not y.any():
        raise EvaluationError(f"scenario {folder.name} needs both normal and outlier files")
    root = os.path.realpath(folder)
    relative = [os.path.relpath(paths[int(ids[i])], root) for i in keep]
    return Scenario(
        folder.name, x[keep], y, model.groups, relative, _left_out(labels, errors, paths, ids, root)
    )


def _left_out(labels: dict, errors: dict, paths: dict, ids, root: str) -> list[tuple[str, str]]:
    """What a scenario's AUCs do not count, and why, so that a broken or missing file never
    changes the figures unseen."""
    embedded = {paths[int(sid)] for sid in ids}

    def reason(path: str) -> str:
        if path not in errors:
            return "listed in labels.csv, not found"
        return errors[path] or "no vector"

    left = [(path, reason(path)) for path in labels if path not in embedded]
    left += [(path, "not listed in labels.csv") for path in errors if path not in labels]
    return sorted((os.path.relpath(path, root), why) for path, why in left)


def _fit_score(
    scenario: Scenario,
    detector: str,
    seed: int,
    device: str,
    epochs: int | None,
    train: np.ndarray,
    labels: np.ndarray | None,
    cancel,
) -> np.ndarray:
    model = AnomalyModel(spec_for(detector, seed, device, epochs))
    for _ in model.fit(scenario.x[train], labels, scenario.groups, cancel):
        pass
    return model.score(scenario.x)


def evaluate_scenario(
    scenario: Scenario,
    protocols=PROTOCOLS,
    detectors=DETECTORS,
    device: str = "cpu",
    epochs: int | None = None,
    seeds: int = SEEDS,
    cancel: CancelToken | None = None,
    assisted_only=ASSISTED_ONLY,
    scored: ScenarioFits | None = None,
) -> Job[dict]:
    """{protocol: {detector: mean AUC}} for one scenario; `assisted_only` (Deep SAD) run under
    the assisted protocol alone, since only it gives flags.

    `scored`: the scenario's fits to fill (per protocol and seed, the test files and each
    detector's scores of them), for `auc_interval.intervals`."""
    n = len(scenario.y)
    everything = np.arange(n)
    normals, outliers = np.flatnonzero(~scenario.y), np.flatnonzero(scenario.y)
    result: dict[str, dict[str, float]] = {}
    for protocol in protocols:
        names = list(detectors) + (list(assisted_only) if protocol == "assisted" else [])
        result[protocol] = {}
        for detector in names:
            aucs = []
            for seed in range(1 if protocol == "library" else seeds):
                test = everything
                rng = np.random.default_rng(seed)
                if protocol == "library":
                    scores = _fit_score(
                        scenario, detector, seed, device, epochs, everything, None, cancel
                    )
                elif protocol == "clean":
                    train = rng.choice(normals, size=len(normals) // 2, replace=False)
                    test = np.setdiff1d(everything, train)
                    scores = _fit_score(
                        scenario, detector, seed, device, epochs, train, None, cancel
                    )
                else:  # assisted
                    typical = rng.choice(normals, size=min(2, len(normals)), replace=False)
                    unusual = rng.choice(outliers, size=1, replace=False)
                    labels = np.zeros(n)
                    labels[typical], labels[unusual] = 1, -1
                    scores = _fit_score(
                        scenario, detector, seed, device, epochs, everything, labels, cancel
                    )
                    test = np.flatnonzero(labels == 0)
                aucs.append(roc_auc_score(scenario.y[test], scores[test]))
                if scored is not None:
                    fits = scored.protocols.setdefault(protocol, [])
                    if len(fits) <= seed:
                        fits.append(Scored(test))
                    fits[seed].scores[detector] = scores[test]
            result[protocol][detector] = round(float(np.mean(aucs)), 4)
            yield Progress(0, 0, f"{scenario.name} {protocol} {detector}: {np.mean(aucs):.3f}")
    return result


def evaluate(
    corpus: str | os.PathLike[str],
    protocols=PROTOCOLS,
    embedder: str = "dsp",
    detectors=DETECTORS,
    device: str = "cpu",
    epochs: int | None = None,
    cancel: CancelToken | None = None,
    save_features: str | os.PathLike[str] | None = None,
    assisted_only=ASSISTED_ONLY,
    ci: bool = False,
    **embedder_options,
) -> Job[dict]:
    """The whole evaluation: {"embedder", "scenarios": {...}, "mean": {...}}, and with `ci`
    "intervals" as well (`auc_interval.intervals`).

    `save_features`: a folder to also write each scenario's vectors to (`Scenario.save`)."""
    folders = find_scenarios(corpus)
    options = {"device": device, "epochs": epochs, "cancel": cancel, "assisted_only": assisted_only}
    scenarios: dict[str, dict] = {}
    fits: dict[str, ScenarioFits] = {}
    left_out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="anomalizer-eval-") as workdir:
        for folder in folders:
            yield Progress(0, 0, f"loading {folder.name}")
            scenario = yield from load_scenario(
                folder, embedder, Path(workdir), cancel, **embedder_options
            )
            if save_features is not None:
                scenario.save(Path(save_features))
            if scenario.left_out:
                left_out[scenario.name] = [{"path": p, "why": w} for p, w in scenario.left_out]
            scenarios[scenario.name] = yield from evaluate_scenario(
                scenario,
                protocols,
                detectors,
                **options,
                scored=fits.setdefault(scenario.name, ScenarioFits(scenario.y)),
            )
    result = with_intervals(summarise(embedder, scenarios), fits if ci else None)
    if left_out:  # only then: a clean corpus keeps the plain {embedder, scenarios, mean}
        result["left_out"] = left_out
    return result


def _read_groups(data, dim: int, name: str) -> dict[str, slice] | None:
    """Descriptor groups from `group_names` + `group_bounds` (n x 2: start, stop), if present."""
    if "group_names" not in data or len(data["group_names"]) == 0:
        return None
    names = [str(n) for n in data["group_names"]]
    bounds = np.asarray(data["group_bounds"], dtype=np.int64).reshape(-1, 2)
    if len(bounds) != len(names) or (bounds < 0).any() or (bounds[:, 1] <= bounds[:, 0]).any():
        raise EvaluationError(f"{name}: group_bounds must give one start < stop per group name")
    if bounds[:, 1].max() > dim:
        raise EvaluationError(f"{name}: group_bounds reach past the vectors' {dim} dimensions")
    return {n: slice(int(a), int(b)) for n, (a, b) in zip(names, bounds, strict=True)}


def load_feature_scenarios(folder: str | os.PathLike[str]) -> list[Scenario]:
    """`<scenario>.npz` files with `x` (n x d), `y` (n bool, True = outlier), optional `paths`
    and optional descriptor groups (`group_names`, `group_bounds`; see `Scenario.save`)."""
    files = sorted(Path(folder).glob("*.npz"))
    if not files:
        raise EvaluationError(f"no <scenario>.npz files in {folder}")
    scenarios = []
    for file in files:
        try:
            with np.load(file, allow_pickle=False) as data:
                x, y = np.asarray(data["x"], dtype=np.float32), np.asarray(data["y"]).astype(bool)
                groups = _read_groups(data, x.shape[1] if x.ndim == 2 else 0, file.name)
                paths = [str(p) for p in data["paths"]] if "paths" in data else None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise EvaluationError(
                f"{file.name}: not a features file with x and y ({error})"
            ) from None
        if x.ndim != 2 or y.shape != (len(x),):
            raise EvaluationError(f"{file.name}: x must be n x d and y must have n entries")
        if not np.isfinite(x).all():
            raise EvaluationError(f"{file.name}: x contains NaN or infinite values")
        if y.all() or not y.any():
            raise EvaluationError(f"{file.name}: needs both normal and outlier rows")
        if paths is not None and len(paths) != len(x):
            paths = None
        scenarios.append(Scenario(file.stem, x, y, groups, paths))
    return scenarios


def evaluate_features(
    folder: str | os.PathLike[str],
    protocols=PROTOCOLS,
    detectors=DETECTORS,
    device: str = "cpu",
    epochs: int | None = None,
    cancel: CancelToken | None = None,
    assisted_only=ASSISTED_ONLY,
    ci: bool = False,
) -> Job[dict]:
    """The same evaluation on precomputed vectors (embedder reported as `features`)."""
    scenarios = {}
    fits: dict[str, ScenarioFits] = {}
    options = {"device": device, "epochs": epochs, "cancel": cancel, "assisted_only": assisted_only}
    for scenario in load_feature_scenarios(folder):
        scenarios[scenario.name] = yield from evaluate_scenario(
            scenario,
            protocols,
            detectors,
            **options,
            scored=fits.setdefault(scenario.name, ScenarioFits(scenario.y)),
        )
    return with_intervals(summarise("features", scenarios), fits if ci else None)


def with_intervals(result: dict, fits: dict[str, ScenarioFits] | None) -> dict:
    """The result, with the bootstrap intervals of its AUCs when `fits` are given (the plain
    {embedder, scenarios, mean} of the issue otherwise)."""
    if fits is not None:
        result["intervals"] = intervals(fits)
    return result


def summarise(embedder: str, scenarios: dict[str, dict]) -> dict:
    mean: dict[str, dict[str, float]] = {}
    for per_protocol in scenarios.values():
        for protocol, per_detector in per_protocol.items():
            for detector, auc in per_detector.items():
                mean.setdefault(protocol, {}).setdefault(detector, []).append(auc)
    return {
        "embedder": embedder,
        "scenarios": scenarios,
        "mean": {
            p: {d: round(float(np.mean(v)), 4) for d, v in ds.items()} for p, ds in mean.items()
        },
    }


def chosen_detectors(names: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(detectors, assisted-only detectors) of a comma-separated list such as "default,knn"
    (None: all of them). A quick comparison need not train the 5-network Deep SVDD ensembles:
    `--detectors default` on the shared features takes seconds instead of minutes."""
    if not names:
        return DETECTORS, ASSISTED_ONLY
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in DETECTORS + ASSISTED_ONLY]
    if unknown or not wanted:
        raise EvaluationError(
            f"unknown detector {', '.join(unknown) or names!r}; choose from"
            f" {', '.join(DETECTORS + ASSISTED_ONLY)}"
        )
    wanted = list(dict.fromkeys(wanted))
    return (
        tuple(n for n in wanted if n in DETECTORS),
        tuple(n for n in wanted if n in ASSISTED_ONLY),
    )


def format_table(result: dict) -> str:
    """One block per protocol: detectors as rows, scenarios and the mean as columns."""
    lines = [f"embedder: {result['embedder']}"]
    names = list(result["scenarios"])
    width = max([7, *(len(n) + 1 for n in names)])  # whole scenario names, never cut
    for protocol, means in result["mean"].items():
        lines.append("")
        header = "".join(f"{n:>{width}s}" for n in names)
        lines.append(f"{protocol:16s}{header}{'mean':>9s}")
        for detector, mean in sorted(means.items(), key=lambda kv: -kv[1]):
            cells = "".join(
                f"{result['scenarios'][n][protocol][detector]:{width}.3f}" for n in names
            )
            lines.append(f"{detector:16s}{cells}{mean:9.3f}")
    return "\n".join(lines)
