"""Loops whose audio the library holds again in another file (`core.audio.compare`).

Copies (`copies.py`) are files with the same bytes. This finds the same recording in files
whose bytes differ: another format, bit depth or sample rate, other tags, a normalised level,
another name. Comparing every pair of loops' audio is out of the question (100,000 loops make
5 billion pairs), so two cheap tests pick the pairs worth decoding first:

1. the same length, to within LENGTH_TOLERANCE_SECONDS (the scan knows every loop's length);
2. vectors that differ by at most CANDIDATE_RMS (root mean square over the descriptors, each in
   its spread over the library): see there for what it lets through.

Each pair that passes is decoded and compared once; the result is kept in the library under
the two files' content hashes (table `audio_pairs`), so a rename or a move keeps it and a file
written over is compared again. Files whose pairs were all compared are noted (table
`audio_searched`), and a later check searches only for the new files' pairs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from anomalizer_desktop.core.audio.compare import (
    LENGTH_TOLERANCE_SECONDS,
    compare_decoded,
    decoded_for_comparison,
    is_lossy_pair,
)
from anomalizer_desktop.core.audio.decode import AudioDecodeError
from anomalizer_desktop.core.audio.formats import is_lossless_path
from anomalizer_desktop.core.embedding.base import UnknownEmbedderError
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.copies import copy_key
from anomalizer_desktop.core.library.store import Store

#: the most two loops' vectors may differ (root mean square over the descriptors, each in its
#: spread over the library) for their audio to be compared. On the shared corpus's 501 loops
#: (DSP v6) a recording at another level, 3.5 and 7 dB, was 0.04 and 0.08 away (0.14 and 0.27 on
#: DSP v5, which described the level), re-rendered twins 0.01 and 0.05, while of the 49,000 pairs
#: of other loops of one length 1 in 1,000 were nearer than 0.24 (0.22 on v5)
CANDIDATE_RMS = 0.3
#: ... and where either file is lossy (mp3, ogg, opus; measured on DSP v5, and `bench
#: same-audio --corpus` joined 97.0 % of its copies on v6): an Ogg of each of 12 shared loops was
#: 0.05-0.29 from it, an Ogg of an Ogg 0.34, an MP3 of it 0.37 (1 in 100 pairs of other loops of
#: one length is nearer than 0.47; the spectra decide, `core.audio.compare`)
LOSSY_CANDIDATE_RMS = 0.5
#: rows of new loops taken at a time in the search (each against every loop of its length),
#: fewer where their length is shared by many loops: at most BLOCK_CELLS distances at a time
SEARCH_ROWS = 512
BLOCK_CELLS = 4_000_000
#: the progress bar's words while files are compared
COMPARING_MESSAGE = "comparing loops of the same length"


@dataclass
class SameAudioChecked:
    """What a check did: the pairs it picked to compare (`candidates`), those compared
    (`compared`), of which the same audio (`same`), the files that could not be read
    (`unreadable`, path -> why: their pairs are compared again next time), and how many
    loops it noted as searched (`searched`)."""

    candidates: int = 0
    searched: int = 0
    compared: int = 0
    same: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def wrote(self) -> bool:
        """Whether the check wrote to the library (a window reloads after it)."""
        return bool(self.compared or self.searched)

    @property
    def summary(self) -> str:
        if self.cancelled:
            return f"the audio check was cancelled after {self.compared} pairs of loops"
        found = f"{self.same} pair{'s' if self.same != 1 else ''} with the same audio"
        return f"compared {self.compared} pairs of loops of the same length: {found}"


@dataclass(frozen=True)
class _Loop:
    id: int
    path: str
    key: str
    duration: float


def candidate_pairs(
    durations: np.ndarray,
    z: np.ndarray,
    new: np.ndarray | None = None,
    lossy: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Row pairs (i, j), i < j, of the same length (LENGTH_TOLERANCE_SECONDS) whose
    standardised vectors are within CANDIDATE_RMS (LOSSY_CANDIDATE_RMS where either row is
    `lossy`, a bool per row), with at least one row among `new` (a bool per row; None: all).
    Rows are taken in order of length, and each new row is measured only
    against the rows of about its length, a block at a time through one matrix product
    (|a - b|^2 = |a|^2 + |b|^2 - 2ab): at 100,000 loops in 16 lengths, seconds."""
    n, dim = z.shape if z.ndim == 2 else (0, 0)
    if n < 2:
        return []
    order = np.argsort(durations, kind="stable")
    lengths = durations[order]
    rows = np.ascontiguousarray(z[order], dtype=np.float32)
    norms = np.einsum("ij,ij->i", rows, rows)
    asked = np.flatnonzero(np.ones(n, bool) if new is None else np.asarray(new)[order])
    limit = CANDIDATE_RMS**2 * dim
    lossy_limit = LOSSY_CANDIDATE_RMS**2 * dim
    lossy_rows = np.zeros(n, bool) if lossy is None else np.asarray(lossy, bool)[order]
    pairs: set[tuple[int, int]] = set()
    lows = np.searchsorted(lengths, lengths - LENGTH_TOLERANCE_SECONDS, "left")
    highs = np.searchsorted(lengths, lengths + LENGTH_TOLERANCE_SECONDS, "right")
    start = 0
    while start < len(asked):
        block = max(
            1, min(SEARCH_ROWS, BLOCK_CELLS // int(highs[asked[start]] - lows[asked[start]]))
        )
        queries = asked[start : start + block]
        start += len(queries)
        low, high = lows[queries[0]], highs[queries[-1]]
        squared = rows[queries] @ rows[low:high].T
        squared *= -2
        squared += norms[queries, None]
        squared += norms[None, low:high]
        near = squared <= limit
        if lossy_rows.any():
            either = lossy_rows[queries, None] | lossy_rows[None, low:high]
            near |= either & (squared <= lossy_limit)
        del squared
        near &= np.abs(lengths[queries, None] - lengths[None, low:high]) <= LENGTH_TOLERANCE_SECONDS
        q, w = np.nonzero(near)
        for a, b in zip(order[queries[q]].tolist(), order[low + w].tolist(), strict=True):
            if a != b:
                pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def _standardised(x: np.ndarray) -> np.ndarray:
    """Each descriptor in its spread over the library (a constant one counts for nothing),
    float32, in `x` itself where it is a float32 array (the raw vectors are not needed)."""
    x = np.asarray(x, dtype=np.float32)
    spread = x.std(axis=0, dtype=np.float64)
    spread[spread == 0] = np.inf
    x -= x.mean(axis=0, dtype=np.float64).astype(np.float32)
    x /= spread.astype(np.float32)
    return x


def _usable(store: Store) -> dict[int, tuple[str, str, float]]:
    """sample id -> (path, copy key, length) of the usable loops with a full hash and a
    length: the ones that can be compared."""
    usable = {}
    for sample_id, path, content_hash, status, duration in store.execute(
        "SELECT id, path, content_hash, status, duration FROM samples WHERE status = 'ok'"
    ):
        key = copy_key(content_hash, status)
        if key is not None and duration is not None:
            usable[sample_id] = (path, key, float(duration))
    return usable


def _loops(
    store: Store, embedder: str, usable: dict[int, tuple[str, str, float]]
) -> tuple[list[_Loop], np.ndarray]:
    """The usable loops with a vector of `embedder`, and their vectors."""
    try:
        info = embedder_info(store, embedder)
    except UnknownEmbedderError:
        return [], np.zeros((0, 0), np.float32)
    ids, x = store.feature_matrix(info.id, info.version)
    loops, keep = [], []
    for row, sample_id in enumerate(ids.tolist()):
        if sample_id in usable:
            loops.append(_Loop(sample_id, *usable[sample_id]))
            keep.append(row)
    return loops, x[keep]


def check_same_audio(
    store: Store, embedder: str = "dsp", cancel: CancelToken | None = None
) -> Job[SameAudioChecked]:
    """Compare the audio of the pairs of loops the two cheap tests pick, for the loops not
    searched before, keeping each result as it comes (a cancel keeps what was compared)."""
    started = time.perf_counter()
    result = SameAudioChecked()
    usable = _usable(store)
    searched = {key for (key,) in store.execute("SELECT hash FROM audio_searched")}
    if all(key in searched for _, key, _ in usable.values()):
        return result  # (a check with nothing new reads no vector)
    loops, x = _loops(store, embedder, usable)
    new = np.array([loop.key not in searched for loop in loops], dtype=bool)
    if len(loops) < 2 or not new.any():
        return result
    yield Progress(0, 0, "finding loops of the same length")
    durations = np.array([loop.duration for loop in loops])
    z = _standardised(x)
    del x
    done = {(a, b) for a, b in store.execute("SELECT hash_a, hash_b FROM audio_pairs")}
    todo = []
    lossy = np.array([not is_lossless_path(loop.path) for loop in loops], dtype=bool)
    for i, j in candidate_pairs(durations, z, new, lossy):
        a, b = sorted((loops[i], loops[j]), key=lambda loop: loop.key)
        if a.key != b.key and (a.key, b.key) not in done:
            done.add((a.key, b.key))  # one comparison for each two sounds, not each two paths
            todo.append((a, b))
    result.candidates = len(todo)
    decoded: dict[str, np.ndarray] = {}  # the last files read: a group of 3 is 3 pairs
    # files already known to be one recording (through a third) need no comparison: n files
    # of one recording cost n - 1 comparisons, not n(n - 1)/2 (a folder of silent renders)
    recordings = _Recordings(_same_pairs(store))
    for count, (a, b) in enumerate(todo):
        yield Progress(count, len(todo), COMPARING_MESSAGE)
        if cancel is not None and cancel.cancelled:
            result.cancelled = True
            break
        if recordings.joined(a.key, b.key):
            continue
        try:
            signals = [_decoded(loop.path, decoded) for loop in (a, b)]
        except AudioDecodeError as error:
            result.unreadable[error.path] = error.message
            continue
        likeness = compare_decoded(*signals, lossy=is_lossy_pair(a.path, b.path))
        with store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO audio_pairs(hash_a, hash_b, same, below_db, gain_db,"
                " spectrum_db, compared_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    a.key,
                    b.key,
                    int(likeness.same),
                    likeness.below_db,
                    likeness.gain_db,
                    likeness.spectrum_db,
                    time.time(),
                ),
            )
        result.compared += 1
        if likeness.same:
            result.same += 1
            recordings.join(a.key, b.key)
    if not result.cancelled:  # the new loops are searched, but for pairs that could not be read
        unread = {loop.key for pair in todo for loop in pair if loop.path in result.unreadable}
        searched_now = [
            (loop.key,)
            for loop, is_new in zip(loops, new, strict=True)
            if is_new and loop.key not in unread
        ]
        with store.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO audio_searched(hash) VALUES (?)", searched_now)
        result.searched = len(searched_now)
    result.seconds = time.perf_counter() - started
    return result


