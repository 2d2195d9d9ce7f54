"""Repair a damaged library: a new one made of every row that can still be read.

A disk fault, a sync tool or a crash of the system can damage pages of the library file. SQLite
then refuses every read that touches them ("database disk image is malformed"), and the
producer's flags and notes, and hours of embeddings, sit in the pages around them. Repairing
sets the damaged file aside (renamed, never deleted), makes a new library under its name and
copies into it, table by table and in row order, every row SQLite can still read; a damaged
stretch is stepped over and the copy goes on after it. Rows keep their ids, so flags stay on
their loops and scores on their runs, and the runs' detector checkpoints (named by run id)
still belong to them. A folder whose row was lost is rebuilt from its loops' paths. What is
lost comes back, where it can: a rescan finds lost loops again, an embed job their vectors, a
training their scores.

Read with SQLite itself rather than by parsing pages: a stretch behind a damaged interior page
is lost here where sqlite3's `.recover` (not in Python's sqlite3) could still find it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.flag_backup import FlaggedLoop, read_flag_backup
from anomalizer_desktop.core.library.library_files import (
    LIBRARY_SUFFIXES,
    in_use_elsewhere,
    set_aside,
)
from anomalizer_desktop.core.library.schema import SCHEMA_VERSION, SQLITE_HEADER
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity, quantity_with_verb

#: the library's tables in the order they are copied: each after the tables it refers to
TABLES = ("roots", "samples", "user_data", "features", "feature_errors", "runs", "scores")

#: what a table's rows refer to: (column, table whose id it must be); a row whose reference
#: was lost is dropped (a flag without its loop), except a loop's folder, which is rebuilt
_REFERENCES = {
    "user_data": (("sample_id", "samples"),),
    "features": (("sample_id", "samples"),),
    "feature_errors": (("sample_id", "samples"),),
    "scores": (("run_id", "runs"), ("sample_id", "samples")),
}

#: the labels people read for each table
_WHAT = {
    "roots": "folders",
    "samples": "loops",
    "user_data": "flags and notes",
    "features": "embeddings",
    "feature_errors": "embedding errors",
    "runs": "training runs",
    "scores": "scores",
}

#: how many schema versions ahead a library may be and be taken for a newer app's, not for a
#: damaged header's garbage
_NEWER_AT_MOST = 1000

#: rows copied between two progress reports
_REPORT_EVERY = 2_000


class RepairError(AnomalizerError):
    """The library cannot be repaired here (not there, written by a newer version, or its
    folder cannot be written); it is left as it was."""


@dataclass
class TableRepair:
    """What became of one table: rows copied, rows read but dropped (their loop or run was
    lost, or what was read breaks the schema), damaged stretches stepped over."""

    kept: int = 0
    dropped: int = 0
    stretches: int = 0


@dataclass
class Repaired:
    """The outcome of `repair_library`: the repaired library, where the damaged one is kept,
    and what happened to each table."""

    library: Path
    kept_as: Path  # the damaged file's new name
    tables: dict[str, TableRepair] = field(default_factory=dict)
    rebuilt_folders: int = 0
    #: flags and notes given back from the backup beside the library (`flag_backup`), and
    #: how many of their loops were lost too (back as missing: a rescan finds them)
    restored_flags: int = 0
    restored_loops: int = 0
    backup_written_at: float | None = None  # None: there was no backup to read

    def summary(self) -> str:
        """A few lines for people: what was kept, what was lost, what brings it back."""
        kept = ", ".join(
            f"{self.tables[t].kept:,} {_WHAT[t]}"
            for t in ("samples", "user_data", "features", "runs")
            if t in self.tables
        )
        lines = [f"Repaired the library {self.library}: kept {kept}."]
        lost = [name for name, table in self.tables.items() if table.dropped or table.stretches]
        if self.rebuilt_folders:  # what matters of a folder's entry is made again
            lost = [name for name in lost if name != "roots"]
            lines.append(
                f"{quantity(self.rebuilt_folders, 'folder')} whose entry could not be read:"
                " made again from their loops' paths."
            )
        if not lost:
            lines.append(
                "Nothing else was lost."
                if self.rebuilt_folders
                else "Every row could be read: nothing was lost."
            )
        else:
            lines.append(f"Not all could be read: some {', '.join(_WHAT[t] for t in lost)}.")
            if set(lost) & {"samples", "features", "feature_errors", "runs", "scores"}:
                lines.append(
                    "Rescan, embed and train to make the lost loops, embeddings and scores again."
                )
            flags = self._flags_line()
            if flags is not None:
                lines.append(flags)
        lines.append(f"The damaged file is kept as {self.kept_as}.")
        return "\n".join(lines)

    def _flags_line(self) -> str | None:
        """What became of the flags and notes that could not be read (None: none were lost)."""
        user_data = self.tables.get("user_data", TableRepair())
        if not (user_data.dropped or user_data.stretches or self.restored_flags):
            return None
        if self.backup_written_at is None:
            return "Flags and notes that could not be read, or whose loop was lost, are gone."
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.backup_written_at))
        if not self.restored_flags:
            return (
                f"The backup of the flags beside the library (written {when}) held none of"
                " the lost ones: they are gone."
            )
        line = (
            f"Flags and notes of {quantity(self.restored_flags, 'loop')} came back from the"
            f" backup beside the library (written {when}); any set after it are gone."
        )
        if self.restored_loops:
            line += (
                f" {quantity_with_verb(self.restored_loops, 'loop', 'is', 'are')} missing"
                f" until the next rescan finds {'it' if self.restored_loops == 1 else 'them'},"
                " flags and all."
            )
        return line


def find_damage(path: str | os.PathLike[str], limit: int = 3) -> str | None:
    """The first problems SQLite's quick check finds in the library at `path` (at most
    `limit`, one per line), or None when it is sound. Reads every page once: 0.2-0.4 s at
    100,000 loops when the file is in the system's cache. Only reads."""
    try:
        with contextlib.closing(_read_only(Path(path))) as db:
            found = [row[0] for row in db.execute(f"PRAGMA quick_check({int(limit) + 1})")]
    except sqlite3.DatabaseError as error:
        return str(error)
    if found == ["ok"]:
        return None
    # the first line names the database ("*** in database main ***"), not the damage
    lines = [line for row in found for line in str(row).splitlines()]
    return "\n".join(line for line in lines if not line.startswith("*** ")) or lines[0]


