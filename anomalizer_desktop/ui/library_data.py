"""The library as columns (numpy arrays and lists), ready for a table, a map and sorting.

Built once from the store per reload; flags, notes and scores are then updated in place. Text
columns get a precomputed rank so that sorting any column is one numpy argsort.
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass, field

import numpy as np

from anomalizer_desktop.core.id_positions import positions_of
from anomalizer_desktop.core.library.chunked import as_columns
from anomalizer_desktop.core.library.copies import copy_key
from anomalizer_desktop.core.library.folder_tree import in_folder
from anomalizer_desktop.core.library.same_audio import level_phrase
from anomalizer_desktop.core.library.store import SampleRecord
from anomalizer_desktop.core.library.user_tags import count_tags, stored_tags, tag_matcher
from anomalizer_desktop.core.loop_names import (
    Declared,
    declared,
    key_rank,
    parse_query,
    wanted_keys,
    whole_bars,
    with_yours,
    within_unusual,
)
from anomalizer_desktop.core.text import folded

FLAG_CODES = {"unusual": 0, "typical": 1, None: 2}


class _Untagged:
    """The Tags filter's "Untagged": the loops without a tag (no tag can be this)."""

    def __repr__(self) -> str:
        return "UNTAGGED"


UNTAGGED = _Untagged()
STATUS_CODES = {"error": 0, "missing": 1, "ok": 2}


def _ranks(values: list[str]) -> np.ndarray:
    """Rank of each string in case-insensitive order (ties share no rank; stable), an accent
    spelt either way (`folded`) in one place."""
    order = sorted(range(len(values)), key=lambda i: folded(values[i]))
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


def _set_by_hand(user_tempo: np.ndarray, user_keys: list[str | None]) -> list[int]:
    """The rows given a tempo or a key by hand (a few among many)."""
    keyed = np.fromiter((k is not None for k in user_keys), dtype=bool, count=len(user_keys))
    return np.flatnonzero(~np.isnan(user_tempo) | keyed).tolist()


def _copy_groups(hashes, status) -> np.ndarray:
    """For each row, a number its copies share (present files with its content hash), or -1
    when it has none (or no hash is known, or only the edges-only hash earlier versions took,
    which two different loops can share: the next scan replaces it)."""
    present = [copy_key(h, s) for h, s in zip(hashes, status, strict=True)]
    counts = collections.Counter(h for h in present if h is not None)
    numbers: dict[str, int] = {}
    groups = [
        numbers.setdefault(h, len(numbers)) if h is not None and counts[h] > 1 else -1
        for h in present
    ]
    return np.array(groups, dtype=np.int64)


