"""The exports that name loops by their paths, and those paths following the loops' moves.

An export as a folder of links (`core.export.folder`) puts a link to each loop in a folder a
DAW reads (its browser's favourites, a project's sample folder); an M3U8 or XSPF playlist lists
each loop's path. When the app then moved or renamed a loop, or a scan found one moved by hand,
the link still pointed, and the playlist still led, where the loop had been, and the DAW said
the file was missing. So the library remembers what such exports it wrote (`remember_exports`)
and, after a move, points them at the loop's new place (`follow_moves`):

- in a folder of links, each link whose target was the loop's old path (one the producer added
  there too), made anew beside it and renamed over it, so a DAW reading the folder meanwhile
  finds the old link or the new one, never none;
- in a playlist, each entry that was the loop's old path (M3U8: the path, or its file:// URI;
  XSPF: the <location>), the file written anew whole (`atomic_write_text`);
- in the library's own folders, each loop that is a link to the moved loop's old path (a
  folder of favourites linking to packs), absolute or relative as it was: without it the link
  led nowhere and its loop went missing at the next scan.

Nothing else is touched: a link the producer pointed elsewhere, a copy, an entry of theirs, a
file of their own. An export that is gone, or no longer an export (a folder without this
app's marker), is forgotten. A repaired library starts without this list (like the sound map,
it is not the producer's data): the exports made before are left as they are.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import is_export_folder
from anomalizer_desktop.core.text import quantity

#: the export formats whose files name loops by their paths (a CSV is data: not followed)
FOLLOWED = ("folder", "m3u8", "xspf")


@dataclass
class Followed:
    """What of the exports follows the moved loops: links re-pointed, playlist entries
    rewritten."""

    links: int = 0
    entries: int = 0
    #: the loops of the library that are links to a moved loop, re-pointed
    library_links: list[str] = field(default_factory=list)

    def text(self) -> str:
        """ "1 exported link, 1 link in the library and 2 playlist entries updated" ("" when
        none)."""
        parts = [
            quantity(count, *what)
            for count, what in (
                (self.links, ("exported link",)),
                (len(self.library_links), ("link in the library", "links in the library")),
                (self.entries, ("playlist entry", "playlist entries")),
            )
            if count
        ]
        if not parts:
            return ""
        listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        return f"{listed} updated"


def remember_exports(store: Store, fmt: str, paths: Iterable[str | os.PathLike[str]]) -> None:
    """After an export: note what it wrote (`paths`) when its format names loops by their
    paths (a folder of links, a playlist), so that they follow the loops' moves."""
    if fmt not in FOLLOWED:
        return
    now = time.time()
    rows = [(os.path.realpath(os.fspath(path)), fmt, now) for path in paths]
    try:
        with store.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO exports (path, format, made_at) VALUES (?, ?, ?)", rows
            )
    except (sqlite3.Error, AnomalizerError):  # (a library that cannot be written: the export
        pass  # is written all the same; it will not follow the loops' moves)


def remembered(store: Store) -> list[tuple[str, str]]:
    """(path, format) of the exports noted, oldest first."""
    rows = store.execute("SELECT path, format FROM exports ORDER BY made_at, path")
    return [(path, fmt) for path, fmt in rows.fetchall()]


def follow_moves(store: Store, moves: Iterable[tuple[str, str]]) -> Followed:
    """Point the exports noted, and the library's links, at the moved loops' new paths
    (`moves`: (old path, new path)). An export gone is forgotten; one that cannot be read or
    written is left for the next move. Never raises: the loops have moved, which is what was
    asked (a library file that cannot be read or written now leaves them as they were)."""
    try:
        return _follow_moves(store, moves)
    except (sqlite3.Error, AnomalizerError):
        return Followed()


def _follow_moves(store: Store, moves: Iterable[tuple[str, str]]) -> Followed:
    new_path = {old: new for old, new in moves if old != new}
    followed = Followed()
    if not new_path:
        return followed
    followed.library_links = _follow_library_links(store, new_path)
    gone = []
    for path, fmt in remembered(store):
        if fmt == "folder":
            if os.path.isdir(path) and is_export_folder(path):
                followed.links += _follow_links(path, new_path)
                continue
        elif os.path.isfile(path):
            followed.entries += _follow_playlist(path, fmt, new_path)
            continue
        gone.append(path)
    if gone:
        with store.transaction() as db:
            db.executemany("DELETE FROM exports WHERE path = ?", [(path,) for path in gone])
    return followed


def _follow_library_links(store: Store, new_path: dict[str, str]) -> list[str]:
    """Re-point the library's loops that are links to a moved loop's old path; their paths. A
    link has the bytes of its file, so only the loops of the moved loop's content hash are
    looked at (the moved loop's row is at its new path by now)."""
    followed = []
    for old, new in new_path.items():
        row = store.execute("SELECT content_hash FROM samples WHERE path = ?", (new,)).fetchone()
        if not row or not row[0]:
            continue
        for _, path, _ in store.samples_with_hash(row[0]):
            if path == new or not os.path.islink(path):
                continue
            try:
                target = os.readlink(path)
            except OSError:
                continue
            here = os.path.dirname(path)
            if os.path.normpath(os.path.join(here, target)) != old:
                continue
            to = new if os.path.isabs(target) else os.path.relpath(new, here)
            if _repoint(path, to):
                followed.append(path)
    return followed


def _follow_links(folder: str, new_path: dict[str, str]) -> int:
    try:
        with os.scandir(folder) as entries:
            links = [entry.path for entry in entries if entry.is_symlink()]
    except OSError:
        return 0
    followed = 0
    for link in links:
        try:
            target = os.readlink(link)
        except OSError:
            continue
        if target in new_path and _repoint(link, new_path[target]):
            followed += 1
    return followed


def _repoint(link: str, target: str) -> bool:
    """Make `link` point at `target` in one step (a new link beside it, renamed over it)."""
    beside = os.path.join(os.path.dirname(link), f".{uuid.uuid4().hex}.link")
    try:
        os.symlink(target, beside)
        os.replace(beside, link)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(beside)
        return False
    return True


def _follow_playlist(path: str, fmt: str, new_path: dict[str, str]) -> int:
    """Rewrite the playlist's entries of moved loops; how many."""
    from anomalizer_desktop.core.export.atomic import atomic_write_text
    from anomalizer_desktop.core.export.selection import ExportError

    try:
        with open(path, encoding="utf-8", newline="") as playlist:
            text = playlist.read()
    except (OSError, UnicodeDecodeError):
        return 0
    if fmt == "m3u8":
        lines = text.splitlines(keepends=True)
        by_uri = {Path(old).as_uri(): Path(new).as_uri() for old, new in new_path.items()}
        changed = 0
        for i, line in enumerate(lines):
            body = line.rstrip("\r\n")
            new = new_path.get(body) or by_uri.get(body)
            if new is not None:
                lines[i] = new + line[len(body) :]
                changed += 1
        rewritten = "".join(lines)
    else:
        changed = 0
        rewritten = text
        for old, new in new_path.items():
            before = f"<location>{escape(Path(old).as_uri())}</location>"
            count = rewritten.count(before)
            if count:
                after = f"<location>{escape(Path(new).as_uri())}</location>"
                rewritten = rewritten.replace(before, after)
                changed += count
    if changed:
        try:
            atomic_write_text(path, rewritten)
        except (ExportError, OSError):  # (not worth a move: the next move tries again)
            return 0
    return changed