class _Recordings:
    """Which files are one recording (union-find over their hashes)."""

    def __init__(self, pairs: dict[str, dict[str, float]]) -> None:
        self._parent: dict[str, str] = {}
        for a, others in pairs.items():
            for b in others:
                self.join(a, b)

    def _root(self, key: str) -> str:
        parent = self._parent
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(self, a: str, b: str) -> None:
        self._parent[self._root(a)] = self._root(b)

    def joined(self, a: str, b: str) -> bool:
        return self._root(a) == self._root(b)


def _decoded(path: str, cache: dict[str, np.ndarray]) -> np.ndarray:
    if path not in cache:
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        cache[path] = decoded_for_comparison(path)
    return cache[path]


def _same_pairs(store: Store) -> dict[str, dict[str, float]]:
    """hash -> {hash of the same audio: its level relative to this one, dB}, both ways."""
    pairs: dict[str, dict[str, float]] = {}
    for a, b, gain in store.execute(
        "SELECT hash_a, hash_b, gain_db FROM audio_pairs WHERE same = 1"
    ):
        pairs.setdefault(a, {})[b] = gain
        pairs.setdefault(b, {})[a] = -gain
    return pairs


def _present(store: Store, keys) -> list[tuple[int, str, str]]:
    """(id, path, copy key) of the present loops with one of these content hashes, by path."""
    rows = store.execute(
        "SELECT s.id, s.path, s.content_hash, s.status FROM samples s"
        " WHERE s.status != 'missing' AND s.content_hash IN (SELECT hash_a FROM audio_pairs"
        " WHERE same = 1 UNION SELECT hash_b FROM audio_pairs WHERE same = 1)"
        " ORDER BY s.path"
    ).fetchall()
    found = []
    for sample_id, path, content_hash, status in rows:
        key = copy_key(content_hash, status)
        if key is not None and key in keys:
            found.append((sample_id, path, key))
    return found


