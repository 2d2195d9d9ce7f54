"""The train and score jobs: library vectors + flags in, a run with a score per loop out.

`train` fits a model on every embedded, non-missing loop of one embedder (flags become Deep SAD
labels: typical = +1, unusual = -1), stores a run (detector, network, embedder, seed, time,
threshold, checkpoint path) and one score + percentile per loop, and saves the checkpoint in
the models folder. `score` re-scores the library (e.g. loops embedded since) with a stored run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.detector.checkpoint import (
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from anomalizer_desktop.core.detector.freshness import (
    EMBED,
    NO_FLAGS_DIGEST,
    SCORE,
    flags_digest,
    score_status,
)
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.detector.neighbour_lists import FILE_NAME as NEIGHBOURS_FILE
from anomalizer_desktop.core.detector.neighbour_lists import NeighbourLists
from anomalizer_desktop.core.detector.run_models import (
    TrainError,
    checkpoint_name,
    detectors_folder,
    other_detector,
    retire_old_runs,
    run_model,
)
from anomalizer_desktop.core.detector.run_standardizer import KEY as STANDARDIZER_KEY
from anomalizer_desktop.core.detector.run_standardizer import standardizer_entry
from anomalizer_desktop.core.detector.spec import MIN_TRAINING_LOOPS
from anomalizer_desktop.core.detector.svdd import TrainingCancelled
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.same_audio import check_same_audio, one_vector_per_recording
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity


@dataclass
class TrainResult:
    run_id: int
    detector: str
    embedder: str
    trained_on: int
    scored: int
    unusual: int
    threshold: float
    checkpoint: str
    seconds: float
    #: distinct sounds among the loops trained on: copies of one file count once
    distinct: int = 0
    #: whether the fit started from the last fit's neighbour candidates (the same vectors,
    #: other flags: `neighbour_lists`) instead of searching
    search_reused: bool = False
    #: loops above this run's cut that were not above the last run's, and loops above the
    #: last run's cut that are not above this one's (both scored by each); None on the first
    newly_unusual: int | None = None
    no_longer_unusual: int | None = None
    #: the last run's detector ("knn", "svdd-AE"; its embedder after it when that differed
    #: too) when it was not this run's: loops cross the cut for that reason alone
    last_detector: str | None = None
    #: whether it trained or searched on a GPU (Deep SVDD's networks, the default's search)
    gpu: bool = False

    def as_json(self) -> dict:
        return asdict(self)

    def loops_text(self) -> str:
        """ "1085 loops", or "1085 loops (993 distinct sounds)" where copies counted once."""
        text = quantity(self.trained_on, "loop")
        if 0 < self.distinct < self.trained_on:
            text += f" ({quantity(self.distinct, 'distinct sound')})"
        return text

    def changes_text(self) -> str:
        """What the run changed, after "N above the unusual cut": " (6 of them new; 4 fell
        below it)", " (the same loops as before)", or "" on a first training. A retrain with
        flags said only how many were above the cut, not whether the flags moved any."""
        if self.newly_unusual is None or self.no_longer_unusual is None:
            return ""
        if not self.newly_unusual and not self.no_longer_unusual:
            return " (the same loops as before)"
        parts = []
        if self.newly_unusual:
            parts.append(f"{self.newly_unusual} of them new")
        if self.no_longer_unusual:
            parts.append(f"{self.no_longer_unusual} fell below it")
        if self.last_detector:
            parts.append(f"the last training used {self.last_detector}")
        return f" ({'; '.join(parts)})"

    def gpu_text(self) -> str:
        """ " on the GPU" when it trained or searched on one, else "": after the time taken."""
        return " on the GPU" if self.gpu else ""

    def summary(self) -> str:
        """What `train` and `start` say of the run: "run 2: default (dsp) on 157 loops in
        0.1 s; 16 above the unusual cut (1.77)", with "(from the last training's neighbour
        search)" after the time when only the flags had changed: why it took seconds, and
        after an earlier run, how many loops crossed the cut (`changes_text`)."""
        reused = " (from the last training's neighbour search)" if self.search_reused else ""
        return (
            f"run {self.run_id}: {self.detector} ({self.embedder}) on {self.loops_text()} in "
            f"{self.seconds:.1f} s{self.gpu_text()}{reused}; {self.unusual} above the unusual cut"
            f" ({self.threshold:.4g}){self.changes_text()}"
        )


def flag_labels(store: Store, ids: np.ndarray) -> np.ndarray:
    """+1 for loops flagged typical, -1 for unusual, 0 otherwise, aligned with `ids`."""
    flags = dict(store.execute("SELECT sample_id, flag FROM user_data WHERE flag IS NOT NULL"))
    return np.array([{"typical": 1, "unusual": -1}.get(flags.get(int(i)), 0) for i in ids])


def train(
    store: Store,
    spec: ModelSpec,
    embedder: str = "dsp",
    models_dir: str | os.PathLike[str] | None = None,
    cancel: CancelToken | None = None,
    use_flags: bool = True,
) -> Job[TrainResult]:
    """Fit `spec` on the library's `embedder` vectors and store the run and its scores.
    With `use_flags`, typical/unusual flags are labels (Deep SAD; kNN leaves unusual ones out)."""
    started = time.monotonic()
    described = embedder_info(store, embedder)
    info = described.as_dict()
    ids, x = store.feature_matrix(info["id"], info["version"])
    if len(ids) < MIN_TRAINING_LOOPS:
        waiting = store.counts_by_status()["ok"] - len(ids)  # readable, not embedded yet
        too_few = (
            f"need at least {MIN_TRAINING_LOOPS} embedded loops to train, the library has "
            f"{len(ids)} for {embedder}"
        )
        if waiting > 0:
            raise TrainError.advising(too_few + " ({step})", "embed")
        raise TrainError(too_few + " (add more loops)")
    # one recording in two files (a WAV and an AIFF, say) is one sound, as copies are: the
    # loops not looked at yet are compared first (quick once a library has been looked at)
    checked = yield from check_same_audio(store, embedder, cancel)
    if checked.cancelled:
        raise TrainingCancelled
    x = one_vector_per_recording(store, ids, x)
    labels = flag_labels(store, ids) if use_flags else np.zeros(len(ids))
    used_flags = flags_digest(store) if use_flags else NO_FLAGS_DIGEST
    model = AnomalyModel(spec)
    yield Progress(0, 0, f"training {spec.detector} on {len(ids)} loops")
    lists_file = detectors_folder(store.path) / NEIGHBOURS_FILE
    earlier = functools.partial(NeighbourLists.load, lists_file)
    yield from model.fit(x, labels, described.groups, cancel, earlier)
    scores = model.fit_scores
    last_run = store.execute(
        "SELECT detector, network, embedder, threshold FROM runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    models_dir = Path(os.path.abspath(models_dir)) if models_dir else detectors_folder(store.path)
    created_at = time.time()
    with store.transaction() as db:
        config = {
            "spec": {k: v for k, v in vars(spec).items()},
            "n_train": len(ids),
            "n_distinct": model.n_distinct,
            "labelled": model.n_labelled,
            "embedder_version": info["version"],
            "flags_digest": used_flags,
            STANDARDIZER_KEY: standardizer_entry(model.standardizer),
        }
        run_id = db.execute(
            "INSERT INTO runs(created_at, detector, network, embedder, seed, threshold, config)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                created_at,
                spec.detector,
                spec.network if spec.detector in ("svdd", "sad") else None,
                info["id"],
                spec.seed,
                model.threshold,
                json.dumps(config, default=str),
            ),
        ).lastrowid
        checkpoint = save_checkpoint(
            model, models_dir / checkpoint_name(run_id), info, run_created_at=created_at
        )
        config["checkpoint"] = str(checkpoint)
        db.execute(
            "UPDATE runs SET config = ? WHERE id = ?", (json.dumps(config, default=str), run_id)
        )
        _write_scores(store, run_id, ids, scores, model.percentile(scores))
    retire_old_runs(store)
    _keep_neighbour_lists(model, lists_file)
    # what moved across the cut since the last run (nothing to compare on a first training,
    # or after a run without a cut): the crossings the window's table marks
    compared = last_run is not None and last_run[3] is not None
    newly, no_longer = (
        (len(moved) for moved in store.unusual_crossings()) if compared else (None,) * 2
    )
    return TrainResult(
        run_id=run_id,
        detector=spec.detector,
        embedder=info["id"],
        trained_on=len(ids),
        distinct=model.n_distinct,
        scored=len(ids),
        unusual=int((scores > model.threshold).sum()),
        threshold=model.threshold,
        checkpoint=str(checkpoint),
        seconds=round(time.monotonic() - started, 2),
        search_reused=model.reused > 0,
        newly_unusual=newly,
        no_longer_unusual=no_longer,
        last_detector=_other_detector(last_run, spec, info["id"]),
        gpu=model.used_gpu(),
    )


def _other_detector(last_run: tuple | None, spec: ModelSpec, embedder: str) -> str | None:
    """`other_detector` of the last run against this one. `last_run`: its detector,
    network, embedder and cut."""
    if last_run is None:
        return None
    network_now = spec.network if spec.detector in ("svdd", "sad") else None
    return other_detector(tuple(last_run[:3]), (spec.detector, network_now, embedder))


def _keep_neighbour_lists(model: AnomalyModel, path: Path) -> None:
    """Keep the fit's neighbour candidates for the next training on the same vectors (a
    retrain with other flags); a drive that refuses them costs the next fit its search only."""
    if model.neighbour_lists is None:
        return
    with contextlib.suppress(OSError):
        model.neighbour_lists.save(path)


def _write_scores(store: Store, run_id: int, ids, scores, percentiles) -> None:
    """Store a run's scores; loops forgotten while it trained (moved to the trash, forgotten
    from the command line) are skipped rather than failing the run."""
    with store.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO scores(run_id, sample_id, score, percentile)"
            " SELECT ?, id, ?, ? FROM samples WHERE id = ?",
            [
                (run_id, float(s), float(p), int(i))
                for i, s, p in zip(ids, scores, percentiles, strict=True)
            ],
        )


def score(
    store: Store,
    run_id: int | None = None,
    device: str = "cpu",
    cancel: CancelToken | None = None,
    only_new: bool = False,
) -> Job[dict]:
    """Score every embedded loop with a stored run's model, or with `only_new` just the loops
    that run has no score for yet (added or changed since): a loop's score depends on the
    model and the loop alone, so the others would come out the same. Progress per chunk of
    loops; cancelling stops between chunks and writes nothing."""
    run = run_model(store, run_id)
    run_id, checkpoint = run.run_id, run.checkpoint
    if not os.path.exists(checkpoint):
        raise TrainError.advising(
            f"the model of run {run_id} is gone ({checkpoint}): {{step}}", "train", "again"
        )
    info = embedder_info(store, run.embedder).as_dict()
    try:
        model, _ = load_checkpoint(checkpoint, info, device, run.created_at)
    except CheckpointError as error:  # damaged, or for other vectors: a new run is the way on
        raise CheckpointError.advising(f"{error}; {{step}}", "train", "again to score") from None
    ids, x = store.feature_matrix(info["id"], info["version"])
    x = one_vector_per_recording(store, ids, x)  # as `train` gave them
    if only_new and len(ids):
        scored = store.execute("SELECT sample_id FROM scores WHERE run_id = ?", (run_id,))
        new = ~np.isin(ids, np.fromiter((sid for (sid,) in scored), dtype=np.int64))
        ids, x = ids[new], x[new]
    yield Progress(0, len(ids), f"scoring {quantity(len(ids), 'loop')} with run {run_id}")
    scores = (yield from model.score_job(x, cancel)) if len(ids) else np.zeros(0)
    _write_scores(store, run_id, ids, scores, model.percentile(scores))
    yield Progress(len(ids), len(ids), "scored")
    return {
        "run_id": run_id,
        "scored": len(ids),
        "unusual": int((scores > model.threshold).sum()),
        "threshold": model.threshold,
    }


def refresh_scores(
    store: Store, embedder: str = "dsp", cancel: CancelToken | None = None
) -> Job[str]:
    """Bring the scores up to date the way the GUI's stale-scores bar would: embed again when
    the library holds an older DSP version's vectors; train the default detector (with the
    library's flags) when there is no run yet, the embedder changed, the flags did or many
    loops came or went since the run; score only the new loops when a few were added; nothing
    when they are current. Returns one line saying what it did (or why it could not, e.g. too
    few loops)."""
    status = score_status(store, embedder)
    if status.action == EMBED:  # vectors of an older DSP version: describe the loops again
        yield from embed(store, "dsp", cancel=cancel)
        status = score_status(store, embedder)
        if status.action == EMBED:  # cancelled: do not train on a mix of versions
            return status.message
    if status.action is None:
        if status.run_id is not None:
            return f"scores are up to date (run {status.run_id})"
        return f"not trained: {status.message}" if status.embedded else status.message
    if status.action == SCORE:
        try:
            done = yield from score(store, status.run_id, cancel=cancel, only_new=True)
        except CheckpointError:  # the run's model cannot be read (damaged): learn anew
            done = None
        if done is not None:
            scored = (
                f"run {done['run_id']}: scored {quantity(done['scored'], 'new loop')}, "
                f"{done['unusual']} above the unusual cut"
            )
            status = score_status(store, embedder)
            if status.action is None:  # else so many came in that it is another library, or
                return scored  # the flags changed too: train
    if status.embedded < MIN_TRAINING_LOOPS:
        return (
            f"not trained: {quantity(status.embedded, 'loop')} embedded,"
            f" training needs {MIN_TRAINING_LOOPS}"
        )
    result = yield from train(store, ModelSpec(), status.embedder or embedder, cancel=cancel)
    return result.summary()
