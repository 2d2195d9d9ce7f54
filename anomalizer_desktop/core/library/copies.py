"""Which files the library holds more than once: one rule for the window's Copies filter, the
command line's `list --copies` and exports, which put a file in a set once."""

from __future__ import annotations

import collections

from anomalizer_desktop.core.audio.identity import is_edge_hash


def copy_key(content_hash: str | None, status: str) -> str | None:
    """The hash a file's copies share: its whole-content hash while the file is there. None
    for a missing file, an unknown hash, or the edges-only hash earlier versions took (two
    different loops can share it until the next scan replaces it)."""
    if content_hash is None or status == "missing" or is_edge_hash(content_hash):
        return None
    return content_hash


def copied(paths, hashes, statuses) -> dict[str, str]:
    """path -> copy key of each file whose key another file shares."""
    keys = [copy_key(h, s) for h, s in zip(hashes, statuses, strict=True)]
    counts = collections.Counter(key for key in keys if key is not None)
    return {
        path: key
        for path, key in zip(paths, keys, strict=True)
        if key is not None and counts[key] > 1
    }


def first_copies(paths, copy_keys: dict[str, str]) -> list[str | None]:
    """For each of `paths` in order, the first path before it that is a copy of the same file
    (`copy_keys`: path -> copy key, as `copied` gives them), or None: what a list of loops
    marks so that one file held twice does not read as two loops alike."""
    first: dict[str, str] = {}
    earlier: list[str | None] = []
    for path in paths:
        key = copy_keys.get(path)
        was = path if key is None else first.setdefault(key, path)
        earlier.append(None if was == path else was)
    return earlier
