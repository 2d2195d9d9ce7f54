"""File identity: cheap change detection (size + mtime) and a content hash that survives moves.

The content hash reads only the first and last 64 KiB plus the size, so identifying a 1 GB file
costs the same as a 1 MB one. Two files with the same hash are treated as the same recording when
one of them has vanished (a move or rename), which is how flags follow a file around.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_mode
from dataclasses import dataclass

EDGE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What we know about a file's bytes without decoding it."""

    size: int
    mtime_ns: int
    content_hash: str


def special_file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a named pipe", ...), from its st_mode; None
    for a regular file. Opening a named pipe blocks until something writes to it, so such files
    are reported and never opened (a scan hung on one before)."""
    if stat_mode.S_ISREG(mode):
        return None
    if stat_mode.S_ISFIFO(mode):
        return "a named pipe"
    if stat_mode.S_ISSOCK(mode):
        return "a socket"
    if stat_mode.S_ISCHR(mode) or stat_mode.S_ISBLK(mode):
        return "a device"
    if stat_mode.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def content_hash(path: str | os.PathLike[str], size: int | None = None) -> str:
    """blake2b of (size, first 64 KiB, last 64 KiB) as 32 hex characters."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        digest = hashlib.blake2b(digest_size=16)
        digest.update(size.to_bytes(8, "little"))
        digest.update(handle.read(EDGE_BYTES))
        if size > EDGE_BYTES:
            handle.seek(max(EDGE_BYTES, size - EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def identify(path: str | os.PathLike[str]) -> FileIdentity:
    """Stat and hash `path` (raises OSError when it cannot be read)."""
    stat = os.stat(path)
    return FileIdentity(stat.st_size, stat.st_mtime_ns, content_hash(path, stat.st_size))
