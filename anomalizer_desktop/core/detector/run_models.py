"""Where a library's training runs keep their models, which model is whose, which are kept.

Each run saves its model as `detectors/<library file name>/run-NNNNN.pt` beside the library.
Run ids count per library, so before 2026-11-29, when every library in a folder shared
`detectors/`, a second library's run 1 wrote over the first's `run-00001.pt` and the first
library then scored its loops with the other's model without a word. Now each library has its
own folder, and a run's model must have been saved for that run (`RunModel.created_at`, which
the checkpoint records) or it is refused.

Models take room (a float32 row per loop for the kNN detectors: 131 MB at 100,000 loops), and
so do scores (4.4 MB a run at 100,000 loops); the window uses the latest run's. `retire_old_runs`
keeps the models and scores of the KEEP_RUN_MODELS newest runs and of each embedder's newest,
and removes the others' (model files only from the library's own folder).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from anomalizer_desktop.core.detector.run_standardizer import KEY as STANDARDIZER_KEY
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity

#: models and scores of this many newest runs stay (`score --run N` can use them)
KEEP_RUN_MODELS = 5


class TrainError(AnomalizerError):
    """Training cannot run, or a run's model cannot be had (too few loops, no such run...)."""


@dataclass(frozen=True)
class RunModel:
    run_id: int
    embedder: str
    checkpoint: str
    #: the run's creation time, which its checkpoint records: a file that says otherwise was
    #: written by another library's run of the same number
    created_at: float


def detectors_folder(library: str | os.PathLike[str]) -> Path:
    """The folder of a library's run models: `detectors/<library file name>/` beside it, as
    an absolute path (runs record it: `--library lib.sqlite` once stored a path that only
    held from the folder the command ran in)."""
    library = Path(os.path.abspath(library))
    return library.parent / "detectors" / library.name


def checkpoint_name(run_id: int) -> str:
    return f"run-{run_id:05d}.pt"


def located_checkpoint(library: str | os.PathLike[str], run_id: int, recorded: str) -> str:
    """Where run `run_id`'s model is: the path the run recorded or, when that is gone and the
    library was moved with its `detectors/` folder (to another drive, another computer, a
    renamed home), the same file in the library's folder now."""
    if os.path.exists(recorded):
        return recorded
    moved = detectors_folder(library) / checkpoint_name(run_id)
    return str(moved) if moved.exists() else recorded


def other_detector(before: tuple, now: tuple) -> str | None:
    """How a message names the detector of the run `before` ("knn"; "svdd-AE (clap)" when
    its embedder differed too) when it differs from that of the run `now`; None when it is
    the same. Each run: (detector, network, embedder). Switching detectors moves loops across
    the unusual cut for that reason alone, so what says they moved names it."""
    detector, network, embedder = before
    if (detector, network, embedder) == tuple(now):
        return None
    name = f"{detector}-{network}" if network else detector
    return name if embedder == now[2] else f"{name} ({embedder})"


def detector_before(store: Store) -> str | None:
    """`other_detector` of the library's two latest runs (None before a second run)."""
    runs = store.execute(
        "SELECT detector, network, embedder FROM runs ORDER BY id DESC LIMIT 2"
    ).fetchall()
    return other_detector(tuple(runs[1]), tuple(runs[0])) if len(runs) == 2 else None


