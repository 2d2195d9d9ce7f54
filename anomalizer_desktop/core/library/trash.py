"""Move loops' files to the desktop's trash and forget them: the step after finding the ones
that don't fit.

Files go to the trash the desktop shows (the freedesktop.org trash on Linux, the Trash on
macOS, the Recycle Bin on Windows), never straight to deletion, so a slip can be undone from
there. The library forgets the loops that went, with their flags and notes; a loop whose file
is already gone is forgotten too. A file that cannot be moved (no trash on its drive, no
permission) stays, on disk and in the library, and is named with the reason.

The command line moves files with Send2Trash; the window passes Qt's own mover (`mover`),
which says where each file went in the trash, so that the window's Ctrl+Z can take it back
out (`core.library.left_loops.bring_back`, then `forget_trash_info`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from anomalizer_desktop.core.errors import os_reason


@dataclass
class TrashResult:
    trashed: list[str] = field(default_factory=list)  # moved to the trash
    gone: list[str] = field(default_factory=list)  # no file to move (already gone)
    failed: list[str] = field(default_factory=list)  # could not be moved: still there
    why: dict[str, str] = field(default_factory=dict)  # failed path -> the reason
    #: trashed path -> where the file is in the trash, where the mover says (Qt's does):
    #: what an undo takes it back from (`take_out_of_trash`)
    in_trash: dict[str, str] = field(default_factory=dict)

    @property
    def forgotten(self) -> list[str]:
        """The loops the library should forget: moved or already gone."""
        return self.trashed + self.gone


def send_to_trash(path: str) -> None:
    """Send2Trash's mover: raises OSError when the file cannot go to a trash."""
    from send2trash import send2trash

    send2trash(path)


def move_to_trash(
    paths: Iterable[str], mover: Callable[[str], str | None] | None = None
) -> TrashResult:
    """Move each file to the trash with `mover` (Send2Trash unless given), which raises
    OSError when it cannot and may return where the file is in the trash."""
    mover = mover or send_to_trash
    result = TrashResult()
    for path in paths:
        if not os.path.lexists(path):
            result.gone.append(path)
            continue
        try:
            where = mover(path)
        except OSError as error:
            result.failed.append(path)
            result.why[path] = os_reason(error)
        else:
            result.trashed.append(path)
            if where:
                result.in_trash[path] = where
    return result


def trash_info(in_trash: str) -> str | None:
    """The freedesktop.org trash's note of where a trashed file came from
    (`Trash/info/NAME.trashinfo` beside `Trash/files/NAME`), or None where the trash keeps
    none such (macOS, Windows) or the file is not in such a trash."""
    files = os.path.dirname(in_trash)
    if os.path.basename(files) != "files":
        return None
    info = os.path.join(os.path.dirname(files), "info", os.path.basename(in_trash) + ".trashinfo")
    return info if os.path.isfile(info) else None


def forget_trash_info(in_trash: str) -> None:
    """After a file was taken back out of the trash: delete the trash's note of it, or the
    desktop's trash would list a file that is not there."""
    info = trash_info(in_trash)
    if info is not None:
        with contextlib.suppress(OSError):
            os.remove(info)


def file_identity(path: str) -> tuple[int, int] | str:
    """What tells files apart on disk: the device and inode a path leads to (a link and its
    target share them), or the path itself when it cannot be stat'ed."""
    try:
        status = os.stat(path)
    except OSError:
        return path
    return status.st_dev, status.st_ino


def links_left_behind(going: Iterable[str], others: Iterable[str]) -> list[str]:
    """Those of `others` (loops that stay) that are symbolic links to the file of a loop in
    `going`: moved to the trash, the file would leave them leading nowhere. A link that goes
    leaves its file be, so links among `going` count for nothing. A link has the bytes of its
    file, so `others` need only be the copies of the loops going."""
    files = {file_identity(path) for path in going if not os.path.islink(path)}
    return [path for path in others if os.path.islink(path) and file_identity(path) in files]


def links_in_store(store, paths: list[str]) -> list[str]:
    """`links_left_behind` for loops of a library: the others are the loops (not among
    `paths`) that share a content hash with one of them."""
    going = set(paths)
    others: set[str] = set()
    for path in paths:
        row = store.execute("SELECT content_hash FROM samples WHERE path = ?", (path,)).fetchone()
        if row and row[0]:
            others.update(p for _, p, _ in store.samples_with_hash(row[0]) if p not in going)
    return links_left_behind(paths, sorted(others))
