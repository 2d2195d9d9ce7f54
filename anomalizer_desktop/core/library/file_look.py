"""What a scan learns of one file (its stat, content hash and header), looked at ahead of
the scan on reader threads.

Reading is the slow part of a first scan: every new file is hashed whole, then its header is
probed. READERS threads do that READ_AHEAD files ahead of the scan (hashlib and libsndfile let
go of the GIL while they work), while the scan writes to the library on its own thread, in
the order the files were listed. A file a rescan finds unchanged (same size and mtime, a
whole-content hash) is only stat'ed, on the scan's thread: no hand-off, so a rescan of
100,000 loops costs what it did.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from anomalizer_desktop.core.audio.decode import AudioDecodeError, probe
from anomalizer_desktop.core.audio.identity import (
    ContentHashes,
    cannot_stat_text,
    content_hashes,
    is_edge_hash,
    special_file_kind,
)

READERS = 4
READ_AHEAD = 64


@dataclass(frozen=True, slots=True)
class FileLook:
    """One file as the scan found it. `stat` is None when the file could not be stat'ed or is
    not a regular file (`problem` says why; it was never opened). `fields` (status, error,
    duration...) and `hashes` are None for a file that was not read: unchanged since the
    last scan, or still to be read (`needs_reading`)."""

    stat: os.stat_result | None
    problem: str = ""
    needs_reading: bool = False
    hashes: ContentHashes | None = None
    fields: dict | None = None


def glance(path: str, known: tuple | None) -> FileLook:
    """Stat `path` and decide whether it must be read: `known` is the library's row for it,
    (id, size, mtime_ns, content_hash, status, error_kind), or None for a new file. Files in
    error are read again (a permission fixed or a copy completed heals them), and so are those
    whose hash is the edges-only kind earlier versions took."""
    try:
        stat = os.stat(path)
    except OSError as error:
        return FileLook(None, problem=cannot_stat_text(path, error))
    special = special_file_kind(stat.st_mode)
    if special:  # a named pipe would block its reader forever
        return FileLook(None, problem=f"not an audio file: it is {special}, which is never opened")
    if known is not None:
        _, size, mtime_ns, old_hash, status, _ = known
        same_file = size == stat.st_size and mtime_ns == stat.st_mtime_ns and status == "ok"
        if same_file and not is_edge_hash(old_hash):
            return FileLook(stat)
    return FileLook(stat, needs_reading=True)


def read(path: str, look: FileLook) -> FileLook:
    """Hash and probe a file `glance` said must be read (never raises for the file's sake)."""
    try:
        hashes = content_hashes(path, look.stat.st_size)
    except OSError as error:
        fields = {
            "status": "error",
            "error": f"cannot read the file: {error.strerror}",
            "error_kind": "unreadable",
        }
        return replace(look, needs_reading=False, fields=fields)
    return replace(look, needs_reading=False, hashes=hashes, fields=probe_fields(path))


def probe_fields(path: str) -> dict:
    """The library's columns for a file's header: its format, or the error that stops it."""
    try:
        info = probe(path)
    except AudioDecodeError as error:
        return {
            "status": "error",
            "error": error.message,
            "error_kind": error.kind,
            "duration": None,
            "sample_rate": None,
            "channels": None,
            "format": None,
            "tempo": None,
            "key": None,
        }
    return {
        "status": "ok",
        "error": None,
        "error_kind": None,
        "duration": info.duration,
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "format": info.format,
        "tempo": info.tempo,
        "key": info.key,
    }


def looks_in_order(
    files: Iterable[tuple[str, tuple | None]], readers: int = READERS, ahead: int = READ_AHEAD
) -> Iterator[FileLook]:
    """A look at each (path, known row) of `files`, in their order, the reading done up to
    `ahead` files in advance on `readers` threads. Closing the iterator (a cancelled scan)
    drops what was not started and waits for the reads under way."""
    pool = ThreadPoolExecutor(readers, thread_name_prefix="scan-reader")
    pending: collections.deque[FileLook | Future[FileLook]] = collections.deque()
    try:
        for path, known in files:
            look = glance(path, known)
            pending.append(pool.submit(read, path, look) if look.needs_reading else look)
            if len(pending) >= ahead:
                yield _done(pending.popleft())
        while pending:
            yield _done(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _done(entry: FileLook | Future[FileLook]) -> FileLook:
    return entry.result() if isinstance(entry, Future) else entry
