"""The GUI's job factories: core jobs plus the two loads the window needs (library, map).

Heavy modules (torch, scikit-learn, librosa's helpers) are imported inside the factories, which
run in worker threads, so the window appears without waiting for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anomalizer_desktop.core.detector.freshness import (
    SCORE,
    TRAIN,
    ScoreStatus,
    score_status,
    scoring_keeps_current,
)
from anomalizer_desktop.core.detector.run_models import detector_before, latest_run_text
from anomalizer_desktop.core.detector.spec import ModelSpec
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import Progress
from anomalizer_desktop.core.library.folder_tree import FolderTree, above_cut
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.library_data import LibraryData


@dataclass
class Snapshot:
    """Everything the window shows, read from the store in one go."""

    library: LibraryData
    projection: object  # core.analysis.projection.MapProjection
    problems: list[tuple[str, str]]
    counts: dict[str, int]
    embedded: int
    scores: ScoreStatus | None = None  # whether the scores on show are current
    folders: FolderTree | None = None  # the library's folders, for the Folders panel
    #: names of the folders whose loops gather on the sound map (`map_labels`); [] on PCA
    map_labels: list = field(default_factory=list)
    #: the folders added to the library (Rescan has something to look at, even with no loops)
    roots: list[str] = field(default_factory=list)


def load_snapshot(store: Store, embedder: str = "dsp", map_kind: str = "pca") -> Snapshot:
    from anomalizer_desktop.core.analysis.projection import library_map
    from anomalizer_desktop.core.library.same_audio import same_audio_members

    library = LibraryData.from_rows(store.table_rows()).with_same_audio(same_audio_members(store))
    library.with_crossings(*store.unusual_crossings(), detector_before(store))
    library.scored_by = latest_run_text(store)
    problems = [(p, e) for p, e in zip(library.paths, library.errors, strict=True) if e]
    projection = library_map(store, embedder, map_kind)
    roots = [path for _, path in store.roots()]
    folders = FolderTree(
        library.folders,
        library.percentile,
        library.flags,
        roots,
        above_cut(library.score, library.percentile, store.unusual_cut()),
    )
    return Snapshot(
        library,
        projection,
        problems,
        store.counts_by_status(),
        len(projection.ids),
        score_status(store, embedder),
        folders,
        _map_labels(library, projection, folders),
        roots,
    )


def _map_labels(library: LibraryData, projection, folders: FolderTree) -> list:
    """The sound map's folder names (none on the PCA map, whose islands are not islands)."""
    from anomalizer_desktop.core.analysis.map_labels import island_labels

    if projection.kind != "sound":
        return []
    rows, found = library.rows_of_ids(projection.ids)
    return island_labels(np.asarray(projection.xy)[found], rows, folders)


def score_status_job(embedder: str):
    def factory(store, _cancel):
        yield Progress(0, 0, "checking the scores")
        return score_status(store, embedder)

    return factory


#: what `score_new_loops_job` returns when the library is to be trained instead: never trained
#: and with enough loops now (its first folder held none, and loops came in since), or, with
#: `unless_news`, loops that the latest run's scores would not be current beside
TRAINING_DUE = "training due"


def score_new_loops_job(embedder: str, unless_news: bool = False, chosen: ModelSpec | None = None):
    """Score loops added or changed since the latest run with its model, when it can score them
    (same embedder version); returns None when there is nothing to do that way, and
    TRAINING_DUE when no run scored the library yet and it has enough loops to train.
    `unless_news` (a folder added): TRAINING_DUE too unless scoring them keeps the scores
    current (`freshness.scoring_keeps_current`: a few loops for the library's size, and a
    latest run that trained `chosen`, a ModelSpec of what the producer chose)."""

    def factory(store, cancel):
        from anomalizer_desktop.core.detector.training import score

        status = score_status(store, embedder)
        if status.run_id is None and status.action == TRAIN:
            return TRAINING_DUE
        if unless_news and not scoring_keeps_current(store, embedder, status, chosen):
            return TRAINING_DUE
        if status.action != SCORE:
            return None
        return (yield from score(store, status.run_id, cancel=cancel, only_new=True))

    return factory


def move_job(loops: dict[str, int], folder: str):
    """Move these loops' files (path -> sample id) into `folder`, the library following them
    (core.library.move_loops); returns its MoveResult."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.move_loops import move_loops

        return (yield from move_loops(store, loops, folder, cancel))

    return factory


def move_each_job(moves: list[tuple[int, str, str]]):
    """Move each loop's file (sample id, from, to), the library following: a move between
    drives undone or redone, a copy per file (core.library.move_loops.move_each)."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.move_loops import move_each

        return (yield from move_each(store, moves, cancel))

    return factory


def bring_back_job(kept, moves: list[tuple[int, str, str]]):
    """Move loops that left the library back (sample id, outside, in the library) and put
    their kept rows back (core.library.left_loops.bring_back): a move out undone."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.left_loops import bring_back

        return (yield from bring_back(store, kept, moves, cancel))

    return factory


def send_out_job(moves: list[tuple[int, str, str]]):
    """Move loops out of the library again (sample id, in the library, outside), keeping
    their rows (core.library.left_loops.send_out): a move out redone."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.left_loops import send_out

        return (yield from send_out(store, moves, cancel))

    return factory


def demo_loops_job(folder):
    """Write the demo loops into `folder` (core.demo_loops); returns what it wrote."""

    def factory(_store, cancel):
        from anomalizer_desktop.core.demo_loops import write_demo_loops

        return (yield from write_demo_loops(folder, cancel))

    return factory


