"""The folders of links the exports made, and their links following the loops they point at.

An export as a folder of links (`core.export.folder`) puts a link to each loop in a folder a
DAW reads (its browser's favourites, a project's sample folder). When the app then moved or
renamed a loop, or a scan found one moved by hand, the link still pointed at where the loop
had been, and the DAW said the file was missing. So the library remembers each folder of links
an export made (`remember`) and, after a move, points each link to a moved loop at its new
place (`follow_moves`): each link in such a folder whose target was the loop's old path (one
the producer added there too), and nothing else (a link the producer pointed elsewhere, a copy,
a file of their own stay as they are). A folder that is
gone, or no longer an export's, is forgotten. A repaired library starts without this list (like
the sound map, it is not the producer's data): the exports made before keep their links as they
are.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterable

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import is_export_folder


def remember(store: Store, folder: str | os.PathLike[str]) -> None:
    """Note a folder of links an export made, so that its links follow the loops' moves."""
    folder = os.path.realpath(os.fspath(folder))
    with store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO link_exports (folder, made_at) VALUES (?, ?)",
            (folder, time.time()),
        )


def remember_exports(store: Store, fmt: str, paths: Iterable[str | os.PathLike[str]]) -> None:
    """After an export: note the folders of links among what it wrote (format "folder")."""
    if fmt == "folder":
        for path in paths:
            remember(store, path)


def remembered(store: Store) -> list[str]:
    """The folders of links noted, oldest first."""
    rows = store.execute("SELECT folder FROM link_exports ORDER BY made_at, folder")
    return [folder for (folder,) in rows.fetchall()]


def follow_moves(store: Store, moves: Iterable[tuple[str, str]]) -> int:
    """Point each link of the noted folders whose target is a moved loop's old path (`moves`:
    (old path, new path)) at its new path; return how many links now follow. A folder that is
    gone or no longer an export's is forgotten; one that cannot be read or written is left
    for the next move. Never raises for a folder or link (an export is not worth a move)."""
    new_path = {old: new for old, new in moves if old != new}
    if not new_path:
        return 0
    followed = 0
    gone = []
    for folder in remembered(store):
        if not os.path.isdir(folder) or not is_export_folder(folder):
            gone.append(folder)
            continue
        try:
            with os.scandir(folder) as entries:
                links = [entry.path for entry in entries if entry.is_symlink()]
        except OSError:
            continue
        for link in links:
            try:
                target = os.readlink(link)
            except OSError:
                continue
            if target in new_path and _repoint(link, new_path[target]):
                followed += 1
    if gone:
        with store.transaction() as db:
            db.executemany("DELETE FROM link_exports WHERE folder = ?", [(f,) for f in gone])
    return followed


def _repoint(link: str, target: str) -> bool:
    """Make `link` point at `target` in one step (a new link beside it, renamed over it), so
    a DAW reading the folder meanwhile finds the old link or the new one, never none."""
    beside = os.path.join(os.path.dirname(link), f".{uuid.uuid4().hex}.link")
    try:
        os.symlink(target, beside)
        os.replace(beside, link)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(beside)
        return False
    return True