class _Cancelled(Exception):
    """Raised inside the copy's transaction to end it with nothing written."""


def repair_library(path: str | os.PathLike[str], cancel: CancelToken | None = None) -> Job:
    """Make a new library of what can be read from the one at `path`, then set that one aside
    and put the new one in its place; returns `Repaired`, or None when cancelled. The new one
    is made under another name (`<name>.repairing`) and takes the library's name only once
    it is whole, so a repair that fails, is cancelled or is killed leaves the library as it
    was, never half a library under its name."""
    library = Path(path).expanduser().absolute()
    _refuse(library)
    building = library.with_name(f"{library.name}.repairing")
    _remove_library_files(building)  # what a repair that was killed left
    outcome = Repaired(library, library)
    backup, outcome.backup_written_at = read_flag_backup(library)
    try:
        with Store(building) as fresh:
            fresh.backs_up_flags = False  # the library's own backup stays the one beside it
            yield from _copy_readable(library, fresh, outcome, cancel or CancelToken())
            with fresh.transaction() as new:
                _restore_flags(new, backup, outcome)
    except _Cancelled:
        _remove_library_files(building)
        return None
    except BaseException:
        _remove_library_files(building)
        raise
    # closed, the new library is one file (SQLite folds its journal in as the last connection
    # goes): the two renames are all that stands between the old library and the new
    outcome.kept_as = set_aside(library)
    for suffix in LIBRARY_SUFFIXES:
        part = Path(f"{building}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{library}{suffix}"))
    return outcome


def _refuse(library: Path) -> None:
    """Raise RepairError when there is nothing to repair, or repairing would lose more."""
    if not library.is_file():
        raise RepairError(f"no library file at {library}")
    with open(library, "rb") as handle:
        head_and_version = handle.read(64)
    if head_and_version[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise RepairError(
            f"{library} does not start as an SQLite database does; it is left as it is (if it"
            " is your library, its first page is lost and nothing in it can be read here)"
        )
    if in_use_elsewhere(library):
        raise RepairError(
            f"the library {library} is open in another program (the window, or another"
            " anomalizer command): close it there and repair again"
        )
    if not os.access(library.parent, os.W_OK):
        raise RepairError(
            f"cannot repair {library}: this user may not write to its folder; copy it to a"
            " folder you can write to and repair it there"
        )
    version = _schema_version(library, int.from_bytes(head_and_version[60:64], "big"))
    if SCHEMA_VERSION < version <= SCHEMA_VERSION + _NEWER_AT_MOST:  # more: a damaged header
        raise RepairError(
            f"{library} was written by a newer anomalizer-desktop (schema version {version});"
            " repair it with that version"
        )


def _schema_version(library: Path, in_header: int) -> int:
    """The library's schema version as SQLite reads it (the journal may hold a newer one than
    the file's header, `in_header`, which is what is left when SQLite cannot read it). The
    index and journal files SQLite makes to read it go again: the library is left as found."""
    made = [
        Path(f"{library}{s}") for s in LIBRARY_SUFFIXES[1:] if not Path(f"{library}{s}").exists()
    ]
    try:
        with contextlib.closing(_read_only(library)) as db:
            return db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return in_header
    finally:
        for part in made:
            part.unlink(missing_ok=True)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read `path` and checks each row's size as it reads (so a
    damaged page is found, not copied)."""
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None)
    db.execute("PRAGMA cell_size_check = ON")
    return db


@contextlib.contextmanager
def _reading(damaged: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the damaged library. Where its first page is lost (SQLite's
    list of tables, and the file's header), to a copy of it whose first page is that of a new
    library: the tables sit at the same pages in every library of this schema (made by one
    migration on an empty file, and never vacuumed), so the rest of the file reads again."""
    db = _read_only(damaged)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        db.close()
    else:
        try:
            yield db
        finally:
            db.close()
        return
    mended = damaged.with_name(f"{damaged.name}.first-page-mended")
    try:
        _copy_with_new_first_page(damaged, mended)
        db = _read_only(mended)
    except (OSError, sqlite3.DatabaseError):  # no room for the copy: read what SQLite can
        _remove_library_files(mended)
        db = _read_only(damaged)
    try:
        yield db
    finally:
        db.close()
        _remove_library_files(mended)