def flag_backup_job(store, _cancel):
    """Write the flags' backup beside the library (`MainWindow._back_up_flags`); fails when
    it could not be written."""
    yield Progress(0, 0, "backing up the flags")
    if store.save_flag_backup() is None:
        raise AnomalizerError("the flags' backup beside the library could not be written")


def snapshot_job(embedder: str, map_kind: str = "pca"):
    def factory(store, _cancel):
        yield Progress(0, 0, "reading the library")
        return load_snapshot(store, embedder, map_kind)

    return factory


def sound_map_job(embedder: str):
    """Draw the library's sound map (t-SNE) and keep it in the library, in a process of its
    own (`core.job_process`): its memory (0.5 GB at its peak at 100,000 loops) and openTSNE go
    when it ends, and it does not share the window's interpreter lock."""

    def factory(store, cancel):
        from anomalizer_desktop.core import job_process
        from anomalizer_desktop.core.analysis.sound_map import draw_sound_map

        return (
            yield from job_process.run_in_process(
                draw_sound_map, store.path, (embedder,), cancel, "drawing the sound map"
            )
        )

    return factory


def same_audio_job(embedder: str):
    """Compare the audio of the loops that may be the same recording in other files
    (`core.library.same_audio`), those not compared before."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.same_audio import check_same_audio

        return (yield from check_same_audio(store, embedder, cancel))

    return factory


def scan_job(paths: list[str]):
    def factory(store, cancel):
        from anomalizer_desktop.core.library.scanner import scan

        return (yield from scan(store, paths, cancel))

    return factory


def rescan_job(roots: list[str] | None = None, unchanged: set[str] | frozenset = frozenset()):
    """Scan these library folders again (default: all of them), but those below them that are
    `unchanged` (the folder watch knows)."""

    def factory(store, cancel):
        from anomalizer_desktop.core.library.scanner import scan

        folders = roots if roots is not None else [path for _, path in store.roots()]
        if not folders:
            return None
        return (yield from scan(store, folders, cancel, unchanged))

    return factory


def embed_job(embedder: str, checkpoint: str | None = None, retry_errors: bool = False):
    def factory(store, cancel):
        from anomalizer_desktop.core.embedding.job import embed

        options = {"checkpoint": checkpoint} if embedder == "clap" else {}
        return (yield from embed(store, embedder, cancel, retry_errors=retry_errors, **options))

    return factory


#: a library with this many loops embedded trains in a process of its own (`core.job_process`).
#: Training the default detector from the window (2 cores): at 10,000 loops 5.8 s in the worker
#: thread, peaking 289 MB above the window's memory and leaving it 177 MB larger (freed memory
#: the allocator keeps), against 7.2 s and 31 MB in a process (whose start, torch's import and
#: the library read again, costs 1.5-2 s); at 20,000, 15 s and 431 / 212 MB against 15.8 s; at
#: 5,000 the process nearly doubled the wait (2.2 s -> 4.1 s), at 500 tripled it (0.8 -> 2.6 s)
OWN_PROCESS_FROM_LOOPS = 10_000


def train_job(spec: ModelSpec, embedder: str, use_flags: bool = True):
    """Train `spec` and score every loop: in the worker thread, or in a process of its own for
    a large library (OWN_PROCESS_FROM_LOOPS)."""

    def factory(store, cancel):
        from anomalizer_desktop.core import job_process
        from anomalizer_desktop.core.detector.training import train

        counts = store.embedder_counts()
        loops = sum(n for kind, n in counts.items() if kind.partition(":")[0] == embedder)
        if loops < OWN_PROCESS_FROM_LOOPS:
            return (yield from train(store, spec, embedder, cancel=cancel, use_flags=use_flags))
        return (
            yield from job_process.run_in_process(
                train,
                store.path,
                (spec, embedder),
                cancel,
                "training",
                kwargs={"use_flags": use_flags},
            )
        )

    return factory


def explain_job(path: str, embedder: str, generation: int | None = None):
    def factory(store, _cancel):
        from anomalizer_desktop.core.analysis.explain import explain

        yield Progress(0, 0, "explaining")
        return explain(store, path, embedder, generation=generation)

    return factory


def folder_explain_job(folder: str, embedder: str, generation: int | None = None):
    def factory(store, _cancel):
        from anomalizer_desktop.core.analysis.folder_explain import explain_folder

        yield Progress(0, 0, "explaining the folder")
        return explain_folder(store, folder, embedder, generation)

    return factory


def likeness_job(path: str, embedder: str, generation: int | None = None):
    def factory(store, _cancel):
        from anomalizer_desktop.core.analysis.likeness import likeness

        yield Progress(0, 0, "finding loops like it")
        return likeness(store, path, embedder, generation)

    return factory


def newcomers_job(paths: list[str], generation: int | None = None):
    """How the loops in `paths` (from outside the library) would score in it."""

    def factory(store, cancel):
        from anomalizer_desktop.core.analysis.newcomers import judge_newcomers

        return (yield from judge_newcomers(store, paths, cancel, generation))

    return factory


def keep_job(paths: list[str], folder: str):
    """Copy loops tried from outside into a folder (core.analysis.newcomers.keep_newcomers)."""

    def factory(_store, cancel):
        from anomalizer_desktop.core.analysis.newcomers import keep_newcomers

        return (yield from keep_newcomers(paths, folder, cancel))

    return factory
