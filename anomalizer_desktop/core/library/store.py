"""The library store: one SQLite file that is the single source of truth.

WAL mode, every write inside a transaction (`with store.transaction():`, re-entrant), foreign keys
on. A Store belongs to one thread; open another Store on the same file for another thread (WAL lets
readers and one writer work side by side). `Store(":memory:")` is for tests.
"""

from __future__ import annotations

import contextlib
import errno
import json
import operator
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.library import chunked
from anomalizer_desktop.core.library.chunked import fetch_all
from anomalizer_desktop.core.library.flag_backup import backup_path, write_flag_backup
from anomalizer_desktop.core.library.open_here import register_closing, register_opening
from anomalizer_desktop.core.library.schema import (
    LibraryNotWritableError,
    NotALibraryError,
    is_damage,
    migrate,
    refuse_other_databases,
    refuse_other_files,
    unwritable_reason,
)
from anomalizer_desktop.core.library.user_tags import (
    edited_tags,
    parse_tags,
    stored_tags,
    tag_matcher,
)
from anomalizer_desktop.core.library.views import (  # noqa: F401  (re-exported)
    ANNOTATED,
    FLAGS,
    SORT_COLUMNS,
    STATUSES,
    LibraryViews,
    LoopBrief,
    LoopColumns,
    SampleRecord,
)
from anomalizer_desktop.core.library.walk import has_a_usable_name
from anomalizer_desktop.core.loop_names import settable_key, settable_tempo


def sound_vector(blob: object, dim: object) -> bool:
    """Whether a features row's vector is what the embed job and imports write: `dim` finite
    float32 numbers. Anything else was read from pages a disk fault wrote over (SQLite does
    not check what a row's bytes say)."""
    if not isinstance(blob, bytes) or not isinstance(dim, int) or len(blob) != 4 * dim:
        return False
    return bool(np.isfinite(np.frombuffer(blob, dtype=np.float32)).all())


_first = operator.itemgetter(0)


#: the columns of a sample's identity, as a scan compares it (`Store.sample_identities`)
_IDENTITY = "id, size, mtime_ns, content_hash, status, error_kind"


def paths_below(folder: str) -> tuple[str, str]:
    """The range [low, high) of the paths below `folder` (an absolute path), for SQL's `path
    >= low AND path < high`: exactly the paths that start with `folder` and a separator."""
    low = folder.rstrip(os.sep) + os.sep
    return low, low[:-1] + chr(ord(os.sep) + 1)


class StoreError(AnomalizerError):
    """The library file cannot be opened or used (with a message for people)."""