def latest_run_text(store: Store) -> str | None:
    """Which training the scores on show are from, for the table's Score and Unusual %
    headers: "knn (dsp) on 501 loops, trained 2026-12-02 21:40 with 2 flags (run 4)"; None
    before the first. The Detector box says what the next training uses, which need not be
    this (another was chosen since, or the command line trained)."""
    row = store.execute(
        "SELECT id, detector, network, embedder, created_at, config FROM runs"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    run_id, detector, network, embedder, created_at, config = row
    try:
        config = json.loads(config or "{}")
    except ValueError:
        config = {}
    name = f"{detector}-{network}" if network else detector
    trained = f"{name} ({embedder})"
    if isinstance(config.get("n_train"), int):
        trained += f" on {quantity(config['n_train'], 'loop')}"
    trained += f", trained {time.strftime('%Y-%m-%d %H:%M', time.localtime(created_at))}"
    labelled = config.get("labelled")
    flags = sum(labelled.values()) if isinstance(labelled, dict) else 0
    if flags:
        trained += f" with {quantity(flags, 'flag')}"
    return f"{trained} (run {run_id})"


def run_model(store: Store, run_id: int | None = None) -> RunModel:
    """The model of `run_id` (default: the latest run), or TrainError saying why there is none."""
    run_id = run_id if run_id is not None else store.latest_run_id()
    row = (
        store.execute(
            "SELECT embedder, config, created_at FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if run_id
        else None
    )
    if row is None:
        raise TrainError.advising("no trained detector yet: {step}", "train")
    embedder, config, created_at = row
    config = json.loads(config or "{}")
    if config.get("model_removed_at"):
        raise TrainError(
            f"the model of run {run_id} was removed when newer runs were trained (a library"
            f" keeps the models and scores of its {KEEP_RUN_MODELS} latest runs): train again"
        )
    checkpoint = config.get("checkpoint")
    if not checkpoint:
        raise TrainError(f"run {run_id} has no checkpoint")
    checkpoint = located_checkpoint(store.path, run_id, checkpoint)
    return RunModel(run_id, embedder, checkpoint, float(created_at))


def _runs_with_models(store: Store) -> list[tuple[int, str, dict, Path]]:
    """(id, embedder, config, where its model is) of every run, newest first, that has a
    model not removed yet (the file may still be gone)."""
    runs = []
    for run_id, embedder, config in store.execute(
        "SELECT id, embedder, config FROM runs ORDER BY id DESC"
    ):
        config = json.loads(config or "{}")
        recorded = config.get("checkpoint")
        if recorded and not config.get("model_removed_at"):
            located = os.path.abspath(located_checkpoint(store.path, run_id, recorded))
            runs.append((run_id, embedder, config, Path(located)))
    return runs


def retire_old_runs(store: Store, keep: int = KEEP_RUN_MODELS) -> list[Path]:
    """Runs older than the `keep` newest (each embedder's newest counts as new too) give up
    their scores (4.4 MB a run at 100,000 loops; only the latest run's are shown, and SQLite
    reuses the room for the next run's) and their model file. Only files in the library's own
    folder under their run's name are deleted: a model in the `detectors/` folder older
    versions shared may be another library's. The runs' rows stay, as a history. Returns the
    files deleted; a file that cannot be deleted is left (and tried after the next run)."""
    runs = store.execute("SELECT id, embedder FROM runs ORDER BY id DESC").fetchall()
    kept: set[int] = {run_id for run_id, _ in runs[:keep]}
    newest_of: dict[str, int] = {}
    for run_id, embedder in runs:
        newest_of.setdefault(embedder, run_id)
    kept.update(newest_of.values())
    old = [run_id for run_id, _ in runs if run_id not in kept]
    with store.transaction() as db:
        db.executemany("DELETE FROM scores WHERE run_id = ?", [(run_id,) for run_id in old])
    own = detectors_folder(store.path)
    removed = []
    for run_id, _, config, path in _runs_with_models(store):
        if run_id in kept or path.parent != own or path.name != checkpoint_name(run_id):
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue
        config["model_removed_at"] = time.time()
        config.pop(STANDARDIZER_KEY, None)  # (5 kB a run, of no use without its scores)
        with store.transaction() as db:
            db.execute("UPDATE runs SET config = ? WHERE id = ?", (json.dumps(config), run_id))
        removed.append(path)
    return removed


def run_model_files(store: Store) -> list[Path]:
    """The model files the library's runs still have on disk, newest run first."""
    return [path for _, _, _, path in _runs_with_models(store) if path.is_file()]
