"""The window's Move to Trash: the question before, the report after, Qt's mover.

What moving and forgetting mean is the core's (`core.library.trash`); here the files go with
Qt's QFile.moveToTrash, the platform's own trash, which the window has at hand.
"""

from __future__ import annotations

import contextlib
import os
import sys

from PySide6.QtCore import QFile, QStandardPaths
from PySide6.QtWidgets import QMessageBox

from anomalizer_desktop.core.library import trash as core_trash
from anomalizer_desktop.core.library.trash import TrashResult
from anomalizer_desktop.core.text import quantity, some_names
from anomalizer_desktop.ui import plain_text


def _home_trash_reachable() -> None:
    """Qt's freedesktop.org trash lives in the data folder (~/.local/share/Trash) and is not
    made when that folder does not exist yet (a fresh account): every move then failed."""
    if sys.platform in ("darwin", "win32"):
        return
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    with contextlib.suppress(OSError):
        os.makedirs(data, exist_ok=True)


def _qt_mover(path: str) -> str:
    """Qt's QFile.moveToTrash (the platform's own trash) as a mover for the core's job; where
    the file is in the trash (Qt names it after the move)."""
    file = QFile(path)
    if not file.moveToTrash():
        raise OSError("no trash on that drive, or no permission to move the file")
    return file.fileName()


def move_to_trash(paths: list[str]) -> TrashResult:
    _home_trash_reachable()
    return core_trash.move_to_trash(paths, _qt_mover)


def _names(paths: list[str], shown: int = 8) -> str:
    return some_names(paths, shown, "\n", "\n…and {n} more")


def confirm(parent, paths: list[str], flagged: int, links: list[str] = ()) -> bool:
    """Ask before moving these loops to the trash; `flagged` of them carry a flag, note or
    tags, and
    `links` are the library's other loops that are links to their files."""
    what = f"“{os.path.basename(paths[0])}”" if len(paths) == 1 else quantity(len(paths), "loop")
    if not flagged:
        kept = ""
    elif len(paths) == 1:
        kept = " Its flag, note and tags go with it."
    else:
        have = "has a flag, a note or tags" if flagged == 1 else "have flags, notes or tags"
        kept = f" {flagged} of them {have}, which go too."
    box = plain_text.message_box(
        QMessageBox.Icon.Question, "Move to Trash", f"Move {what} to the trash?", parent
    )
    where = (
        "The file goes to your desktop's trash and the library forgets it; Ctrl+Z takes it"
        " back out as it was."
        if len(paths) == 1
        else "The files go to your desktop's trash and the library forgets them; Ctrl+Z takes"
        " them back out as they were."
    )
    box.setInformativeText(f"{where}{kept}{_left_behind(paths, links)}")
    if len(paths) > 1 or links:
        details = _names(paths, shown=len(paths))
        if links:
            details += "\n\nLinks that would lead nowhere:\n" + _names(links, len(links))
        box.setDetailedText(details)
    return plain_text.ask_to_do(box, "Move to Trash")


def _left_behind(paths: list[str], links: list[str]) -> str:
    """The question's warning about links in the library that lead to these files."""
    if not links:
        return ""
    files = "its file" if len(paths) == 1 else "their files"
    if len(links) == 1:
        return (
            f"\n\n“{os.path.basename(links[0])}” in {os.path.dirname(links[0])} is a link to"
            f" {files}, and would lead nowhere."
        )
    return f"\n\n{quantity(len(links), 'other loop')} are links to {files}, and would lead nowhere."


def report(result: TrashResult) -> str:
    """The status bar's line about what happened."""
    parts = []
    if result.trashed:
        parts.append(f"Moved {quantity(len(result.trashed), 'loop')} to the trash")
    if result.gone:
        parts.append(f"forgot {quantity(len(result.gone), 'loop')} whose file was gone")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def warn_failed(parent, failed: list[str]) -> None:
    plain_text.warn(
        parent,
        "Not moved to the trash",
        f"{quantity(len(failed), 'loop')} could not be moved to the trash (no trash on"
        " that drive, or no permission to move the file); they stay where they are and in the"
        f" library:\n\n{_names(failed)}",
    )
