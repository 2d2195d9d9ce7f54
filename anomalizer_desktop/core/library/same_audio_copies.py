"""`anomalizer bench same-audio --corpus DIR`: how well the same-audio check finds real loops'
re-encoded copies, and what that does for the detector.

For each scenario of a labelled corpus (`labels.csv`, as `anomalizer evaluate` reads it), a
share of its loops gets two copies, as packs ship them: a 16-bit FLAC 3 dB down and an Ogg
Vorbis. The scenario and its copies are scanned, embedded and checked in a library of their
own, as the app does. Reported per scenario: how many copies were joined to their loop, how
many other loops the check grouped (real twins, or mistakes: look at them), and the default
detector's library-protocol ROC AUC over every file (a copy labelled as its loop) with the
copies' vectors as read and as `train` gives them (`one_vector_per_recording`).
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from sklearn.metrics import roc_auc_score

from anomalizer_desktop.core.analysis.evaluation import find_scenarios, read_labels
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.embedding.dsp import DspEmbedder
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.same_audio import (
    check_same_audio,
    one_vector_per_recording,
    same_audio_groups,
)
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store

#: the copies each chosen loop gets: (suffix, soundfile options, gain)
COPIES = (("flac", {"subtype": "PCM_16"}, 10 ** (-3 / 20)), ("ogg", {"format": "OGG"}, 1.0))


def _write_copies(paths: list[Path], folder: Path, share: float, seed: int) -> dict[str, str]:
    """Copies of a random `share` of `paths` in `folder`: copy path -> its loop's path."""
    chosen = random.Random(seed).sample(range(len(paths)), int(share * len(paths)))
    folder.mkdir(parents=True)
    copies = {}
    for i in chosen:
        audio, rate = sf.read(paths[i], always_2d=True, dtype="float32")
        for suffix, options, gain in COPIES:
            copy = folder / f"{i:04d} {paths[i].stem}.{suffix}"
            sf.write(copy, np.clip(audio * gain, -1, 1), rate, **options)
            copies[str(copy)] = str(paths[i])
    return copies


def _auc(x: np.ndarray, y: np.ndarray) -> float:
    model = AnomalyModel(ModelSpec("default"))
    run_job(model.fit(x, None, DspEmbedder.feature_groups()))
    return round(float(roc_auc_score(y, model.fit_scores)), 3)


def copies_report(corpus: str, share: float = 0.3, seed: int = 0) -> dict:
    """The figures above, per scenario and their mean."""
    report: dict = {"share": share, "scenarios": {}}
    with tempfile.TemporaryDirectory(prefix="anomalizer-same-audio-") as work:
        for scenario in find_scenarios(corpus):
            loops = read_labels(scenario)  # real path -> is an outlier
            copies = _write_copies(
                [Path(p) for p in loops], Path(work) / scenario.name, share, seed
            )
            with Store(Path(work) / f"{scenario.name}.sqlite") as store:
                # (the scenario's own files that labels.csv does not list are in the library
                # too, as in a producer's: they count as normal loops in the AUC)
                run_job(scan(store, [str(scenario), str(Path(work) / scenario.name)]))
                run_job(embed(store, "dsp"))
                started = time.perf_counter()
                checked = run_job(check_same_audio(store))
                seconds = time.perf_counter() - started
                groups = same_audio_groups(store)
                ids, x = store.feature_matrix("dsp")
                paths = dict(store.execute("SELECT id, path FROM samples").fetchall())
                path_ids = {path: i for i, path in paths.items()}
                joined = sum(
                    1
                    for copy, loop in copies.items()
                    if path_ids.get(copy) in groups
                    and groups[path_ids[copy]] == groups.get(path_ids.get(loop))
                )
                planted = set(copies) | set(copies.values())
                others = sum(1 for i in groups if paths[i] not in planted)
                y = np.array(
                    [loops.get(paths[i], loops.get(copies.get(paths[i], ""), False)) for i in ids]
                )
                apart = _auc(x, y)
                merged = _auc(one_vector_per_recording(store, ids, x.copy()), y)
            report["scenarios"][scenario.name] = {
                "copies": len(copies),
                "joined": joined,
                "other_loops_grouped": others,
                "compared": checked.compared,
                "check_s": round(seconds, 2),
                "auc_apart": apart,
                "auc_as_train_sees_them": merged,
            }
    scenarios = report["scenarios"].values()
    if scenarios:
        report["joined_share"] = round(
            sum(s["joined"] for s in scenarios) / max(1, sum(s["copies"] for s in scenarios)), 3
        )
        for key in ("auc_apart", "auc_as_train_sees_them"):
            report[f"mean_{key}"] = round(float(np.mean([s[key] for s in scenarios])), 3)
    return report
