"""The library's SQLite schema, as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations have run. Add a migration to the end of
`MIGRATIONS` to change the schema; never edit one that has shipped.

User data (flags, notes, tags) lives in `user_data`, keyed by the sample's row id. A sample row
is never deleted by a scan: a vanished file becomes `missing`, a moved file has its path
relinked and a re-encoded file keeps its row, so the flag follows the loop, not the path or
the bytes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from typing import NamedTuple

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.text import file_size, some_names

_V1 = """
CREATE TABLE roots (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    added_at    REAL NOT NULL,
    last_scan   REAL
);
CREATE TABLE samples (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,
    root_id      INTEGER REFERENCES roots(id),
    size         INTEGER,
    mtime_ns     INTEGER,
    content_hash TEXT,
    duration     REAL,
    sample_rate  INTEGER,
    channels     INTEGER,
    format       TEXT,
    status       TEXT NOT NULL CHECK (status IN ('ok', 'error', 'missing')),
    error        TEXT,
    error_kind   TEXT,
    first_seen   REAL NOT NULL,
    last_seen    REAL NOT NULL
);
CREATE INDEX samples_content_hash ON samples(content_hash);
CREATE INDEX samples_root ON samples(root_id);
CREATE TABLE features (
    sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    embedder   TEXT NOT NULL,
    version    TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (sample_id, embedder)
);
CREATE TABLE feature_errors (
    sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    embedder   TEXT NOT NULL,
    version    TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (sample_id, embedder)
);
CREATE TABLE user_data (
    sample_id  INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
    flag       TEXT CHECK (flag IN ('typical', 'unusual')),
    note       TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE runs (
    id         INTEGER PRIMARY KEY,
    created_at REAL NOT NULL,
    detector   TEXT NOT NULL,
    network    TEXT,
    embedder   TEXT NOT NULL,
    seed       INTEGER,
    threshold  REAL,
    config     TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE scores (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    score      REAL NOT NULL,
    percentile REAL,
    PRIMARY KEY (run_id, sample_id)
);
"""

#: the tempo a file's own loop tags declare (a WAV's ACID chunk), read by the scan's probe
_V2 = """
ALTER TABLE samples ADD COLUMN tempo REAL;
"""

#: the key a file's own loop tags declare (an Apple Loop's root note and scale)
_V3 = """
ALTER TABLE samples ADD COLUMN key TEXT;
"""

#: which embedders and versions the vectors are of, without reading the vectors: every status
#: check and every map asks (at 100,000 loops 65 ms a question through the table, 8 with this)
_V4 = """
CREATE INDEX features_kind ON features(embedder, version, dim);
"""

#: the producer's own tags on a loop, sorted and joined by ", " (`user_tags`)
_V5 = """
ALTER TABLE user_data ADD COLUMN tags TEXT;
"""

#: where each loop sits on the sound map (`core.analysis.sound_map`), drawn for one embedder
#: version; derived data (drawn again when lost), kept so that a library's map is drawn once
_V6 = """
CREATE TABLE map_points (
    sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    embedder   TEXT NOT NULL,
    version    TEXT NOT NULL,
    x          REAL NOT NULL,
    y          REAL NOT NULL,
    drawn_at   REAL NOT NULL,
    PRIMARY KEY (sample_id, embedder)
);
"""

#: pairs of files whose audio was compared (`core.library.same_audio`), by their content
#: hashes (`hash_a` < `hash_b`): kept through renames and moves, and a file written over gets a
#: new hash and is compared again; `audio_searched` holds the files whose candidates were
#: all compared, so a later check searches for the new files' only. Derived data, like the
#: map: a repair leaves it behind
_V7 = """
CREATE TABLE audio_pairs (
    hash_a      TEXT NOT NULL,
    hash_b      TEXT NOT NULL,
    same        INTEGER NOT NULL,
    below_db    REAL NOT NULL,
    gain_db     REAL NOT NULL,
    spectrum_db REAL,
    compared_at REAL NOT NULL,
    PRIMARY KEY (hash_a, hash_b)
) WITHOUT ROWID;
CREATE TABLE audio_searched (
    hash        TEXT PRIMARY KEY
) WITHOUT ROWID;
"""

#: the tempo each loop's sound shows (`core.audio.heard_tempo`) for loops that declare none,
#: with the version of the listening; `tempo` NULL: listened to, no tempo heard. Derived data,
#: like the map: forgotten when the file changes, listened to again by the next `embed`
_V8 = """
CREATE TABLE heard_tempos (
    sample_id  INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
    version    TEXT NOT NULL,
    tempo      REAL,
    heard_at   REAL NOT NULL
);
"""

#: the tempo and key the producer set for a loop by hand (a heard tempo an octave out, a
#: name that says nothing): their own word, over what the name, the tags or the sound say
_V9 = """
ALTER TABLE user_data ADD COLUMN tempo REAL;
ALTER TABLE user_data ADD COLUMN key TEXT;
"""

#: the exports that name loops by their paths (folders of links, M3U8 and XSPF playlists):
#: when the app moves or renames a loop, or a scan finds one moved, they follow it
#: (`core.library.followed_exports`), so a DAW reading one finds the loop where it went.
#: Forgotten once the export is gone
_V10 = """
CREATE TABLE exports (
    path        TEXT PRIMARY KEY,
    format      TEXT NOT NULL,
    made_at     REAL NOT NULL
) WITHOUT ROWID;
"""

#: the scores of one loop, found without reading every score: deleting a loop (the trash, a
#: move out of the library, Forget missing) has SQLite delete its scores, and without this it
#: read the whole table once per loop (at 100,000 loops and two runs, 14 ms a loop: 4.3 s for
#: 300 loops sent to the trash, with the window waiting)
_V11 = """
CREATE INDEX IF NOT EXISTS scores_sample ON scores(sample_id);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(AnomalizerError):
    """The library file was written by a newer anomalizer-desktop."""


class LibraryNotWritableError(AnomalizerError):
    """The library is on a read-only or full drive, or this user may not write it or its
    folder. It is not damaged: it is left as it is (never set aside)."""


class NotALibraryError(AnomalizerError):
    """The file is not a library: another kind of file, or another program's SQLite database.
    It is left exactly as it is (opening it would write the library's tables into it)."""


#: the first 16 bytes of every SQLite database file
SQLITE_HEADER = b"SQLite format 3\x00"


def refuse_other_files(path: str) -> None:
    """Raise NotALibraryError when `path` holds something that is not an SQLite database (a
    sound file given as --library, say) or is a folder. No file, or an empty one, is a new
    library."""
    if os.path.isdir(path):
        raise NotALibraryError(
            f"{path} is a folder, not a library file: name a file in it (for example"
            f" {os.path.join(path, 'library.sqlite')})"
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:
        return  # not there (a new library), or unreadable: SQLite says why
    if head and head != SQLITE_HEADER:
        raise NotALibraryError(
            f"{path} is not a library file (not an SQLite database); it is left as it is:"
            " choose a library file, or a new name for a new library"
        )


class Unwritable(NamedTuple):
    """Why a library cannot be written (`cause`) and what the producer can do (`advice`)."""

    cause: str
    advice: str


#: less free space than this on the library's drive counts as full: SQLite could not make the
#: index (32 kB) and the journal it keeps beside a library, not even to read it
FULL_BELOW = 1 << 20

_COPY_IT = "copy it to a folder you can write to and open it there"


def unwritable_reason(path: str) -> Unwritable | None:
    """Why the library at `path` cannot be written, or None: a read-only drive, a file this
    user may not write, a folder where SQLite cannot make its journal (WAL keeps two files
    beside the library), or a full drive. Only looks; called after SQLite refused."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return Unwritable(f"its drive is read-only ({folder})", _COPY_IT)
    except (OSError, AttributeError):  # no such folder; no statvfs (Windows)
        pass
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return Unwritable("this user may not write to it (its permissions)", _COPY_IT)
    if os.path.isdir(folder) and not os.access(folder, os.W_OK):
        cause = f"this user may not write to its folder {folder}, where SQLite keeps its journal"
        return Unwritable(cause, _COPY_IT)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < FULL_BELOW:
        return Unwritable(
            f"its drive is full ({file_size(free)} free)", "make room on it and open it again"
        )
    return None


#: SQLite's result codes for a damaged file: SQLITE_CORRUPT ("database disk image is
#: malformed", and its extended codes) and SQLITE_NOTADB ("file is not a database")
_DAMAGE_CODES = (11, 26)


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because the file is damaged (not busy, full, read-only...)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


def refuse_other_databases(connection: sqlite3.Connection, path: str) -> None:
    """Raise NotALibraryError for another program's database: no schema version of ours, yet
    tables in it. Only reads."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version:
        return
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    if tables:
        raise NotALibraryError(
            f"{path} is another program's database (its tables: {some_names(tables, 4)});"
            " it is left as it"
            " is: choose a library file, or a new name for a new library"
        )


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema up to date inside one transaction; return the version now in force."""
    (current,) = connection.execute("PRAGMA user_version").fetchone()
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"this library uses schema version {current}, newer than this program understands "
            f"({SCHEMA_VERSION}); update anomalizer-desktop"
        )
    if current == SCHEMA_VERSION:
        return current
    connection.execute("BEGIN IMMEDIATE")
    try:
        for version in range(current, SCHEMA_VERSION):
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
