"""Loops from outside the library: how unusual each would be in it, without adding them.

A producer with a new pack in Downloads wants to know what of it fits their library before it
goes in: each file is described by the embedder the latest run learned from, scored by that
run's model (as a loop of the library is: its nearest loops, the flags' pull), and placed
beside the library loops it sounds most like. Nothing is written to the library.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from anomalizer_desktop.core.analysis.loop_space import cached_library_space
from anomalizer_desktop.core.analysis.nearest import nearest_rows
from anomalizer_desktop.core.audio.compare import (
    LENGTH_TOLERANCE_SECONDS,
    compare_decoded,
    decoded_for_comparison,
    is_lossy_pair,
)
from anomalizer_desktop.core.audio.decode import AudioDecodeError, probe
from anomalizer_desktop.core.audio.formats import (
    READ_FORMATS_TEXT,
    is_audio_path,
    not_read,
    unread_format,
)
from anomalizer_desktop.core.audio.identity import content_hash
from anomalizer_desktop.core.embedding.job import describe_files
from anomalizer_desktop.core.errors import AnomalizerError, os_error_text
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity, some_names

#: how many library loops each newcomer is shown beside
NEAREST = 3


class NewcomersError(AnomalizerError):
    """The files cannot be judged: no run to judge them by, or none of them is audio."""


@dataclass
class Newcomer:
    """One file from outside, as the library would see it."""

    path: str
    score: float | None = None
    percentile: float | None = None  # its Unusual % in the library
    unusual: bool = False  # above the run's unusual cut
    #: the library loops it sounds most like: path, distance, flag
    nearest: list[dict] = field(default_factory=list)
    #: their sample ids, nearest first (to place it beside them on the sound map)
    nearest_ids: list[int] = field(default_factory=list)
    in_library: bool = False  # the library holds this very path already
    copy_of: str | None = None  # a library loop with the same bytes at another path
    #: a library loop with the same audio in a file whose bytes differ (`core.audio.compare`),
    #: and this file's level relative to it, dB
    same_audio_as: str | None = None
    same_audio_level: float | None = None
    error: str | None = None  # why it could not be described

    def as_json(self) -> dict:
        return {
            "path": shown_path(self.path),
            "score": self.score,
            "percentile": self.percentile,
            "unusual": self.unusual,
            "nearest": self.nearest,
            "in_library": self.in_library,
            "copy_of": None if self.copy_of is None else shown_path(self.copy_of),
            "same_audio_as": None if self.same_audio_as is None else shown_path(self.same_audio_as),
            "same_audio_level_db": self.same_audio_level,
            "error": self.error,
        }


@dataclass
class Verdict:
    run_id: int
    embedder: str
    loops: list[Newcomer]  # the described ones most unusual first, then the files that failed
    #: the described loops' vectors, in their order (to put them on the map: `MapPlacement`)
    vectors: np.ndarray | None = None

    @property
    def described(self) -> list[Newcomer]:
        return [n for n in self.loops if n.error is None]

    @property
    def unusual(self) -> int:
        return sum(n.unusual for n in self.loops)

    @property
    def fitting(self) -> list[Newcomer]:
        """The loops that would fit and that the library does not hold yet (not above the
        cut, not its own files, not copies of its loops nor their audio in other files): the
        ones worth keeping."""
        return [
            n
            for n in self.described
            if not n.unusual and not n.in_library and n.copy_of is None and n.same_audio_as is None
        ]

    def pack_name(self) -> str:
        """A name for the loops' folder in the library: the name of the folder they share
        ("New Pack" for New Pack/Drums/... and New Pack/Bass/...)."""
        folders = [os.path.dirname(n.path) for n in self.loops if not n.in_library]
        try:
            shared = os.path.commonpath(folders) if folders else ""
        except ValueError:  # on other drives (Windows)
            shared = ""
        return os.path.basename(shared.rstrip(os.sep)) or "Tried loops"


@dataclass
class Kept:
    """What `keep_newcomers` did."""

    folder: str
    copied: list[str] = field(default_factory=list)  # the copies' paths
    already_there: list[str] = field(default_factory=list)  # a file of that name was there
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def audio_files(paths: list[str]) -> list[str]:
    """The audio files named, and those in the folders named (hidden ones left out), each
    once, in order (a folder's in name order)."""
    found: list[str] = []
    for path in paths:
        path = os.path.abspath(os.path.expanduser(path))
        if os.path.isdir(path):
            for folder, folders, names in os.walk(path):
                folders[:] = sorted(f for f in folders if not f.startswith("."))
                found += [
                    os.path.join(folder, name)
                    for name in sorted(names)
                    if not name.startswith(".") and is_audio_path(name)
                ]
        elif os.path.isfile(path) and is_audio_path(path):
            found.append(path)
    return list(dict.fromkeys(found))


def nothing_to_try(paths: list[str]) -> str:
    """Why `paths` gave no loop to try: files named in formats it does not read are named
    (an Apple Loop in .m4a is sound; "no audio file there" said otherwise)."""
    unread = [path for path in paths if os.path.isfile(path) and unread_format(path)]
    if unread:
        return f"{some_names(unread, 3)}: {not_read(unread)} (it reads {READ_FORMATS_TEXT})"
    return "no audio file there: name loops, or folders that hold some"


def judge_newcomers(
    store: Store,
    paths: list[str],
    cancel: CancelToken | None = None,
    generation: int | None = None,
) -> Job[Verdict]:
    """Describe and score the audio files in `paths` (files or folders) with the latest run,
    yielding Progress per file; a file that cannot be read gets its error and the rest go on.
    `generation`: the window's, to reuse the library it read last (`cached_library_space`)."""
    from anomalizer_desktop.core.analysis.loop_space import load_checkpoint_once
    from anomalizer_desktop.core.detector.checkpoint import CheckpointError
    from anomalizer_desktop.core.detector.run_models import run_model
    from anomalizer_desktop.core.embedding.base import get_embedder

    files = audio_files(paths)
    if not files:
        raise NewcomersError(nothing_to_try(paths))
    run = run_model(store)  # TrainError when there is none
    if run.embedder not in ("dsp", "clap"):
        raise NewcomersError(
            f"run {run.run_id} learned from imported vectors ({run.embedder}): files from outside"
            " cannot be described the same way; train on the dsp or clap embedder first"
        )
    embedder = get_embedder(run.embedder)
    model, trained_on = load_checkpoint_once(run.checkpoint, run.created_at)
    made = {"id": embedder.id, "version": str(embedder.version), "dim": int(embedder.dim)}
    if any(str(trained_on.get(k)) != str(v) for k, v in made.items()):
        raise CheckpointError.advising(
            f"run {run.run_id} learned from {trained_on.get('id')} {trained_on.get('version')}"
            f" vectors, and this version describes loops as {made['id']} {made['version']}:"
            " {step}",
            "train",
            "again first",
        )
    yield Progress(0, len(files), f"describing {quantity(len(files), 'file')}")
    held = store.sample_ids_for_paths(files + [os.path.realpath(p) for p in files])
    loops = {}
    for path in files:
        loop = Newcomer(path, in_library=os.path.realpath(path) in held or path in held)
        loop.copy_of = None if loop.in_library else _library_copy(store, path)
        loops[path] = loop
    vectors: dict[str, np.ndarray] = {}
    described_files = describe_files(embedder, run.embedder, files, cancel)
    try:
        for done, (path, result) in enumerate(described_files, start=1):
            if isinstance(result, str):
                loops[path].error = result
            else:
                vectors[path] = result
            yield Progress(done, len(files), os.path.basename(path))
    finally:
        described_files.close()
        if hasattr(embedder, "close"):
            embedder.close()  # CLAP's decoding processes
    if cancel is not None and cancel.cancelled:
        raise NewcomersError("trying the loops was cancelled; nothing was added")
    yield Progress(len(files), len(files), "scoring")
    described = [loops[path] for path in files if path in vectors]
    if described:
        x = np.stack([vectors[loop.path] for loop in described])
        scores = model.score(x)
        percentiles = model.percentile(scores)
        _place(store, run.embedder, generation, x, described, model.threshold)
        yield Progress(len(files), len(files), "comparing with the loops they sound like")
        for loop in described:
            _find_same_audio(store, loop)
        for loop, score, percentile in zip(described, scores, percentiles, strict=True):
            loop.score, loop.percentile = float(score), float(percentile)
            loop.unusual = bool(score > model.threshold)
    described.sort(key=lambda loop: -loop.score)
    failed = [loops[path] for path in files if path not in vectors]
    for loop in failed:
        loop.error = loop.error or "not described (cancelled)"
    kept = np.stack([vectors[loop.path] for loop in described]) if described else None
    return Verdict(run.run_id, run.embedder, described + failed, kept)


def _library_copy(store: Store, path: str) -> str | None:
    """A loop of the library with the same bytes as the file at `path` (a pack bought twice,
    a loop already copied in), if there is one on disk."""
    try:
        digest = content_hash(path)
    except OSError:
        return None  # unreadable: its description says why
    on_disk = (p for _, p, status in store.samples_with_hash(digest) if status != "missing")
    return next(on_disk, None)


def _find_same_audio(store: Store, loop: Newcomer) -> None:
    """Whether one of the library loops it sounds most like (its NEAREST, nearest first) is
    its audio in another file (another format, bit depth, rate, level or name: a pack you
    hold already, bought again as WAVs): compared where the two last the same (loops of other
    lengths cannot be the same recording, `core.library.same_audio`), the newcomer decoded
    once. Only the nearest was compared until 2026-12-01: a loop whose own twin in the
    library sat second (behind a look-alike of its pack) was called new."""
    if loop.in_library or loop.copy_of is not None or not loop.nearest:
        return
    try:
        length = probe(loop.path).duration
    except AudioDecodeError:
        return
    marks = ",".join("?" * len(loop.nearest_ids))
    durations = dict(
        store.execute(
            f"SELECT id, duration FROM samples WHERE id IN ({marks})", loop.nearest_ids
        ).fetchall()
    )
    mine = None
    for neighbour, sample_id in zip(loop.nearest, loop.nearest_ids, strict=True):
        duration = durations.get(sample_id)
        if duration is None or abs(duration - length) > LENGTH_TOLERANCE_SECONDS:
            continue
        try:
            if mine is None:
                mine = decoded_for_comparison(loop.path)
            theirs = decoded_for_comparison(neighbour["path"])
        except AudioDecodeError:  # a file gone or unreadable now: not known
            continue
        lossy = is_lossy_pair(neighbour["path"], loop.path)
        likeness = compare_decoded(theirs, mine, lossy)  # as the library's check: theirs first
        if likeness.same:
            loop.same_audio_as = neighbour["path"]
            loop.same_audio_level = round(likeness.gain_db, 1)
            return


def _place(
    store: Store, embedder: str, generation, x: np.ndarray, loops: list[Newcomer], cut: float
):
    """Each loop's NEAREST library loops, by the L1 distance "Why unusual?" measures, each
    with whether it is above the unusual `cut` itself: a file that "fits" because it sounds
    like the library's own odd loops (pads beside the organ loops a guitar pack holds as its
    outliers, below the cut after a retraining with flags) reads as such."""
    space = cached_library_space(store, embedder, generation)
    if not len(space.ids):
        return
    z = space.standardizer.transform(x)
    scores = space.loops.scores
    for loop, (rows, distances) in zip(loops, nearest_rows(space.z, z, NEAREST), strict=True):
        loop.nearest = [
            {
                "path": space.loops.paths[i],
                "distance": round(float(d), 4),
                "flag": space.loops.flags[i],
                "unusual": bool(scores[i] > cut),  # (NaN, a loop not scored: False)
            }
            for i, d in zip(rows.tolist(), distances.tolist(), strict=True)
        ]
        loop.nearest_ids = [int(space.ids[i]) for i in rows.tolist()]


def keep_newcomers(paths: list[str], folder: str, cancel: CancelToken | None = None) -> Job[Kept]:
    """Copy these files into `folder` (made if need be), each under its own name, yielding
    Progress per file. A file of that name already there is left as it is (never written
    over); a copy is written beside its name and renamed into place (never half a file)."""
    kept = Kept(folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise NewcomersError(f"cannot make {shown_path(folder)}: {os_error_text(error)}") from None
    for done, path in enumerate(paths, start=1):
        if cancel is not None and cancel.cancelled:
            break
        target = os.path.join(folder, os.path.basename(path))
        if os.path.lexists(target):
            kept.already_there.append(target)
        else:
            part = os.path.join(folder, f".{os.path.basename(path)}.part")
            try:
                shutil.copy2(path, part)
                os.replace(part, target)
            except OSError as error:
                kept.failed.append((path, os_error_text(error)))
                with contextlib.suppress(OSError):
                    os.remove(part)
            else:
                kept.copied.append(target)
        yield Progress(done, len(paths), os.path.basename(path))
    return kept
