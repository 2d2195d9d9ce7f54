"""File identity: cheap change detection (size + mtime) and a content hash that survives moves.

The content hash is a blake2b of the size and the file's bytes: all of them for files up to
WHOLE_HASH_MAX_BYTES (every loop and one-shot), and SAMPLED_BLOCKS evenly spread blocks of a
longer recording, so identifying a 1 GB file still costs one read of 2 MiB. Two files with the
same hash are the same recording: a new path whose hash matches a loop whose file has gone is
that loop, moved (flags follow the file), and two present files with one hash are copies.

Earlier versions of the app hashed only the size and the first and last 64 KiB. Two different
loops of one length that start and end with a quarter second of silence (an off-beat bass line
in a pack of equal-length loops) shared that hash: a rescan could hand one loop's flags to the
other, and Copies listed them as one file. Such stored hashes (32 hex characters; whole-content
ones have 40) are recognised by `ContentHashes.matches` and replaced by the scanner as it meets
them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat as stat_mode
from dataclasses import dataclass

EDGE_BYTES = 64 * 1024
#: files up to this size are hashed whole; larger ones by SAMPLED_BLOCKS blocks of EDGE_BYTES
WHOLE_HASH_MAX_BYTES = 64 * 1024 * 1024
SAMPLED_BLOCKS = 32
_READ_BYTES = 1024 * 1024
#: hex length of a content hash (20-byte blake2b); an earlier version's edge hash has 32
CONTENT_HASH_LENGTH = 40


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What we know about a file's bytes without decoding it."""

    size: int
    mtime_ns: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class ContentHashes:
    """A file's content hash and the edge hash earlier versions stored for the same bytes."""

    content: str
    edges: str

    def matches(self, stored: str | None) -> bool:
        """Whether a hash stored in the library (either kind) is this file's."""
        return stored is not None and stored in (self.content, self.edges)


def is_edge_hash(stored: str | None) -> bool:
    """Whether a stored hash is the edges-only kind earlier versions stored (to be replaced)."""
    return stored is not None and len(stored) != CONTENT_HASH_LENGTH


def cannot_stat_text(path: str | os.PathLike[str], error: OSError) -> str:
    """Why a listed file could not be looked at, for people: a link whose file is gone, or
    a loop of links, says so instead of "No such file or directory" about a name the user
    can see in their folder."""
    if error.errno == errno.ELOOP:
        return "a link that leads back to itself (a loop of links): nothing to read"
    if error.errno == errno.ENOENT and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"a link to a file that is not there ({target}): nothing to read"
    return f"cannot read the file: {error.strerror}"


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


def _whole_digest(handle, size: int) -> str:
    digest = hashlib.blake2b(digest_size=CONTENT_HASH_LENGTH // 2)
    digest.update(size.to_bytes(8, "little"))
    if size <= WHOLE_HASH_MAX_BYTES:
        while chunk := handle.read(_READ_BYTES):
            digest.update(chunk)
    else:
        last = size - EDGE_BYTES
        for block in range(SAMPLED_BLOCKS):
            handle.seek(last * block // (SAMPLED_BLOCKS - 1))
            digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def _edge_digest(handle, size: int) -> str:
    handle.seek(0)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(size.to_bytes(8, "little"))
    digest.update(handle.read(EDGE_BYTES))
    if size > EDGE_BYTES:
        handle.seek(max(EDGE_BYTES, size - EDGE_BYTES))
        digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def content_hashes(path: str | os.PathLike[str], size: int | None = None) -> ContentHashes:
    """Both hashes of `path` from one opening (the edges are read again from the page cache)."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        return ContentHashes(_whole_digest(handle, size), _edge_digest(handle, size))


def content_hash(path: str | os.PathLike[str], size: int | None = None) -> str:
    """The content hash of `path` (40 hex characters)."""
    with open(path, "rb") as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        return _whole_digest(handle, size)


def identify(path: str | os.PathLike[str]) -> FileIdentity:
    """Stat and hash `path` (raises OSError when it cannot be read)."""
    stat = os.stat(path)
    return FileIdentity(stat.st_size, stat.st_mtime_ns, content_hash(path, stat.st_size))