def _levels(pairs: dict[str, dict[str, float]], keys: set[str]) -> list[dict[str, float]]:
    """The groups of hashes joined by same-audio pairs, among `keys` (the present ones), each
    as hash -> level relative to the group's first hash (in sorted order), dB."""
    groups, seen = [], set()
    for start in sorted(keys):
        if start in seen:
            continue
        levels, todo = {start: 0.0}, [start]
        while todo:
            key = todo.pop()
            for other, gain in pairs.get(key, {}).items():
                if other in keys and other not in levels:
                    levels[other] = levels[key] + gain
                    todo.append(other)
        seen.update(levels)
        if len(levels) > 1:
            groups.append(levels)
    return groups


def same_audio_listing(store: Store) -> list[list[tuple[str, float]]]:
    """The groups of present loops whose audio is the same though their files' bytes differ
    (as `check_same_audio` found them), each as (path, level in dB relative to its first
    loop), in path order; the groups by their first path. Copies with the same bytes join
    their file's group."""
    pairs = _same_pairs(store)
    if not pairs:
        return []
    loops = _present(store, pairs)
    groups = _levels(pairs, {key for _, _, key in loops})
    listing = []
    for levels in groups:
        members = [(path, levels[key]) for _, path, key in loops if key in levels]
        first = members[0][1]
        listing.append([(path, round(level - first, 1)) for path, level in members])
    return sorted(listing)