def _copy_with_new_first_page(damaged: Path, mended: Path) -> None:
    """Copy `damaged` to `mended`, its first page replaced by a new library's (with the page
    count of `damaged`)."""
    with tempfile.TemporaryDirectory() as folder:
        with Store(Path(folder) / "new.sqlite"):
            pass
        first = (Path(folder) / "new.sqlite").read_bytes()
    page_size = int.from_bytes(first[16:18], "big") or 65536
    pages = damaged.stat().st_size // page_size
    first = bytearray(first[:page_size])
    first[28:32] = pages.to_bytes(4, "big")  # the file's size in pages
    shutil.copyfile(damaged, mended)
    with open(mended, "r+b") as handle:
        handle.write(first)


def _remove_library_files(library: Path) -> None:
    for suffix in LIBRARY_SUFFIXES:
        Path(f"{library}{suffix}").unlink(missing_ok=True)


def _copy_readable(
    source: Path, fresh: Store, outcome: Repaired, cancel: CancelToken
) -> Iterator[Progress]:
    """Copy every readable row of each table into `fresh`, in one transaction."""
    with _reading(source) as old, fresh.transaction() as new:
        estimate = _estimate_rows(old)
        ids: dict[str, set[int]] = {"roots": set(), "samples": set(), "runs": set()}
        done = 0
        for table in TABLES:
            yield Progress(done, estimate, f"repairing: reading {_WHAT[table]}")
            report = outcome.tables[table] = TableRepair()
            columns = [row[1] for row in new.execute(f"PRAGMA table_info({table})")]
            insert = (
                f"INSERT INTO {table}({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})"
            )
            references = [
                (columns.index(column), ids[target])
                for column, target in _REFERENCES.get(table, ())
            ]
            for row in _readable_rows(old, table, columns, report):
                if any(row[i] not in wanted for i, wanted in references):
                    report.dropped += 1  # a flag, vector or score whose loop or run was lost
                    continue
                if table == "features" and not _sound_vector(row, columns):
                    report.dropped += 1  # read from a damaged page: embed it again
                    continue
                if table == "samples":
                    row = _with_root(new, old, row, ids["roots"], outcome)
                try:
                    new.execute(insert, row)
                except sqlite3.IntegrityError:  # what was read breaks the schema: garbage
                    report.dropped += 1
                    continue
                report.kept += 1
                if table in ids:
                    ids[table].add(row[0])
                done += 1
                if done % _REPORT_EVERY == 0:
                    if cancel.cancelled:
                        raise _Cancelled
                    yield Progress(done, estimate, f"repairing: {_WHAT[table]}")
        yield Progress(done, done, "repairing: writing the new library")


def _restore_flags(new: sqlite3.Connection, backup: list[FlaggedLoop], outcome: Repaired) -> None:
    """Give back, from the backup, the flags and notes of loops that have none in the repaired
    library; a loop whose row was lost comes back as missing, with its content hash (a rescan
    finds its file there, or moved, by its bytes). Found by path only: a copy of the loop
    elsewhere in the library has the same bytes, and must not take its flag."""
    annotated = {sample for (sample,) in new.execute("SELECT sample_id FROM user_data")}
    by_path = dict(new.execute("SELECT path, id FROM samples"))
    roots = new.execute("SELECT id, path FROM roots").fetchall()
    for loop in backup:
        if loop.flag not in (None, "typical", "unusual") or (loop.flag is None and not loop.note):
            continue
        sample = by_path.get(loop.path)
        if sample is None:
            now = time.time()
            sample = new.execute(
                "INSERT INTO samples(path, root_id, content_hash, status, first_seen, last_seen)"
                " VALUES (?, ?, ?, 'missing', ?, ?)",
                (loop.path, _root_of(loop.path, roots), loop.content_hash, now, now),
            ).lastrowid
            by_path[loop.path] = sample
            outcome.restored_loops += 1
        if sample in annotated:
            continue
        new.execute(
            "INSERT INTO user_data(sample_id, flag, note, updated_at) VALUES (?, ?, ?, ?)",
            (sample, loop.flag, loop.note, loop.updated_at),
        )
        annotated.add(sample)
        outcome.restored_flags += 1


