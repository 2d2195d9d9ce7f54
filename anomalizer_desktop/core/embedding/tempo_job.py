"""Listen to each loop for the tempo its sound shows (`core.audio.heard_tempo`), as the last
step of every `embed`: in worker processes, written in short transactions and resumable, like
the embedding itself.

Each usable loop is listened to once per version of the listening, whatever the embedder: a
library embedded before tempos were heard is listened to by its next `embed` (about as long
as decoding it once). Files longer than `heard_tempo.MAX_SECONDS` are recorded as heard
nothing without being decoded. A file that cannot be decoded is heard nothing too: the
embedding reports why (the listening is never a second error for it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from anomalizer_desktop.core.audio import heard_tempo
from anomalizer_desktop.core.audio.decode import AudioDecodeError, DecodedAudio, load_audio
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.scanner import is_within, reachable_roots
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.parallel import WorkerCrashed, parallel_map
from anomalizer_desktop.core.text import quantity

COMMIT_EVERY_S = 0.5


def hear_file(item: tuple[int, str]) -> float | None:
    """The tempo heard in one file (a worker process's task); None for none, or a file that
    cannot be decoded or analysed (one odd file never stops the listening)."""
    try:
        audio = load_audio(
            item[1], heard_tempo.SAMPLE_RATE, max_seconds=heard_tempo.MAX_SECONDS + 1
        )
    except (AudioDecodeError, MemoryError):
        return None
    return hear_audio(audio)


def hear_audio(audio: DecodedAudio) -> float | None:
    """The tempo heard in a decoded file (decoded whole, or to at least MAX_SECONDS when it
    is longer: then it is no loop); None for none, a file longer than a loop, or one that
    cannot be analysed."""
    if audio.info.duration > heard_tempo.MAX_SECONDS:
        return None
    try:
        return heard_tempo.hear_tempo(audio.samples, audio.sample_rate)
    except (MemoryError, ValueError, FloatingPointError):
        return None


def hear_tempos(
    store: Store, cancel: CancelToken | None = None, workers: int | None = None
) -> Job[int]:
    """Listen to every usable loop not listened to by this version; returns how many of
    them showed a tempo."""
    store.carry_heard_nothing(heard_tempo.NOTHING_STILL_HOLDS, heard_tempo.VERSION)
    todo = store.samples_to_hear(heard_tempo.VERSION)
    _, away = reachable_roots(store)
    todo = [item for item in todo if not any(is_within(item[1], f) for f in away)]
    long_ones = [item[0] for item in todo if (item[2] or 0.0) > heard_tempo.MAX_SECONDS]
    with store.transaction():
        for sample_id in long_ones:
            store.put_heard_tempo(sample_id, heard_tempo.VERSION, None)
    todo = [(item[0], item[1]) for item in todo if (item[2] or 0.0) <= heard_tempo.MAX_SECONDS]
    if not todo:
        return 0
    total, done, heard = len(todo), 0, 0
    label = f"listening to {quantity(total, 'loop')} for their tempo"
    yield Progress(0, total, label)
    heard = []

    def write(item) -> None:
        (sample_id, _), tempo = item
        tempo = None if isinstance(tempo, WorkerCrashed) else tempo
        store.put_heard_tempo(sample_id, heard_tempo.VERSION, tempo)
        heard.append(tempo is not None)

    results: Iterator = parallel_map(hear_file, todo, workers, cancel=cancel)
    try:
        for batch in write_batches(store, results, write):
            done += len(batch)
            yield Progress(done, total, label)
    finally:
        results.close()
    return sum(heard)


def write_batches(
    store: Store,
    results: Iterator,
    write: Callable[[object], None],
    every_s: float = COMMIT_EVERY_S,
) -> Iterator[list]:
    """`write` each of `results` as it arrives, within one transaction per `every_s`, and
    yield each committed batch (a kill loses at most the last one; a cancel between batches
    keeps every batch yielded)."""
    finished = False
    while not finished:
        deadline, batch = time.monotonic() + every_s, []
        with store.transaction():
            while time.monotonic() < deadline:
                item = next(results, None)
                if item is None:
                    finished = True
                    break
                write(item)
                batch.append(item)
        yield batch