def same_audio_groups(store: Store) -> dict[int, int]:
    """sample id -> a number shared by the loops whose audio is the same (found by
    `check_same_audio`), for every present loop that has such a twin in a file with other
    bytes. Copies with the same bytes join their file's group; a group of byte copies only is
    not one (that is what Copies shows)."""
    return {sample_id: group for sample_id, (group, _) in same_audio_members(store).items()}


def same_audio_members(store: Store) -> dict[int, tuple[int, float]]:
    """sample id -> (its group, as `same_audio_groups` numbers them; its level relative to
    the group's first file, dB) for every present loop of a recording held in two files."""
    pairs = _same_pairs(store)
    if not pairs:
        return {}
    loops = _present(store, pairs)
    groups = _levels(pairs, {key for _, _, key in loops})
    found = {
        key: (number, level)
        for number, levels in enumerate(groups)
        for key, level in levels.items()
    }
    return {sample_id: found[key] for sample_id, _, key in loops if key in found}


def same_audio_of(store: Store, sample_id: int) -> dict[str, float]:
    """path -> level relative to this loop's, dB, of the other present loops whose audio is
    the same as this loop's in a file with other bytes (and of their copies), in path order."""
    pairs = _same_pairs(store)
    row = store.execute("SELECT content_hash, status FROM samples WHERE id = ?", (sample_id,))
    found = row.fetchone()
    key = copy_key(*found) if found else None
    if key is None or key not in pairs:
        return {}
    loops = _present(store, pairs)
    levels = next((g for g in _levels(pairs, {k for _, _, k in loops} | {key}) if key in g), None)
    if levels is None:  # its twins are gone
        return {}
    base = levels[key]
    return {
        path: round(levels[k] - base, 1)
        for i, path, k in loops
        if k in levels and k != key and i != sample_id
    }


def with_same_audio(store: Store, sample_ids) -> list[int]:
    """These sample ids, then those of the loops whose audio is the same as one of theirs in
    a file with other bytes (`same_audio_groups`) that are not among them: the loops a flag
    on these is about, as it is about their copies."""
    given = [int(i) for i in sample_ids]
    groups = same_audio_groups(store)
    wanted = {groups[i] for i in given if i in groups}
    if not wanted:
        return given
    mine = set(given)
    return given + sorted(i for i, g in groups.items() if g in wanted and i not in mine)


def level_phrase(level_db: float) -> str:
    """A twin's level in words, against the loop it is a twin of: "the same level", "7.0 dB
    louder", "3.5 dB quieter" (half a dB either way is the same level)."""
    if abs(level_db) < 0.5:
        return "the same level"
    return f"{abs(level_db):.1f} dB {'louder' if level_db > 0 else 'quieter'}"


def one_vector_per_recording(store: Store, ids: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`x` (rows of `ids`) with every loop of the same audio given the vector of the first of
    its recording's loops, in place: the detector then takes them for copies, one training
    row whose score each of them gets (`core.detector.distinct`). Left apart, a recording in
    two files is its own nearest neighbour, and an odd loop shipped as a WAV and an AIFF
    looks typical."""
    groups = same_audio_groups(store)
    if not groups:
        return x
    first: dict[int, int] = {}  # group -> its first row
    for row, sample_id in enumerate(np.asarray(ids).tolist()):
        group = groups.get(sample_id)
        if group is None:
            continue
        if group in first:
            x[row] = x[first[group]]
        else:
            first[group] = row
    return x


def recording_keys(store: Store) -> dict[str, str]:
    """path -> a key its copies share, for each file the library holds more than once: the
    content hash of a file with byte copies (`Store.copied_files`), and one key for all the
    files of a recording found in files with other bytes. An export puts each key once."""
    keys = store.copied_files()
    groups = same_audio_groups(store)
    if groups:
        ids = list(groups)
        mark = ",".join("?" * len(ids))
        for sample_id, path in store.execute(
            f"SELECT id, path FROM samples WHERE id IN ({mark})", ids
        ):
            keys[path] = f"same audio {groups[sample_id]}"
    return keys
