"""The embed job: compute missing vectors for every usable sample, in parallel, resumably.

Files are embedded in worker processes (one per core; small jobs run in-process to skip the
start-up cost) and written in short transactions, so a crash or kill -9 loses at most the last
half second of work and the next run carries on where this one stopped. A file that cannot be
decoded is marked `error` with its message; any other failure is recorded per embedder.

Every embed ends by listening to the loops for their tempo (`tempo_job`). An embedder that
decodes what the listening needs (the DSP one: mono at 22.05 kHz, the first 30 s) listens in
its workers to the samples it has just decoded, so a new loop is decoded once for both.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import numpy as np

from anomalizer_desktop.core.audio import heard_tempo
from anomalizer_desktop.core.audio.decode import AudioDecodeError
from anomalizer_desktop.core.embedding.base import get_embedder
from anomalizer_desktop.core.embedding.tempo_job import hear_audio, hear_tempos, write_batches
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.scanner import is_within, reachable_roots
from anomalizer_desktop.core.library.store import FOUND_DECODING, Store
from anomalizer_desktop.core.parallel import WorkerCrashed, parallel_map
from anomalizer_desktop.core.text import quantity


@dataclass
class EmbedSummary:
    embedded: int = 0
    skipped: int = 0
    errors: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    #: loops left for a later embed because their library folder is not reachable now (a drive
    #: not mounted): trying them would only record "cannot read the file" for each
    unreachable: int = 0
    #: loops listened to for their tempo by this embed that showed one (`tempo_job`)
    tempos_heard: int = 0

    def as_json(self) -> dict:
        data = asdict(self)
        data["problems"] = [{"path": p, "error": m} for p, m in self.problems]
        return data


@dataclass(frozen=True, slots=True)
class _Outcome:
    vector: np.ndarray | None = None
    decode_error: tuple[str, str] | None = None  # (kind, message)
    failure: str | None = None
    #: whether the worker listened to the file for a tempo, and the tempo it heard
    listened: bool = False
    heard: float | None = None


_worker_embedder = None


def _init_worker(embedder_name: str) -> None:
    global _worker_embedder
    _worker_embedder = get_embedder(embedder_name)


def hears_while_embedding(embedder) -> bool:
    """Whether `embedder` decodes what the listening needs (mono at its rate, at least the
    first MAX_SECONDS), so that its workers can listen to the samples they embed."""
    return (
        hasattr(embedder, "embed_audio")
        and getattr(embedder, "sample_rate", None) == heard_tempo.SAMPLE_RATE
        and getattr(embedder, "analysis_seconds", 0.0) >= heard_tempo.MAX_SECONDS
    )


def _embed_one(item: tuple[int, str, bool]) -> _Outcome:
    """Embed one file; with item[2], also listen to it for a tempo from the same decode."""
    listened, heard = False, None
    try:
        if item[2]:
            audio = _worker_embedder.decode(item[1])
            listened, heard = True, hear_audio(audio)
            vector = _worker_embedder.embed_audio(audio)
        else:
            vector = _worker_embedder.embed_file(item[1])
    except AudioDecodeError as error:
        return _Outcome(decode_error=(error.kind, error.message))
    except MemoryError:
        failure = "out of memory while embedding this file"
        return _Outcome(failure=failure, listened=listened, heard=heard)
    except Exception as error:  # one odd file must never stop the job
        failure = f"{type(error).__name__}: {error}"
        return _Outcome(failure=failure, listened=listened, heard=heard)
    if vector.ndim != 1 or not np.isfinite(vector).all():
        failure = "the embedder produced a non-finite vector"
        return _Outcome(failure=failure, listened=listened, heard=heard)
    return _Outcome(np.asarray(vector, dtype=np.float32), listened=listened, heard=heard)


def embed(
    store: Store,
    embedder_name: str = "dsp",
    cancel: CancelToken | None = None,
    workers: int | None = None,
    retry_errors: bool = False,
    **options,
) -> Job[EmbedSummary]:
    """Embed every usable sample that lacks a vector from this embedder version.

    Embedders that batch (CLAP) run in this process with their own decode threads; the others
    run one file per task in a pool of worker processes. `options` go to the embedder
    (checkpoint=..., output=..., device=...)."""
    embedder = get_embedder(embedder_name, **options)
    todo = store.samples_to_embed(embedder.id, embedder.version, retry_errors=retry_errors)
    summary = EmbedSummary()
    _, away = reachable_roots(store)
    if away:
        reachable = [item for item in todo if not any(is_within(item[1], f) for f in away)]
        summary.unreachable = len(todo) - len(reachable)
        todo = reachable
    summary.skipped = store.count_embedded(embedder.id, embedder.version)
    total = len(todo)
    yield Progress(0, total, f"embedding {quantity(total, 'file')} with {embedder.id}")
    if todo:
        yield from _embed_todo(store, embedder, embedder_name, todo, summary, cancel, workers)
    if not summary.cancelled:
        summary.tempos_heard += yield from hear_tempos(store, cancel, workers)
    return summary


def _embed_todo(store, embedder, embedder_name, todo, summary, cancel, workers) -> Job[None]:
    total = len(todo)
    if hasattr(embedder, "embed_files"):
        results = _batched(embedder, store, todo, cancel)
    else:
        unheard = set()
        if hears_while_embedding(embedder):
            unheard = {item[0] for item in store.samples_to_hear(heard_tempo.VERSION)}
        items = [(sample_id, path, sample_id in unheard) for sample_id, path in todo]
        results = parallel_map(_embed_one, items, workers, _init_worker, (embedder_name,), cancel)
    done = 0

    def write(item) -> None:
        (sample_id, path, *_), outcome = item
        if isinstance(outcome, WorkerCrashed):
            outcome = _Outcome(failure=str(outcome))
        _record(store, embedder, sample_id, path, outcome, summary)
        if outcome.listened:
            store.put_heard_tempo(sample_id, heard_tempo.VERSION, outcome.heard)
            summary.tempos_heard += outcome.heard is not None

    try:
        for batch in write_batches(store, results, write):
            done += len(batch)
            yield Progress(done, total, os.path.basename(batch[-1][0][1]) if batch else "")
    finally:
        results.close()
        if hasattr(embedder, "close"):
            embedder.close()  # CLAP's decoding processes and their shared memory
    summary.cancelled = done < total


def _record(store, embedder, sample_id, path, outcome: _Outcome, summary: EmbedSummary) -> None:
    if outcome.vector is not None:
        if outcome.vector.size != embedder.dim:
            outcome = _Outcome(
                failure=f"vector of {outcome.vector.size} values, expected {embedder.dim}"
            )
        else:
            store.put_features(sample_id, embedder.id, embedder.version, outcome.vector)
            summary.embedded += 1
            return
    summary.errors += 1
    if outcome.decode_error is not None:
        kind, message = outcome.decode_error
        store.update_sample(
            sample_id, status="error", error=message, error_kind=FOUND_DECODING + kind
        )
        summary.problems.append((path, message))
    else:
        store.put_feature_error(sample_id, embedder.id, embedder.version, outcome.failure)
        summary.problems.append((path, f"{embedder.id}: {outcome.failure}"))


def _batched(embedder, store: Store, todo: list[tuple[int, str]], cancel: CancelToken | None):
    """(item, outcome) pairs from a batching embedder; files grouped by length so that a batch
    decodes in similar time."""
    durations = dict(store.execute("SELECT id, COALESCE(duration, 0) FROM samples").fetchall())
    ordered = sorted(todo, key=lambda item: durations.get(item[0], 0.0))
    by_path = {path: item for item, path in ((item, item[1]) for item in ordered)}
    for path, result in embedder.embed_files([p for _, p in ordered]):
        if cancel is not None and cancel.cancelled:
            return
        if isinstance(result, AudioDecodeError):
            outcome = _Outcome(decode_error=(result.kind, result.message))
        elif isinstance(result, Exception):
            outcome = _Outcome(failure=str(result))
        else:
            outcome = _Outcome(vector=np.asarray(result, dtype=np.float32))
        yield by_path[path], outcome


def describe_files(
    embedder, embedder_name: str, paths: list[str], cancel: CancelToken | None = None
):
    """Vectors of files outside the library, as `embed` makes them (a batching embedder in
    this process, the others in a pool of worker processes): (path, vector) or (path, the
    message of why not), in the order they finish. Nothing is written anywhere."""
    if hasattr(embedder, "embed_files"):
        for path, result in embedder.embed_files(list(paths)):
            if cancel is not None and cancel.cancelled:
                return
            if isinstance(result, AudioDecodeError):
                yield path, result.message
            elif isinstance(result, Exception):
                yield path, str(result) or type(result).__name__
            else:
                yield path, _usable(np.asarray(result, dtype=np.float32), embedder.dim)
        return
    items = [(i, path, False) for i, path in enumerate(paths)]  # (not listened to)
    for (_, path, _), outcome in parallel_map(
        _embed_one, items, None, _init_worker, (embedder_name,), cancel
    ):
        if isinstance(outcome, WorkerCrashed):
            yield path, str(outcome)
        elif outcome.decode_error is not None:
            yield path, outcome.decode_error[1]
        elif outcome.failure is not None:
            yield path, outcome.failure
        else:
            yield path, _usable(outcome.vector, embedder.dim)


def _usable(vector: np.ndarray, dim: int) -> np.ndarray | str:
    """The vector, or why it cannot be used."""
    if vector.shape != (dim,) or not np.isfinite(vector).all():
        return f"the embedder made no usable vector ({vector.size} values, expected {dim})"
    return vector