@dataclass
class LibraryData:
    ids: np.ndarray
    paths: list[str]
    names: list[str]
    folders: list[str]
    duration: np.ndarray
    sample_rate: np.ndarray
    score: np.ndarray
    percentile: np.ndarray
    flags: list[str | None]
    status: list[str]
    notes: list[str]
    errors: list[str]
    #: a number shared by a loop's copies, the library's other files of the same size and
    #: content hash (missing ones aside); -1 for a loop without copies
    copy_group: np.ndarray
    #: what each loop's name and loop tags declare (core.loop_names): tempo in BPM (NaN:
    #: none), key ("F#m"; None: none), and where each was read
    tempo: np.ndarray
    tempo_from: list[str]
    keys: list[str | None]
    key_from: list[str]
    #: the producer's tags, as the library stores them ("dark, song-a"; "" for none)
    tags: list[str]
    #: when a scan first found each loop (seconds since the epoch; NaN: not known)
    added: np.ndarray
    #: what each loop's name, loop tags and sound say, without the producer's own tempo and
    #: key: what `tempo` and `keys` show again when those are taken off
    own: list[Declared]
    #: the tempo (NaN: none) and key (None: none) the producer set by hand
    user_tempo: np.ndarray
    user_keys: list[str | None]
    #: a number shared by the loops whose audio is the same though their files' bytes differ
    #: (`core.library.same_audio`; set by `with_same_audio`); -1 for a loop without such a twin
    sound_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: each such loop's level relative to its group's first file, dB (NaN for the others)
    sound_level: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: which way the latest training moved each loop across the unusual cut (set by
    #: `with_crossings`): 1 above it (the training before had it below), -1 below it, 0 neither
    crossed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    #: how the tooltips name the training before's detector when it was another ("knn";
    #: `run_models.detector_before`), None when it was the same: a switch alone moves loops
    crossed_before: str | None = None
    #: which training the scores are from (`run_models.latest_run_text`), None before one
    scored_by: str | None = None
    _keys: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _id_sorter: np.ndarray | None = field(default=None, repr=False)
    #: the last folder's mask (`folder_mask`): (folder, rows in it)
    _folder_rows: tuple[str, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def from_records(cls, records: list[SampleRecord]) -> LibraryData:
        """From full records, as `from_rows` reads `Store.table_rows()`."""
        fields = ("id", "path", "status", "error", "duration", "sample_rate")
        fields += ("score", "percentile", "flag", "note")  # Store.table_rows' order
        # (records carry no content hash: no copies known)
        return cls.from_rows(
            [
                (
                    *(getattr(r, f) for f in fields),
                    None,
                    r.file_tempo,
                    r.file_key,
                    stored_tags(r.tags),
                    r.added,
                    r.heard_tempo,
                    r.user_tempo,
                    r.user_key,
                )
                for r in records
            ]
        )

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> LibraryData:
        """From `Store.table_rows()` tuples, a column at a time (no object per row)."""
        # a chunk at a time: this runs in a worker while the window and the sound play on
        columns = as_columns(rows, 18)
        ids, paths, status, errors, duration, rate, score, percentile, flags, notes = columns[:10]

        def floats(values) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        own = [
            declared(*row) for row in zip(paths, columns[11], columns[12], columns[15], strict=True)
        ]
        user_tempo, user_keys = floats(columns[16]), list(columns[17])
        says = list(own)
        for row in _set_by_hand(user_tempo, user_keys):
            says[row] = with_yours(own[row], columns[16][row], user_keys[row])
        # one split per path, not a basename and a dirname (each splits it): 100k paths 60 ms
        folders, names = zip(*map(os.path.split, paths), strict=True) if paths else ((), ())

        return cls(
            ids=np.array(ids, dtype=np.int64),
            paths=list(paths),
            names=list(names),
            folders=list(folders),
            duration=floats(duration),
            sample_rate=floats(rate),
            score=floats(score),
            percentile=floats(percentile),
            flags=list(flags),
            status=list(status),
            notes=[n or "" for n in notes],
            errors=[e or "" for e in errors],
            copy_group=_copy_groups(columns[10], status),
            tempo=floats(d.tempo for d in says),
            tempo_from=[d.tempo_from for d in says],
            keys=[d.key for d in says],
            key_from=[d.key_from for d in says],
            tags=[t or "" for t in columns[13]],
            added=floats(columns[14]),
            own=own,
            user_tempo=user_tempo,
            user_keys=user_keys,
            crossed=np.zeros(len(ids), dtype=np.int8),
        )

    @classmethod
    def empty(cls) -> LibraryData:
        return cls.from_records([])

    def set_yours(self, field: str, rows, value) -> None:
        """The producer set the tempo or key (`field`) of these rows by hand (`value`; None:
        taken off, what the loop says shows again): the BPM or Key column follows."""
        for row in np.asarray(rows, dtype=np.int64).tolist():
            if field == "tempo":
                self.user_tempo[row] = np.nan if value is None else float(value)
            else:
                self.user_keys[row] = value
            tempo = None if np.isnan(self.user_tempo[row]) else float(self.user_tempo[row])
            says = with_yours(self.own[row], tempo, self.user_keys[row])
            self.tempo[row] = np.nan if says.tempo is None else says.tempo
            self.tempo_from[row], self.keys[row] = says.tempo_from, says.key
            self.key_from[row] = says.key_from
        self.invalidate("tempo", "bars", "key")

    def __post_init__(self) -> None:
        if len(self.sound_group) != len(self.ids):
            self.sound_group = np.full(len(self.ids), -1, dtype=np.int64)
            self.sound_level = np.full(len(self.ids), np.nan)

    def with_same_audio(self, members: dict[int, tuple[int, float]]) -> LibraryData:
        """Mark the loops of `same_audio_members` (sample id -> (group, level)); returns
        self."""
        self.sound_group = np.full(len(self.ids), -1, dtype=np.int64)
        self.sound_level = np.full(len(self.ids), np.nan)
        if members:
            ids = np.fromiter(members, np.int64, len(members))
            rows, found = self.rows_of_ids(ids)
            values = list(members.values())
            self.sound_group[rows] = np.array([g for g, _ in values], np.int64)[found]
            self.sound_level[rows] = np.array([level for _, level in values])[found]
        return self

    def with_crossings(
        self, new: list[int], fell: list[int], before: str | None = None
    ) -> LibraryData:
        """Mark the loops of `Store.unusual_crossings` (sample ids now above the unusual cut,
        and now below it), `before` naming the training before's other detector; returns
        self."""
        self.crossed = np.zeros(len(self.ids), dtype=np.int8)
        self.crossed_before = before
        for ids, way in ((new, 1), (fell, -1)):
            rows, _found = self.rows_of_ids(np.asarray(ids, dtype=np.int64))
            self.crossed[rows] = way
        return self

    def same_audio_text(self, row: int) -> str:
        """ "" or, for a loop of a recording held in two files, a line naming the others with
        their level against it ("The same audio: b.flac (3.5 dB louder), c.aif (the same
        level)"), at most 5 named."""
        group = int(self.sound_group[row])
        if group < 0:
            return ""
        others = [int(r) for r in np.flatnonzero(self.sound_group == group) if r != row]
        named = [
            f"{self.names[r]} ({level_phrase(self.sound_level[r] - self.sound_level[row])})"
            for r in others[:5]
        ]
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        return "The same audio: " + ", ".join(named) + more

    def __len__(self) -> int:
        return len(self.ids)

    def rows_of_ids(self, sample_ids) -> tuple[np.ndarray, np.ndarray]:
        """(rows, found): the row of each sample id that has one, and for each id whether it
        has (numpy: a dict of 100,000 ids took 39 ms each time the window showed a reload).
        The ids' order is sorted once per library (0.6 ms each time at 100,000 loops)."""
        if self._id_sorter is None or len(self._id_sorter) != len(self.ids):
            self._id_sorter = np.argsort(self.ids, kind="stable")
        return positions_of(self.ids, sample_ids, sorter=self._id_sorter)

    def with_copies(self, sample_ids) -> list[int]:
        """These sample ids, then the ids of their copies (the library's other files with the
        same bytes; `copy_group`) and of the files their audio was found in with other bytes
        (`sound_group`) that are not among them: the loops a flag on these is about, since
        the detector takes a flag on any copy for the sound's."""
        given = [int(i) for i in sample_ids]
        rows, _found = self.rows_of_ids(given)
        same = np.zeros(len(self.ids), dtype=bool)
        for group_of in (self.copy_group, self.sound_group):
            groups = np.unique(group_of[rows])
            groups = groups[groups >= 0]
            if len(groups):
                same |= np.isin(group_of, groups)
        if not same.any():
            return given
        copies = self.ids[same]
        return given + copies[~np.isin(copies, given)].tolist()

    def sort_key(self, column: str) -> np.ndarray:
        """A numeric array whose ascending order is the column's natural order (NaN = unknown).
        Cached; call `invalidate(column)` after changing a column in place."""
        if column not in self._keys:
            self._keys[column] = self._compute_sort_key(column)
        return self._keys[column]

    @property
    def bars(self) -> np.ndarray:
        """How many whole bars of four each loop lasts at the tempo it declares (NaN: no
        tempo, or not whole bars; core.loop_names.whole_bars), computed once."""
        return self.sort_key("bars")

    def invalidate(self, *columns: str) -> None:
        for column in columns:
            self._keys.pop(column, None)

    def _compute_sort_key(self, column: str) -> np.ndarray:
        if column in ("duration", "sample_rate", "score", "percentile", "tempo", "added"):
            return getattr(self, column)
        if column == "bars":
            return whole_bars(self.duration, self.tempo)
        if column == "key":
            return np.array([key_rank(k) for k in self.keys], dtype=np.float64)
        if column == "name":
            return _ranks(self.names).astype(np.float64)
        if column == "folder":
            return _ranks(
                [f + "/" + n for f, n in zip(self.folders, self.names, strict=True)]
            ).astype(float)
        if column in ("note", "tags"):
            texts = self.notes if column == "note" else self.tags
            keys = _ranks(texts).astype(np.float64)
            keys[[not t for t in texts]] = np.nan  # empty notes and tags sort last
            return keys
        if column == "flag":
            return np.array([FLAG_CODES[f] for f in self.flags], dtype=np.float64)
        if column == "status":
            return np.array([STATUS_CODES[s] for s in self.status], dtype=np.float64)
        raise KeyError(column)

    def folder_mask(self, folder: str) -> np.ndarray:
        """Rows in `folder` or below it, kept for the last folder asked: with a folder
        chosen, each keystroke in the filter box asked again (20 ms at 100,000 loops). The
        paths never change in place (a reload makes new columns)."""
        if self._folder_rows is None or self._folder_rows[0] != folder:
            self._folder_rows = (folder, in_folder(self.paths, folder))
        return self._folder_rows[1].copy()

    def tag_counts(self) -> dict[str, int]:
        """The library's tags and how many loops carry each, most used first (as
        `Store.tag_counts`, from the columns: no query)."""
        return count_tags(collections.Counter(t for t in self.tags if t).items())

    def tag_mask(self, tag: str | None) -> np.ndarray:
        """Rows tagged `tag` (case aside), or with no tag at all for UNTAGGED; every row for
        None."""
        if tag is None:
            return np.ones(len(self), dtype=bool)
        if tag is UNTAGGED:
            return np.fromiter((not t for t in self.tags), dtype=bool, count=len(self))
        return np.fromiter(map(tag_matcher(tag), self.tags), dtype=bool, count=len(self))

    def text_mask(self, text: str) -> np.ndarray:
        """Rows whose name, folder, note or tags contain `text` (case-insensitive), with the
        tempo, key, tag, length, age, Unusual % and crossing its terms ask for ("bpm:120",
        "bpm:118-122", "key:Am", "tag:dark", "bars:4", "added:today", "unusual:90",
        "unusual:new"; core.loop_names)."""
        query = parse_query(text)
        needle = folded(query.text)
        mask = np.ones(len(self), dtype=bool)
        if query.tag is not None:
            mask &= self.tag_mask(query.tag)
        if query.tempo is not None:
            low, high = query.tempo
            mask &= (self.tempo >= low) & (self.tempo <= high)  # NaN: no tempo, never shown
        if query.key is not None:  # "Am", or "Am+": the keys that mix with it
            keys = wanted_keys(query.key)
            mask &= np.array([k in keys for k in self.keys], dtype=bool)
        if query.bars is not None:  # NaN: no tempo, or not a whole number of bars
            mask &= (self.bars >= query.bars[0]) & (self.bars <= query.bars[1])
        if query.added is not None:  # NaN: not known, never shown
            mask &= self.added >= query.added
        if query.unusual is not None:  # NaN: not scored, never shown
            mask &= within_unusual(self.percentile, query.unusual)
        if query.crossed is not None:
            mask &= self.crossed == (1 if query.crossed == "new" else -1)
        if needle:
            mask &= np.fromiter(
                (
                    needle in folded(f"{p}\n{n}\n{t}")
                    for p, n, t in zip(self.paths, self.notes, self.tags, strict=True)
                ),
                dtype=bool,
                count=len(self),
            )
        return mask