def _root_of(path: str, roots: list[tuple[int, str]]) -> int | None:
    """The id of the deepest library folder that holds `path`, or None."""
    holding = [(len(folder), root) for root, folder in roots if path.startswith(folder + os.sep)]
    return max(holding)[1] if holding else None


def _sound_vector(row: tuple, columns: list[str]) -> bool:
    """Whether a features row holds `dim` finite float32 numbers, as the embed job writes
    them (garbage read from a damaged page seldom does)."""
    vector, dim = row[columns.index("vector")], row[columns.index("dim")]
    if not isinstance(vector, bytes) or not isinstance(dim, int) or len(vector) != 4 * dim:
        return False
    return bool(np.isfinite(np.frombuffer(vector, dtype=np.float32)).all())


def _estimate_rows(db: sqlite3.Connection) -> int:
    """About how many rows there are (each table's largest id), for the progress bar; 0 when
    that cannot be read."""
    total = 0
    for table in TABLES:
        try:
            total += db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        except sqlite3.DatabaseError:
            continue
    return total


def _readable_rows(
    db: sqlite3.Connection, table: str, columns: list[str], report: TableRepair
) -> Iterator[tuple]:
    """Every row of `table` SQLite can read, in rowid order: where a read fails, the next
    row that can be read is found (`_next_readable`) and the copy goes on from there."""
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? ORDER BY rowid"
    after = _FIRST
    while True:
        try:
            for row in db.execute(select, (after,)):
                after = row[0]
                yield row[1:]
            return
        except sqlite3.DatabaseError:
            report.stretches += 1
            found = _next_readable(db, select, after)
            if found is None:
                return
            after = found


#: below every rowid, and above every rowid SQLite stores
_FIRST, _LAST = -(2**63), 2**63 - 1


def _readable_from(db: sqlite3.Connection, select: str, after: int) -> bool:
    """Whether the first row after `after` (or the table's end) can be read."""
    try:
        db.execute(f"{select} LIMIT 1", (after,)).fetchall()
    except sqlite3.DatabaseError:
        return False
    return True


def _next_readable(db: sqlite3.Connection, select: str, after: int) -> int | None:
    """The least rowid `start` > `after` from which reading works again (the rows in between
    are in damaged pages), or None when there is none. Steps out in doubling strides, then
    halves back to where the damaged stretch ends."""
    stride = 1
    while after + stride < _LAST and not _readable_from(db, select, after + stride):
        stride *= 2
    if after + stride >= _LAST:
        return None
    low, high = after + stride // 2, after + stride  # low fails (or is `after`), high reads
    while high - low > 1:
        middle = (low + high) // 2
        if _readable_from(db, select, middle):
            high = middle
        else:
            low = middle
    return high


def _with_root(
    new: sqlite3.Connection,
    old: sqlite3.Connection,
    row: tuple,
    roots: set[int],
    outcome: Repaired,
) -> tuple:
    """The loop's row, its folder made again first when that folder's row was lost (the
    deepest folder holding all its loops that can be read), or pointed at the folder of that
    path when there is one already."""
    root_id, path = row[2], row[1]
    if root_id is None or root_id in roots:
        return row
    paths = [path]
    with contextlib.suppress(sqlite3.DatabaseError):  # else this loop's own path will do
        paths += [
            p for (p,) in old.execute("SELECT path FROM samples WHERE root_id = ?", (root_id,))
        ]
    folders = [os.path.dirname(p) for p in paths if isinstance(p, str) and os.path.isabs(p)]
    if not folders:
        return (*row[:2], None, *row[3:])
    folder = os.path.commonpath(folders)
    existing = new.execute("SELECT id FROM roots WHERE path = ?", (folder,)).fetchone()
    if existing is not None:
        return (*row[:2], existing[0], *row[3:])
    new.execute(
        "INSERT INTO roots(id, path, added_at) VALUES (?, ?, ?)", (root_id, folder, time.time())
    )
    roots.add(root_id)
    outcome.rebuilt_folders += 1
    return row
