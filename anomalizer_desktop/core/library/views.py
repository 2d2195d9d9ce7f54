"""What the library reads for people: the table's rows, `anomalizer list`, the loops that
explanations and likeness name, and the counts in the status bar.

`LibraryViews` is the read side of `Store` (which inherits it): plain SELECTs over the samples,
their latest scores and the user's flags and notes; every write stays in `store.py`.
"""

from __future__ import annotations

import collections
import sqlite3
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from anomalizer_desktop.core.library.chunked import as_columns, fetch_all
from anomalizer_desktop.core.library.copies import copied, copy_key
from anomalizer_desktop.core.library.user_tags import count_tags, parse_tags, tag_matcher
from anomalizer_desktop.core.loop_names import Declared, declared

FLAGS = ("typical", "unusual")
#: what `list_samples(flag=...)` takes besides FLAGS: the loops with no flag (not judged yet)
UNFLAGGED = "unflagged"
STATUSES = ("ok", "error", "missing")

#: a condition on `user_data u`: the producer annotated the loop (a flag, a note, tags, or
#: a tempo or key set by hand), which forgetting it loses
ANNOTATED = (
    "(u.flag IS NOT NULL OR u.note IS NOT NULL OR u.tags IS NOT NULL"
    " OR u.tempo IS NOT NULL OR u.key IS NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class SampleRecord:
    """One row of the library as the views and exports see it."""

    id: int
    path: str
    status: str
    error: str | None
    duration: float | None
    sample_rate: int | None
    channels: int | None
    embedders: tuple[str, ...]
    score: float | None
    percentile: float | None
    flag: str | None
    note: str | None
    #: the tempo and key the file's own loop tags declare (ACID chunk, Apple Loop); None: none
    file_tempo: float | None = None
    file_key: str | None = None
    #: the producer's own tags (`user_tags`), in their stored order
    tags: tuple[str, ...] = ()
    #: when a scan first found the loop (seconds since the epoch; a moved loop keeps its own)
    added: float | None = None
    #: the tempo its sound shows (`core.audio.heard_tempo`); None: none heard, or not yet
    heard_tempo: float | None = None
    #: the tempo and key the producer set by hand (`loop_names.YOURS`); None: not set
    user_tempo: float | None = None
    user_key: str | None = None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "embedders": list(self.embedders),
            "score": self.score,
            "percentile": self.percentile,
            "flag": self.flag,
            "note": self.note,
            "file_tempo": self.file_tempo,
            "file_key": self.file_key,
            "tags": list(self.tags),
            "added": self.added,
            "heard_tempo": self.heard_tempo,
            "user_tempo": self.user_tempo,
            "user_key": self.user_key,
        }


def declared_by(record: SampleRecord) -> Declared:
    """The tempo and key a loop says (`loop_names.declared`): the producer's own where they
    set one, then its name's and loop tags', then the tempo heard in its sound."""
    return declared(
        record.path,
        record.file_tempo,
        record.file_key,
        record.heard_tempo,
        record.user_tempo,
        record.user_key,
    )


class LoopBrief(NamedTuple):
    """One loop's path, latest score and flag (see `LoopColumns.brief`)."""

    id: int
    path: str
    score: float | None
    percentile: float | None
    flag: str | None


@dataclass(frozen=True)
class LoopColumns:
    """What "Why unusual?" and "loops like this" need of each loop, as columns in id order:
    read for every loop of the library at each explanation's first look, so no object per
    loop (100,000 named tuples took 0.5-0.7 s; these columns a quarter of that)."""

    ids: np.ndarray  # int64, ascending
    paths: list[str]
    scores: np.ndarray  # float64 (NaN: not scored by the latest run)
    percentiles: np.ndarray  # float64 (NaN likewise)
    flags: list[str | None]

    def take(self, ids: np.ndarray) -> LoopColumns:
        """The columns of these loops, in their order. Each must be in the library (read in
        the same state of it: `Store.reading`); one that is not raises LookupError."""
        rows = np.searchsorted(self.ids, ids)
        if len(rows) and (rows.max() >= len(self.ids) or not np.array_equal(self.ids[rows], ids)):
            raise LookupError("loops asked for that the columns do not hold")
        return LoopColumns(
            np.asarray(ids, dtype=np.int64),
            [self.paths[r] for r in rows],
            self.scores[rows],
            self.percentiles[rows],
            [self.flags[r] for r in rows],
        )

    def brief(self, row: int) -> LoopBrief:
        score, percentile = (float(column[row]) for column in (self.scores, self.percentiles))
        return LoopBrief(
            int(self.ids[row]),
            self.paths[row],
            None if np.isnan(score) else score,
            None if np.isnan(percentile) else percentile,
            self.flags[row],
        )


