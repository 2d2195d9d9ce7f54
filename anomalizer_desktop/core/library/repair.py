"""Repair a damaged library: a new one made of every row that can still be read.

A disk fault, a sync tool or a crash of the system can damage pages of the library file. SQLite
then refuses every read that touches them ("database disk image is malformed"), and the
producer's flags and notes, and hours of embeddings, sit in the pages around them. Repairing
makes a new library under another name and copies into it, table by table and in row order,
every row SQLite can still read, stepping over damaged stretches; only when it is whole does the
damaged file step aside (renamed, never deleted) and the new one take its name. Rows keep their
ids, so flags stay on their loops and scores on their runs, and the runs' detector checkpoints
(named by run id) still belong to them. A folder whose row was lost is made again from its
loops' paths; flags and notes that could not be read come back from their backup beside the
library (`flag_backup`). The rest of what is lost comes back as it came: a rescan finds lost
loops again, an embed job their vectors, a training their scores.

How the damaged file is read is in `damaged_file`; what the producer is told, in
`repair_report`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.damaged_file import read_only, readable_rows, reading
from anomalizer_desktop.core.library.flag_backup import FlaggedLoop, read_flag_backup
from anomalizer_desktop.core.library.library_files import (
    LIBRARY_SUFFIXES,
    in_use_elsewhere,
    remove_library_files,
    set_aside,
)
from anomalizer_desktop.core.library.page_rows import PageRows, page_rows
from anomalizer_desktop.core.library.repair_report import WHAT, Repaired, TableRepair
from anomalizer_desktop.core.library.schema import FULL_BELOW, SCHEMA_VERSION, SQLITE_HEADER
from anomalizer_desktop.core.library.store import (
    LibraryDamagedError,
    Store,
    StoreError,
    sound_vector,
)
from anomalizer_desktop.core.library.user_tags import parse_tags, stored_tags
from anomalizer_desktop.core.text import file_size

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

#: how many schema versions ahead a library may be and be taken for a newer app's, not for a
#: damaged header's garbage
_NEWER_AT_MOST = 1000

#: rows copied between two progress reports
_REPORT_EVERY = 2_000


class RepairError(AnomalizerError):
    """The library cannot be repaired here (not there, written by a newer version, or its
    folder cannot be written); it is left as it was."""


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
    remove_library_files(building)  # what a repair that was killed left
    outcome = Repaired(library, library)
    backup, outcome.backup_written_at = read_flag_backup(library)
    try:
        with Store(building) as fresh:
            fresh.backs_up_flags = False  # the library's own backup stays the one beside it
            yield from _copy_readable(library, fresh, outcome, cancel or CancelToken())
            with fresh.transaction() as new:
                _restore_flags(new, backup, outcome)
    except _Cancelled:
        remove_library_files(building)
        return None
    except StoreError as error:  # the new library could not be written (a drive that filled)
        remove_library_files(building)
        if isinstance(error, LibraryDamagedError):
            raise
        raise RepairError(
            f"cannot repair the library {library}: {_cause(error)}; it is as it was"
        ) from None
    except BaseException:
        remove_library_files(building)
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
    # the repaired copy is about as large as the library, and SQLite needs room to work
    needed = library.stat().st_size + FULL_BELOW
    free = shutil.disk_usage(library.parent).free
    if free < needed:
        raise RepairError(
            f"cannot repair {library}: the repaired copy needs about {file_size(needed)} beside"
            f" it and its drive has {file_size(free)} free; make room and repair again"
        )
    version = _schema_version(library, int.from_bytes(head_and_version[60:64], "big"))
    if SCHEMA_VERSION < version <= SCHEMA_VERSION + _NEWER_AT_MOST:  # more: a damaged header
        raise RepairError(
            f"{library} was written by a newer anomalizer-desktop (schema version {version});"
            " repair it with that version"
        )


def _file_of(db: sqlite3.Connection) -> Path:
    """The file `db` reads (the damaged library, or the copy of it with its first page
    mended: `reading`)."""
    return Path(next(row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"))


def _rows_to_copy(
    db: sqlite3.Connection,
    table: str,
    read: list[str],
    report: TableRepair,
    pages: PageRows,
) -> Iterator[tuple[tuple, bool]]:
    """The `read` columns of each row of `table` SQLite reads, then of each row the file's
    pages hold (`page_rows`) whose rowid it did not read; each with whether it came from
    the pages."""
    seen = set()
    for rowid, row in readable_rows(db, table, read, report):
        seen.add(rowid)
        yield row, False
    unread = sorted(pages.rowids(table) - seen)
    found = pages.rows(table, unread, read) if unread else {}
    for rowid in unread:
        if rowid in found:  # (not: its cell could not be read, or its record fits no row)
            yield found[rowid], True


def _columns_of(db: sqlite3.Connection, table: str) -> list[str]:
    """The columns `table` has in a library being repaired; [] when its schema cannot be
    read (then the current schema's columns are tried)."""
    try:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError:
        return []


def _widened(row: tuple, read: list[str], columns: list[str]) -> tuple:
    """A row read with the columns `read`, laid out as `columns` (the others None)."""
    values = dict(zip(read, row, strict=True))
    return tuple(values.get(column) for column in columns)


def _cause(error: StoreError) -> str:
    """What a Store's refused write said, without naming the half-made library's file."""
    text = str(error)
    return text.split(": ", 1)[1].removesuffix("; nothing was changed") if ": " in text else text


def _schema_version(library: Path, in_header: int) -> int:
    """The library's schema version as SQLite reads it (the journal may hold a newer one than
    the file's header, `in_header`, which is what is left when SQLite cannot read it). The
    index and journal files SQLite makes to read it go again: the library is left as found."""
    made = [
        Path(f"{library}{s}") for s in LIBRARY_SUFFIXES[1:] if not Path(f"{library}{s}").exists()
    ]
    try:
        with contextlib.closing(read_only(library)) as db:
            return db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return in_header
    finally:
        for part in made:
            part.unlink(missing_ok=True)


def _copy_readable(
    source: Path, fresh: Store, outcome: Repaired, cancel: CancelToken
) -> Iterator[Progress]:
    """Copy every readable row of each table into `fresh`, in one transaction."""
    with contextlib.ExitStack() as stack:
        old = stack.enter_context(reading(source))
        new = stack.enter_context(fresh.transaction())
        estimate = _estimate_rows(old)
        ids: dict[str, set[int]] = {"samples": set(), "runs": set()}
        #: each folder id the old rows name -> the id they get (None: no folder); a lost
        #: folder's entry is worked out once, by the first of its loops
        folders: dict[int, int | None] = {}
        # the rows as the file's pages hold them: for those SQLite cannot reach (below a page
        # of a tree written over; a root written over with a copy of another table's page
        # passes SQLite's check, and that table's rows were all lost)
        pages = stack.enter_context(page_rows(_file_of(old), old, TABLES))
        done = 0
        for table in TABLES:
            yield Progress(done, estimate, f"repairing: reading {WHAT[table]}")
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
            if table == "features":
                vector, dim = columns.index("vector"), columns.index("dim")
            # a library of an older schema lacks the columns added since: they stay empty
            present = _columns_of(old, table) or columns
            read = [c for c in columns if c in present]
            for found, from_pages in _rows_to_copy(old, table, read, report, pages):
                row = found if read == columns else _widened(found, read, columns)
                if any(row[i] not in wanted for i, wanted in references):
                    report.dropped += 1  # a flag, vector or score whose loop or run was lost
                    continue
                if table == "features" and not sound_vector(row[vector], row[dim]):
                    report.dropped += 1  # read from a damaged page: embed it again
                    continue
                if table == "samples":
                    row = _with_root(new, old, row, folders, outcome)
                try:
                    new.execute(insert, row)
                except sqlite3.IntegrityError:  # what was read breaks the schema: garbage
                    report.dropped += 1
                    continue
                report.kept += 1
                report.recovered += from_pages
                if table in ids:
                    ids[table].add(row[0])
                elif table == "roots":
                    folders[row[0]] = row[0]
                done += 1
                if done % _REPORT_EVERY == 0:
                    if cancel.cancelled:
                        raise _Cancelled
                    yield Progress(done, estimate, f"repairing: {WHAT[table]}")
        yield Progress(done, done, "repairing: writing the new library")


def _restore_flags(new: sqlite3.Connection, backup: list[FlaggedLoop], outcome: Repaired) -> None:
    """Give back, from the backup, the flags, notes and tags of loops that have none in the repaired
    library; a loop whose row was lost comes back as missing, with its content hash (a rescan
    finds its file there, or moved, by its bytes). Found by path only: a copy of the loop
    elsewhere in the library has the same bytes, and must not take its flag."""
    annotated = {sample for (sample,) in new.execute("SELECT sample_id FROM user_data")}
    by_path = dict(new.execute("SELECT path, id FROM samples"))
    # the bytes of loops whose flags were read: a backup entry under another path is such a
    # loop, moved since the backup was written, not a loop that was lost
    annotated_hashes = {
        digest
        for (digest,) in new.execute(
            "SELECT s.content_hash FROM user_data u JOIN samples s ON s.id = u.sample_id"
            " WHERE s.content_hash IS NOT NULL"
        )
    }
    roots = new.execute("SELECT id, path FROM roots").fetchall()
    for loop in backup:
        tags = stored_tags(parse_tags(loop.tags))
        mine = (loop.flag, loop.note, tags, loop.tempo, loop.key)
        if loop.flag not in (None, "typical", "unusual") or not any(mine):
            continue
        sample = by_path.get(loop.path)
        if sample is None and loop.content_hash in annotated_hashes:
            continue
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
            "INSERT INTO user_data(sample_id, flag, note, tags, tempo, key, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample, loop.flag, loop.note, tags, loop.tempo, loop.key, loop.updated_at),
        )
        annotated.add(sample)
        outcome.restored_flags += 1