class LibraryDamagedError(StoreError):
    """Part of the library file cannot be read (a disk fault, a sync tool or a crash of the
    system wrote over it): the producer can repair it (`core.library.repair`). `reason` is
    what SQLite said."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"the library {path} is damaged ({reason}): repair it (Library > Repair library,"
            " or `anomalizer repair`); what can still be read is kept, and the damaged file"
            " stays beside it, renamed"
        )
        self.path, self.reason = path, reason


def damaged(path: str, error: sqlite3.Error) -> LibraryDamagedError:
    """The error for a library that SQLite found damaged, saying how to repair it."""
    return LibraryDamagedError(path, str(error))


#: sqlite errors that mean a bug in a query, not a library that cannot be written: raised as is
#: what the producer writes for a loop by hand (`user_data`'s columns)
USER_FIELDS = ("flag", "note", "tags", "tempo", "key")
_OUR_FAULT = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


#: the start of a sample's `error_kind` when its error was found by decoding the whole file
#: (for an embedding), not by probing its header (a scan): a rescan cannot re-check it cheaply
FOUND_DECODING = "decoding:"


class Store(LibraryViews):
    """Open (creating and migrating as needed) the library at `path`. What it reads for the
    views (the table, `list`, explanations) is in `LibraryViews`."""

    #: whether closing writes the flags' backup beside the library (see `close`)
    backs_up_flags = True

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if self.path != ":memory:":
            folder = Path(self.path).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a drive that is not mounted, a folder not ours
                cannot = (
                    f"cannot open the library {self.path}: cannot create its folder {folder}"
                    f" ({os_reason(error)})"
                )
                # a read-only drive is there, not unplugged (no permission may be a drive that
                # is not mounted: /media/me/Drive is made by mounting it, not by us)
                if error.errno == errno.EROFS:
                    raise LibraryNotWritableError(
                        f"{cannot}. Start with --library naming a library file in a folder"
                        " you can write to"
                    ) from None
                raise StoreError(cannot) from None
        if self.path != ":memory:":
            # the file's first bytes are read only while this process holds no connection to
            # it: closing that read would drop their locks (`open_here`)
            register_opening(self.path, refuse_other_files)
        self._registered = self.path != ":memory:"
        try:
            self._connect()
        except BaseException:
            self._let_go_of_registration()
            raise
        self._depth = 0
        self._flags_changed = False  # since the flags' backup was last written

    def _let_go_of_registration(self) -> None:
        if self._registered:
            self._registered = False
            register_closing(self.path)

    def _connect(self) -> None:
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            try:
                refuse_other_databases(self._db, self.path)  # before WAL: that writes
            except NotALibraryError:
                self._db.close()
                raise
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            migrate(self._db)
        except sqlite3.DatabaseError as error:
            reason = unwritable_reason(self.path)
            if reason is not None and os.path.exists(self.path):  # not damaged: unwritable
                raise LibraryNotWritableError(
                    f"cannot open the library {self.path}: {reason.cause}. It is left as it"
                    f" is: {reason.advice}"
                ) from None
            if is_damage(error):
                raise damaged(self.path, error) from None
            why = reason.cause if reason is not None else error  # a new one: why not there
            raise StoreError(f"cannot open the library {self.path}: {why}") from None

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the library; first write the flags' backup beside it when they changed, or
        when there is none yet (`flag_backup`)."""
        with contextlib.suppress(sqlite3.Error):
            if self.backs_up_flags and (self._flags_changed or self._wants_first_backup()):
                self.save_flag_backup()
        self._db.close()
        self._let_go_of_registration()

    def save_flag_backup(self) -> int | None:
        """Write every flag and note to `<library>.flags.json` (see `flag_backup`); how many
        loops it holds, or None when it could not be written (it is only a backup: the
        library is as it was either way)."""
        if self.path == ":memory:":
            return None
        try:
            written = write_flag_backup(self._db, self.path)
        except (OSError, sqlite3.Error):
            return None
        self._flags_changed = False
        return written

    def backing_up_elsewhere(self) -> None:
        """Another connection is writing the flags' backup now (the window's, in a worker):
        this one need not at its close, unless flags change again meanwhile."""
        self._flags_changed = False

    def backup_failed_elsewhere(self) -> None:
        """That backup was not written: this connection writes it at its close."""
        self._flags_changed = True

    def mark_flags_changed(self) -> None:
        """Flags or notes were written here other than through this class's own setters (rows
        of loops put back, `kept_rows.restore`): the backup is written again at close."""
        self._flags_changed = True

    @property
    def flags_changed(self) -> bool:
        """Whether flags or notes changed through this Store since their backup was written."""
        return self._flags_changed

    def _wants_first_backup(self) -> bool:
        return (
            self.path != ":memory:"
            and not backup_path(self.path).exists()
            and self._db.execute("SELECT 1 FROM user_data LIMIT 1").fetchone() is not None
        )

    def change_count(self) -> int:
        """A number that changes whenever another connection commits to the library (a job in
        another thread, the command line, a second window) and stays put while only this one
        writes: SQLite's `PRAGMA data_version`, cheap enough to poll."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Reads inside see one state of the library, whatever other connections write
        meanwhile (a read transaction; with WAL, writers go on). Inside a transaction, that
        transaction's state. (Not for writes: a transaction cannot start inside.)"""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN DEFERRED")
        try:
            yield self._db
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all. Nested use joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise self._cannot_write(error) from error
        self._depth = 1
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):  # a failed COMMIT may have ended it
                self._db.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, _OUR_FAULT):
                raise self._cannot_write(error) from error
            raise
        finally:
            self._depth = 0

    def _cannot_write(self, error: sqlite3.DatabaseError) -> StoreError:
        """What the user reads when the library file refuses a write (a full disk, a drive
        that went away, a read-only file, another program holding the lock too long): nothing
        of the change was kept, and the library is as it was before it."""
        if is_damage(error):
            return damaged(self.path, error)
        reason = unwritable_reason(self.path) if self.path != ":memory:" else None
        return StoreError(
            f"cannot write to the library {self.path}:"
            f" {reason.cause if reason else error}; nothing was changed"
        )

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        """Run one statement (reads; writes belong inside `transaction`)."""
        return self._db.execute(sql, params)

    def integrity_check(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    # ------------------------------------------------------------------ roots
    def add_root(self, path: str) -> int:
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO roots(path, added_at) VALUES (?, ?)", (path, time.time())
            )
            return db.execute("SELECT id FROM roots WHERE path = ?", (path,)).fetchone()[0]

    def roots(self) -> list[tuple[int, str]]:
        return [tuple(r) for r in self._db.execute("SELECT id, path FROM roots ORDER BY path")]

    def merge_root(self, old_id: int, into_id: int) -> None:
        """Fold a root into another (a folder added above it): its samples move over with their
        embeddings, flags and notes, and the old root goes."""
        with self.transaction() as db:
            db.execute("UPDATE samples SET root_id = ? WHERE root_id = ?", (into_id, old_id))
            db.execute("DELETE FROM roots WHERE id = ?", (old_id,))

    def touch_root(self, root_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE roots SET last_scan = ? WHERE id = ?", (time.time(), root_id))

    # ------------------------------------------------------------------ samples
    def sample_identities(
        self, folder: str, besides: Iterable[str] = ()
    ) -> dict[str, tuple[int, int, int, str, str, str]]:
        """path -> (id, size, mtime_ns, content_hash, status, error_kind) for every sample below
        `folder` (an absolute path), whichever root it was scanned under, but those below the
        folders `besides` (folders in it that a scan leaves as they are)."""
        start, stop = paths_below(folder)
        ranges, low = [], start
        for inner_start, inner_stop in sorted(paths_below(inner) for inner in besides):
            if inner_start < low or inner_start >= stop:  # (in one left out already, or outside)
                continue
            ranges.append((low, inner_start))
            low = inner_stop
        ranges.append((low, stop))
        identities = {}
        for low, high in ranges:
            rows = self._db.execute(
                f"SELECT path, {_IDENTITY} FROM samples WHERE path >= ? AND path < ?", (low, high)
            )
            identities.update((r[0], tuple(r[1:])) for r in rows)
        return identities

    def sample_identity(self, path: str) -> tuple[int, int, int, str, str, str] | None:
        """`sample_identities`' row of the sample at `path`, or None."""
        row = self._db.execute(f"SELECT {_IDENTITY} FROM samples WHERE path = ?", (path,))
        found = row.fetchone()
        return None if found is None else tuple(found)

    def names_listed_in(self, folder: str) -> set[str]:
        """The file names of the samples directly in `folder` (not in its subfolders) that a
        scan found there, those missing left out: what the folder holds when nothing came or
        went behind the library's back (`folder_changes.check_folders`)."""
        return set(self.stamps_listed_in(folder))

    def stamps_listed_in(self, folder: str) -> dict[str, tuple[int | None, int | None]]:
        """File name -> (size, mtime_ns) the last scan saw, for the samples directly in `folder`
        that are not missing: a file written over since has another (the folder watch's check
        of a folder whose names did not change, `folder_changes.check_folders`)."""
        start, stop = paths_below(folder)
        rows = self._db.execute(
            "SELECT substr(path, ?), size, mtime_ns FROM samples WHERE path >= ? AND path < ?"
            " AND status != 'missing' AND instr(substr(path, ?), ?) = 0",
            (len(start) + 1, start, stop, len(start) + 1, os.sep),
        )
        return {name: (size, mtime_ns) for name, size, mtime_ns in rows}

    def samples_with_hash(self, content_hash: str) -> list[tuple[int, str, str]]:
        """(id, path, status) of every sample whose content hash is `content_hash`."""
        return [
            tuple(r)
            for r in self._db.execute(
                "SELECT id, path, status FROM samples WHERE content_hash = ? ORDER BY id",
                (content_hash,),
            )
        ]

    def insert_sample(self, path: str, root_id: int, **fields: object) -> int:
        now = time.time()
        columns = {"path": path, "root_id": root_id, "first_seen": now, "last_seen": now, **fields}
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        with self.transaction() as db:
            cursor = db.execute(
                f"INSERT INTO samples({names}) VALUES ({marks})", tuple(columns.values())
            )
            return cursor.lastrowid

    def update_sample(self, sample_id: int, **fields: object) -> None:
        if "path" in fields:  # a moved loop: its flag's backup must follow it
            self._flags_changed = True
        fields = {"last_seen": time.time(), **fields}
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as db:
            db.execute(
                f"UPDATE samples SET {assignments} WHERE id = ?", (*fields.values(), sample_id)
            )

    def mark_missing(self, sample_ids: Iterable[int]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE samples SET status = 'missing' WHERE id = ?", [(i,) for i in sample_ids]
            )

    def missing_summary(self) -> tuple[int, int]:
        """(missing loops, how many of them carry a flag, a note or tags)."""
        return self._db.execute(
            "SELECT COUNT(*), COUNT(u.sample_id) FROM samples s"
            " LEFT JOIN user_data u ON u.sample_id = s.id"
            f" AND {ANNOTATED}"
            " WHERE s.status = 'missing'"
        ).fetchone()

    def root_summary(self, root_id: int) -> tuple[int, int]:
        """(loops scanned under a library folder, how many of them carry a flag, a note or
        tags)."""
        return self._db.execute(
            "SELECT COUNT(*), COUNT(u.sample_id) FROM samples s"
            " LEFT JOIN user_data u ON u.sample_id = s.id"
            f" AND {ANNOTATED}"
            " WHERE s.root_id = ?",
            (root_id,),
        ).fetchone()

    def remove_root(self, root_id: int) -> int:
        """Take a folder out of the library: its loops go, with their vectors, scores, flags
        and notes (the files on disk are not touched), and rescans no longer walk it. Returns
        how many loops went."""
        self._flags_changed = True  # the folder's flags go: so must their backup's
        with self.transaction() as db:
            removed = db.execute("DELETE FROM samples WHERE root_id = ?", (root_id,)).rowcount
            db.execute("DELETE FROM roots WHERE id = ?", (root_id,))
            return removed

    def forget_missing(self) -> int:
        """Delete the loops whose files are gone, with their vectors, scores, flags and notes.
        Only on request: a missing loop otherwise keeps its flags and is relinked if its file
        turns up elsewhere. Returns how many were forgotten."""
        self._flags_changed = True
        with self.transaction() as db:
            return db.execute("DELETE FROM samples WHERE status = 'missing'").rowcount

    def forget_samples(self, sample_ids: Iterable[int]) -> int:
        """Delete these loops with their vectors, scores, flags and notes (their files were
        moved to the trash). Returns how many were in the library."""
        self._flags_changed = True
        with self.transaction() as db:
            return sum(
                db.execute("DELETE FROM samples WHERE id = ?", (int(i),)).rowcount
                for i in sample_ids
            )

    def sample_ids_for_paths(self, paths: Iterable[str]) -> dict[str, int]:
        found = {}
        for path in paths:
            if not has_a_usable_name(path):  # (a name the library cannot hold is not in it)
                continue
            row = self._db.execute("SELECT id FROM samples WHERE path = ?", (path,)).fetchone()
            if row:
                found[path] = row[0]
        return found

    # ------------------------------------------------------------------ features
    def invalidate_features(self, sample_id: int) -> None:
        """Forget every embedding and score of a sample whose content changed: they describe
        a sound the file no longer holds. (Flags and notes are the user's and stay.)"""
        with self.transaction() as db:
            db.execute("DELETE FROM features WHERE sample_id = ?", (sample_id,))
            db.execute("DELETE FROM feature_errors WHERE sample_id = ?", (sample_id,))
            db.execute("DELETE FROM scores WHERE sample_id = ?", (sample_id,))
            db.execute("DELETE FROM heard_tempos WHERE sample_id = ?", (sample_id,))

    def samples_to_embed(
        self, embedder: str, version: str, retry_errors: bool = False
    ) -> list[tuple[int, str]]:
        """(id, path) of usable samples without a vector (or recorded failure) of this version."""
        skip_errors = (
            ""
            if retry_errors
            else "AND NOT EXISTS (SELECT 1 FROM feature_errors e WHERE e.sample_id = s.id "
            "AND e.embedder = :e AND e.version = :v)"
        )
        sql = f"""
            SELECT s.id, s.path FROM samples s
            WHERE s.status = 'ok'
              AND NOT EXISTS (SELECT 1 FROM features f WHERE f.sample_id = s.id
                              AND f.embedder = :e AND f.version = :v)
              {skip_errors}
            ORDER BY s.id"""
        return [tuple(r) for r in self._db.execute(sql, {"e": embedder, "v": version})]

    def samples_to_hear(self, version: str) -> list[tuple[int, str, float | None]]:
        """(id, path, duration) of usable samples not listened to for a tempo by this version
        of `core.audio.heard_tempo`."""
        sql = """
            SELECT s.id, s.path, s.duration FROM samples s
            WHERE s.status = 'ok'
              AND NOT EXISTS (SELECT 1 FROM heard_tempos h WHERE h.sample_id = s.id
                              AND h.version = ?)
            ORDER BY s.id"""
        return [tuple(r) for r in self._db.execute(sql, (version,))]

    def carry_heard_nothing(self, versions: Sequence[str], version: str) -> int:
        """Mark the loops in which the listening `versions` heard no tempo as listened to by
        `version` (one that hears no tempo wherever they heard none); returns how many."""
        if not versions:
            return 0
        marks = ", ".join("?" * len(versions))
        with self.transaction() as db:
            return db.execute(
                f"UPDATE heard_tempos SET version = ? WHERE tempo IS NULL AND version IN ({marks})",
                (version, *versions),
            ).rowcount

    def put_heard_tempo(self, sample_id: int, version: str, tempo: float | None) -> None:
        """Keep the tempo heard in a loop (None: none heard); a forgotten loop is skipped."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO heard_tempos(sample_id, version, tempo, heard_at)"
                " SELECT id, ?, ?, ? FROM samples WHERE id = ?",
                (version, tempo, time.time(), sample_id),
            )

    def count_embedded(self, embedder: str, version: str) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM features WHERE embedder = ? AND version = ?", (embedder, version)
        ).fetchone()[0]

    def put_features(self, sample_id: int, embedder: str, version: str, vector: np.ndarray) -> None:
        """Store a loop's vector; a loop forgotten while it was being embedded is skipped."""
        vector = np.ascontiguousarray(vector, dtype=np.float32).ravel()
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO features(sample_id, embedder, version, dim, vector,"
                " created_at) SELECT id, ?, ?, ?, ?, ? FROM samples WHERE id = ?",
                (embedder, version, vector.size, vector.tobytes(), time.time(), sample_id),
            )
            db.execute(
                "DELETE FROM feature_errors WHERE sample_id = ? AND embedder = ?",
                (sample_id, embedder),
            )

    def put_feature_error(self, sample_id: int, embedder: str, version: str, message: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO feature_errors(sample_id, embedder, version, message,"
                " created_at) SELECT id, ?, ?, ?, ? FROM samples WHERE id = ?",
                (embedder, version, message, time.time(), sample_id),
            )

    def feature_matrix(
        self, embedder: str, version: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sample ids, n x d float32 matrix) of every usable sample with this embedder
        (and version, if given)."""
        # `+f.embedder`: not through the features_kind index, which would cost a sort of every
        # vector (440 ms at 100,000 loops); the rows come in id order along the primary key
        rows = fetch_all(  # a chunk at a time, as the matrix below (see `chunked`)
            self._db.execute(
                "SELECT f.sample_id, f.dim, f.vector FROM features f"
                " JOIN samples s ON s.id = f.sample_id"
                " WHERE +f.embedder = ? AND (? IS NULL OR f.version = ?) AND s.status = 'ok'"
                " ORDER BY f.sample_id",
                (embedder, version, version),
            )
        )
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        if any(len(r[2]) != 4 * r[1] for r in rows):  # the slow count, for a damaged library
            raise self._damaged_vectors(sum(not sound_vector(r[2], r[1]) for r in rows))
        dims = {r[1] for r in rows}
        if len(dims) > 1:  # one embedder version makes one width
            widths = ", ".join(str(d) for d in sorted(dims))
            raise LibraryDamagedError(
                self.path, f"its {embedder} embeddings have different widths ({widths})"
            )
        matrix = np.empty((len(rows), dims.pop()), dtype=np.float32)
        for start in range(0, len(rows), chunked.CHUNK_ROWS):
            chunk = rows[start : start + chunked.CHUNK_ROWS]
            matrix[start : start + len(chunk)] = np.frombuffer(
                b"".join(r[2] for r in chunk), dtype=np.float32
            ).reshape(len(chunk), -1)
        # (sound_vector's rule, for the whole matrix at once)
        if not np.isfinite(matrix).all():
            raise self._damaged_vectors(int((~np.isfinite(matrix).all(axis=1)).sum()))
        return ids, matrix

    def _damaged_vectors(self, count: int) -> LibraryDamagedError:
        return LibraryDamagedError(
            self.path,
            f"{count} of its embeddings {'is' if count == 1 else 'are'} not numbers of their width",
        )

    def feature_vector(
        self, sample_id: int, embedder: str, version: str | None = None
    ) -> np.ndarray | None:
        """One loop's vector of this embedder (and version, if given), or None."""
        row = self._db.execute(
            "SELECT vector FROM features WHERE sample_id = ? AND embedder = ?"
            " AND (? IS NULL OR version = ?)",
            (int(sample_id), embedder, version, version),
        ).fetchone()
        if row is None:
            return None
        vector = np.frombuffer(row[0], dtype=np.float32).copy()
        if not np.isfinite(vector).all():
            raise self._damaged_vectors(1)
        return vector

    def embedder_names(self) -> list[str]:
        """Names of the embedders this library holds vectors for (built-in or imported)."""
        return [n for (n,) in self._db.execute("SELECT DISTINCT embedder FROM features ORDER BY 1")]

    def embedder_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT embedder || ':' || version, COUNT(*) FROM features GROUP BY embedder, version"
        )
        return dict(rows.fetchall())

    # ------------------------------------------------------------------ user data
    def set_flag(self, sample_ids: Iterable[int], flag: str | None) -> None:
        self.set_user_data("flag", {flag: sample_ids})

    def set_note(self, sample_ids: Iterable[int], note: str | None) -> None:
        self.set_user_data("note", {note: sample_ids})

    def set_tags(self, sample_ids: Iterable[int], tags: str | Iterable[str] | None) -> None:
        """Give these loops exactly these tags ("dark, song-a", or a list; None or "" takes
        every tag off them). See `user_tags`."""
        self.set_user_data("tags", {stored_tags(parse_tags(tags)): sample_ids})

    def set_tempo(self, sample_ids: Iterable[int], tempo: float | None) -> None:
        """Set these loops' tempo by hand (BPM, within SETTABLE_TEMPO), over what their
        names, tags and sound say; None gives those back."""
        self.set_user_data("tempo", {tempo: sample_ids})

    def set_key(self, sample_ids: Iterable[int], key: str | None) -> None:
        """Set these loops' key by hand (any spelling `spell_key` reads: "am", "F# minor");
        None gives back what their names and tags say."""
        self.set_user_data("key", {key: sample_ids})

    def set_user_data(self, field: str, values: Mapping[object, Iterable[int]]) -> None:
        """Set the flag, note, tags, tempo or key of many loops at once, {value: sample ids},
        each value as `set_flag`, `set_note`, `set_tags`, `set_tempo` or `set_key` take it, in
        one transaction."""
        if field not in USER_FIELDS:
            raise ValueError(f"no such user data: {field!r}")
        tidied: dict[object, list[int]] = {}
        for value, sample_ids in values.items():
            if field == "flag" and value is not None and value not in FLAGS:
                raise ValueError(f"flag must be one of {FLAGS} or None, not {value!r}")
            if field == "tags":
                value = stored_tags(parse_tags(value))
            if field == "tempo" and value is not None:
                value = settable_tempo(value)
            if field == "key" and value is not None:
                value = settable_key(value)
            tidied.setdefault(value or None, []).extend(int(i) for i in sample_ids)
        with self.transaction() as db:
            if len(tidied) <= self.STATEMENTS_PER_VALUE:
                for value, ids in tidied.items():
                    self._upsert_user_data(db, field, ids, value)
            else:
                self._upsert_user_data_each(db, field, tidied)
        self._flags_changed = True

    def rename_tag(self, old: str, new: str | None) -> int:
        """Rename a tag on every loop that has it (case aside; `new` None or "" takes it off
        them all); a loop that has both keeps one. Returns how many loops changed."""
        matches = tag_matcher(old)
        rows = self._db.execute("SELECT sample_id, tags FROM user_data WHERE tags IS NOT NULL")
        ids = [sample_id for sample_id, text in rows.fetchall() if matches(text)]
        return self.edit_tags(ids, add=[new] if new else [], remove=[old])

    def edit_tags(
        self, sample_ids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> int:
        """Add tags to these loops and take others off, each loop keeping its other tags;
        returns how many loops' tags changed."""
        add, remove = list(add), list(remove)
        edited: dict[str | None, str | None] = {}  # loops tagged alike edit alike
        changes: dict[str | None, list[int]] = {}
        with self.transaction() as db:
            for sample_id in sample_ids:
                row = db.execute(
                    "SELECT tags FROM user_data WHERE sample_id = ?", (int(sample_id),)
                ).fetchone()
                before = row[0] if row else None
                if before not in edited:
                    edited[before] = edited_tags(before, add, remove)
                if edited[before] != before:
                    changes.setdefault(edited[before], []).append(sample_id)
            self.set_user_data("tags", changes)
        return sum(map(len, changes.values()))

    #: up to this many values, a statement each (100,000 loops given one: 0.06-0.08 s);
    #: more go as one statement of (id, value) pairs (0.14-0.18 s for 100,000 loops, where
    #: 1,359 different sets of tags took 0.35 s as a statement each)
    STATEMENTS_PER_VALUE = 16

    @staticmethod
    def _upsert_user_data(
        db: sqlite3.Connection, column: str, sample_ids: list[int], value: object
    ) -> None:
        """Set one field of these loops' user data to `value`; a loop no longer in the library
        (forgotten from the command line while a window kept it on its undo history) is
        skipped: there is nothing left to annotate, and its id must not fail the other loops'
        change."""
        # one statement over the ids as a JSON array, in order (the table's order is the
        # B-tree's at random): 100,000 loops of the window's selection took 0.7 s as an
        # execute each, 0.4 s in the table's order and 0.07 s so
        db.execute(
            f"INSERT INTO user_data(sample_id, {column}, updated_at)"
            " SELECT s.id, ?, ? FROM samples s JOIN json_each(?) j ON s.id = j.value"
            f" WHERE true ON CONFLICT(sample_id) DO UPDATE SET {column} = excluded.{column},"
            " updated_at = excluded.updated_at",
            (value, time.time(), json.dumps(sorted(sample_ids))),
        )

    @staticmethod
    def _upsert_user_data_each(
        db: sqlite3.Connection, column: str, values: Mapping[object, list[int]]
    ) -> None:
        """`_upsert_user_data` for many values at once: one statement over (id, value) pairs.
        `json_extract`, not the `->>` of SQLite 3.38 (as fast here): Ubuntu 22.04's Python
        has SQLite 3.37."""
        # by id alone, stably: an id given twice gets its last value, as statements in turn
        pairs = sorted(((i, value) for value, ids in values.items() for i in ids), key=_first)
        db.execute(
            f"INSERT INTO user_data(sample_id, {column}, updated_at)"
            " SELECT s.id, json_extract(j.value, '$[1]'), ? FROM json_each(?) j"
            " JOIN samples s ON s.id = json_extract(j.value, '$[0]')"
            f" WHERE true ON CONFLICT(sample_id) DO UPDATE SET {column} = excluded.{column},"
            " updated_at = excluded.updated_at",
            (time.time(), json.dumps(pairs)),
        )
