"""The files a library is on disk, and moving them aside and back as one.

A library is its SQLite file and the two SQLite keeps beside it in WAL mode (the journal,
`-wal`, and its index, `-shm`). A damaged library is renamed, never deleted, so what is in it
stays there for recovery; and it is not repaired while another program has it open.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: the suffixes of what a library is on disk: its file, and the journal and index SQLite
#: keeps beside it
LIBRARY_SUFFIXES = ("", "-wal", "-shm")


def set_aside(library: Path) -> Path:
    """Rename the library file (and SQLite's -wal / -shm beside it) to `<name>.damaged-<time>`."""
    library = Path(library)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = library.with_name(f"{library.name}.damaged-{stamp}")
    number = 1
    while any(Path(f"{kept}{suffix}").exists() for suffix in LIBRARY_SUFFIXES):
        number += 1  # set aside twice within a second: never over the first one
        kept = library.with_name(f"{library.name}.damaged-{stamp}-{number}")
    for suffix in LIBRARY_SUFFIXES:
        part = Path(f"{library}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{kept}{suffix}"))
    return kept


def damaged_copies(library: Path) -> list[Path]:
    """The damaged files repairs set aside beside `library` (`set_aside`), oldest first:
    kept for recovery, never deleted by the app, so `info` names them and their size."""
    library = Path(library)
    prefix = f"{library.name}.damaged-"
    try:
        names = os.listdir(library.parent)
    except OSError:
        return []
    return sorted(
        library.parent / name
        for name in names
        if name.startswith(prefix) and not name.endswith(LIBRARY_SUFFIXES[1:])
    )


#: the byte of SQLite's -shm file that every connection to a WAL library holds a shared lock
#: on while it is open (the "DMS" slot of SQLite's unix VFS: wal.c, os_unix.c)
_SHM_DMS_BYTE = 128


def in_use_elsewhere(library: Path) -> bool:
    """Whether another process has the library open now (the window, a command running), told
    by SQLite's own lock on its -shm file. False where that cannot be told (no -shm file: no
    one has it open; no POSIX locks: Windows). Call it with no connection of this process
    open on the library: closing the file here drops this process's SQLite locks on it."""
    try:
        import fcntl
    except ImportError:  # Windows: SQLite locks otherwise there
        return False
    try:
        handle = open(f"{library}-shm", "rb+")  # noqa: SIM115 (locked and closed below)
    except OSError:
        return False
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
    return False


def remove_library_files(library: Path) -> None:
    """Delete the library file and SQLite's files beside it (a half-made or scratch library)."""
    for suffix in LIBRARY_SUFFIXES:
        Path(f"{library}{suffix}").unlink(missing_ok=True)