def _root_of(path: str, roots: list[tuple[int, str]]) -> int | None:
    """The id of the deepest library folder that holds `path`, or None."""
    holding = [(len(folder), root) for root, folder in roots if path.startswith(folder + os.sep)]
    return max(holding)[1] if holding else None


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


def _with_root(
    new: sqlite3.Connection,
    old: sqlite3.Connection,
    row: tuple,
    folders: dict[int, int | None],
    outcome: Repaired,
) -> tuple:
    """The loop's row pointing at the folder it gets in the new library: its own, or, when
    that folder's row was lost, the folder made again as the deepest one holding all its
    loops that can be read (or the one of that path already there)."""
    root_id = row[2]
    if root_id is not None and root_id not in folders:
        folders[root_id] = _lost_folder(new, old, root_id, row[1], outcome)
    return (*row[:2], folders.get(root_id), *row[3:])


def _lost_folder(
    new: sqlite3.Connection, old: sqlite3.Connection, root_id: int, path: str, outcome: Repaired
) -> int | None:
    """The id the loops of lost folder `root_id` get (one of which is at `path`)."""
    paths = [path]
    with contextlib.suppress(sqlite3.DatabaseError):  # else this loop's own path will do
        paths += [
            p for (p,) in old.execute("SELECT path FROM samples WHERE root_id = ?", (root_id,))
        ]
    folders = [os.path.dirname(p) for p in paths if isinstance(p, str) and os.path.isabs(p)]
    if not folders:
        return None
    folder = os.path.commonpath(folders)
    existing = new.execute("SELECT id FROM roots WHERE path = ?", (folder,)).fetchone()
    if existing is not None:
        return existing[0]
    new.execute(
        "INSERT INTO roots(id, path, added_at) VALUES (?, ?, ?)", (root_id, folder, time.time())
    )
    outcome.rebuilt_folders += 1
    return root_id