SORT_COLUMNS = {
    "path": "s.path",
    "name": "s.path",
    "status": "s.status",
    "duration": "s.duration",
    "sample_rate": "s.sample_rate",
    "score": "sc.score",
    "flag": "u.flag",
    "added": "s.first_seen",
}


#: each sample's failed embeddings in one text ("clap: out of memory; ..."), grouped once for
#: the whole table (a subquery per row cost a tenth more at 100k rows); joined as `errs`
_EMBED_ERRORS = """WITH errs AS (SELECT sample_id,
                                       group_concat(embedder || ': ' || message, '; ') AS message
                                FROM feature_errors GROUP BY sample_id)"""


class LibraryViews:
    """The read queries of the library; mixed into `Store`, which owns the connection."""

    _db: sqlite3.Connection

    def latest_run_id(self, embedder: str | None = None) -> int | None:
        sql = "SELECT id FROM runs" + (" WHERE embedder = ?" if embedder else "")
        row = self._db.execute(
            sql + " ORDER BY id DESC LIMIT 1", (embedder,) if embedder else ()
        ).fetchone()
        return row[0] if row else None

    def unusual_cut(self) -> float | None:
        """The latest run's unusual cut (its threshold: a score over it is unusual), if any."""
        row = self._db.execute("SELECT threshold FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def unusual_crossings(self, sample_id: int | None = None) -> tuple[list[int], list[int]]:
        """The loops the latest run moved across the unusual cut: (now above it though the
        run before had them below its own, now below it though they were above), in id
        order; both empty before a second run. A loop only one of the two runs scored is in
        neither: nothing was said of it before. What "2 of them new; 2 fell below it" of a
        training counted, asked for again: which loops they are (`sample_id`: of that loop
        only, an index lookup)."""
        runs = self._db.execute("SELECT id, threshold FROM runs ORDER BY id DESC LIMIT 2")
        runs = runs.fetchall()
        if len(runs) < 2 or any(cut is None for _, cut in runs):
            return [], []
        (latest, cut), (before, cut_before) = runs
        # one loop: its two scores by the primary key (a condition that may be NULL made
        # SQLite walk the whole run, 9 ms at 100,000 loops)
        one = "" if sample_id is None else " AND now.sample_id = :sample_id"
        rows = self._db.execute(
            f"""SELECT now.sample_id, now.score > :cut FROM scores now
               JOIN scores was ON was.run_id = :before AND was.sample_id = now.sample_id
               WHERE now.run_id = :latest{one}
                     AND (now.score > :cut) != (was.score > :cut_before)
               ORDER BY now.sample_id""",
            {
                "latest": latest,
                "before": before,
                "cut": cut,
                "cut_before": cut_before,
                "sample_id": sample_id,
            },
        ).fetchall()
        return [i for i, above in rows if above], [i for i, above in rows if not above]

    def crossed_the_cut(self, way: str) -> set[int]:
        """The ids of the loops the latest run moved across the unusual cut `way`: "new"
        (now above it) or "fell" (now below it); `unusual_crossings`."""
        new, fell = self.unusual_crossings()
        return set(new if way == "new" else fell)

    # ------------------------------------------------------------------ views
    def list_samples(
        self,
        sort: str | None = None,
        descending: bool = False,
        flag: str | None = None,
        status: str | None = None,
        run_id: int | None = None,
        tag: str | None = None,
    ) -> list[SampleRecord]:
        """Every sample with its embedders, latest score, flag, note and tags; optionally
        filtered (`flag`: one of FLAGS, or UNFLAGGED; `tag`: the loops tagged so, case
        aside)."""
        if sort is not None and sort not in SORT_COLUMNS:
            raise ValueError(f"cannot sort by {sort!r}; choose one of {sorted(SORT_COLUMNS)}")
        if run_id is None:
            run_id = self.latest_run_id()
        where, params = [], {"run": run_id if run_id is not None else -1}
        if flag == UNFLAGGED:
            where.append("u.flag IS NULL")
        elif flag is not None:
            where.append("u.flag = :flag")
            params["flag"] = flag
        if status is not None:
            where.append("s.status = :status")
            params["status"] = status
        order = (
            f"{SORT_COLUMNS[sort]} {'DESC' if descending else 'ASC'} NULLS LAST, " if sort else ""
        )
        sql = f"""
            {_EMBED_ERRORS}
            SELECT s.id, s.path, s.status, COALESCE(s.error, errs.message),
                   s.duration, s.sample_rate, s.channels,
                   (SELECT group_concat(f.embedder, ',') FROM features f WHERE f.sample_id = s.id),
                   sc.score, sc.percentile, u.flag, u.note, s.tempo, s.key, u.tags,
                   s.first_seen, h.tempo, u.tempo, u.key
            FROM samples s
            LEFT JOIN errs ON errs.sample_id = s.id
            LEFT JOIN heard_tempos h ON h.sample_id = s.id
            LEFT JOIN user_data u ON u.sample_id = s.id
            LEFT JOIN scores sc ON sc.sample_id = s.id AND sc.run_id = :run
            {"WHERE " + " AND ".join(where) if where else ""}
            ORDER BY {order}s.path"""
        tagged = tag_matcher(tag) if tag is not None else None
        return [
            SampleRecord(
                id=r[0],
                path=r[1],
                status=r[2],
                error=r[3],
                duration=r[4],
                sample_rate=r[5],
                channels=r[6],
                embedders=tuple(sorted(r[7].split(","))) if r[7] else (),
                score=r[8],
                percentile=r[9],
                flag=r[10],
                note=r[11],
                file_tempo=r[12],
                file_key=r[13],
                tags=parse_tags(r[14]),
                added=r[15],
                heard_tempo=r[16],
                user_tempo=r[17],
                user_key=r[18],
            )
            for r in self._db.execute(sql, params)
            if tagged is None or tagged(r[14])
        ]

    def table_rows(self) -> list[tuple]:
        """What the window's table shows, one tuple per sample in path order: id, path,
        status, error, duration, sample_rate, score, percentile, flag, note (latest run),
        content hash, the tempo and key the file's loop tags declare, the producer's tags
        (their stored text), when a scan first found it, the tempo heard in its sound, the
        tempo and key the producer set by hand.

        `list_samples` without its per-row lookups (embedders, one subquery per row) and
        without building a record per row: 100k samples read in about half the time. The rows
        are read in the table's own order and sorted here: along the path index SQLite fetched
        each row apart (580 ms at 100,000 loops, against 250 with the sort). Python orders
        strings by code point, as SQLite's BINARY collation orders their UTF-8 bytes."""
        run_id = self.latest_run_id()
        rows = fetch_all(
            self._db.execute(
                f"""{_EMBED_ERRORS}
                   SELECT s.id, s.path, s.status, COALESCE(s.error, errs.message),
                          s.duration, s.sample_rate, sc.score, sc.percentile, u.flag, u.note,
                          s.content_hash, s.tempo, s.key, u.tags, s.first_seen, h.tempo,
                          u.tempo, u.key
                   FROM samples s
                   LEFT JOIN errs ON errs.sample_id = s.id
                   LEFT JOIN heard_tempos h ON h.sample_id = s.id
                   LEFT JOIN user_data u ON u.sample_id = s.id
                   LEFT JOIN scores sc ON sc.sample_id = s.id AND sc.run_id = ?""",
                (run_id if run_id is not None else -1,),
            )
        )
        rows.sort(key=itemgetter(1))
        return rows

    def loop_columns(self) -> LoopColumns:
        """Every sample's path, latest score and flag, as columns in id order (read a chunk
        at a time: the window reads them in a worker after each flag, see `chunked`)."""
        run_id = self.latest_run_id()
        cursor = self._db.execute(
            """SELECT s.id, s.path, sc.score, sc.percentile, u.flag FROM samples s
               LEFT JOIN user_data u ON u.sample_id = s.id
               LEFT JOIN scores sc ON sc.sample_id = s.id AND sc.run_id = ?
               ORDER BY s.id""",
            (run_id if run_id is not None else -1,),
        )
        ids, paths, scores, percentiles, flags = as_columns(fetch_all(cursor), 5)
        return LoopColumns(
            np.array(ids, dtype=np.int64),
            paths,
            np.array(scores, dtype=np.float64),  # None -> NaN
            np.array(percentiles, dtype=np.float64),
            flags,
        )

    def copied_files(self) -> dict[str, str]:
        """path -> content hash of each file the library holds more than once (`copies`)."""
        return {path: key for _, path, key in self._copied()}

    def ids_with_copies(self, sample_ids) -> list[int]:
        """These sample ids, then the ids of their copies (the library's other files with the
        same bytes, as `copied_files` tells them) that are not among them."""
        given = [int(i) for i in sample_ids]
        copies_of = collections.defaultdict(list)
        for sample_id, _, key in self._copied():
            copies_of[key].append(sample_id)
        mine = set(given)
        keys = [key for key, ids in copies_of.items() if mine.intersection(ids)]
        return given + [i for key in keys for i in copies_of[key] if i not in mine]

    def _copied(self) -> list[tuple[int, str, str]]:
        """(sample id, path, copy key) of each file the library holds more than once."""
        # only hashes two rows share can be copies: SQL narrows, `copies` decides
        rows = self._db.execute(
            """SELECT id, path, content_hash, status FROM samples WHERE content_hash IN (
                   SELECT content_hash FROM samples GROUP BY content_hash HAVING COUNT(*) > 1)"""
        )
        ids, paths, hashes, statuses = as_columns(fetch_all(rows), 4)
        keys = copied(paths, hashes, statuses)
        return [(i, p, keys[p]) for i, p in zip(ids, paths, strict=True) if p in keys]

    def counts_by_status(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        counts.update(self._db.execute("SELECT status, COUNT(*) FROM samples GROUP BY status"))
        return counts

    def tag_counts(self) -> dict[str, int]:
        """How many loops carry each tag, by its most used spelling, most used first (then
        by name): what the tag editor offers and `anomalizer tags` lists."""
        # each set of tags once, with how many loops carry it: packs tagged together share
        # one (100,000 tagged loops: 30 ms, against 290 for a split of each loop's)
        return count_tags(
            self._db.execute(
                "SELECT tags, COUNT(*) FROM user_data WHERE tags IS NOT NULL GROUP BY tags"
            )
        )

    def flag_of_copies(self, content_hash: str | None, besides: int) -> str | None:
        """The flag the library's copies of a file carry (its other present files with this
        whole-content hash, loop `besides` aside) when those flagged agree; None when none is
        flagged, they disagree, or the hash tells no copies (`copies.copy_key`)."""
        if copy_key(content_hash, "ok") is None:
            return None
        flags = self._db.execute(
            """SELECT DISTINCT u.flag FROM samples s JOIN user_data u ON u.sample_id = s.id
               WHERE s.content_hash = ? AND s.status != 'missing' AND s.id != ?
                     AND u.flag IS NOT NULL""",
            (content_hash, besides),
        ).fetchall()
        return flags[0][0] if len(flags) == 1 else None

    def flag_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FLAGS, 0)
        counts.update(
            self._db.execute(
                "SELECT flag, COUNT(*) FROM user_data WHERE flag IS NOT NULL GROUP BY flag"
            )
        )
        return counts

    def set_by_hand_counts(self) -> dict[str, int]:
        """How many loops the producer set a tempo and a key for."""
        tempo, key = self._db.execute("SELECT COUNT(tempo), COUNT(key) FROM user_data").fetchone()
        return {"tempo": tempo, "key": key}


def came_in_since(record: SampleRecord, moment: float) -> bool:
    """Whether a scan first found the loop at `moment` or later (not known: no)."""
    return record.added is not None and record.added >= moment
