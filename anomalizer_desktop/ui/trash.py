"""Move loops to the desktop's trash: the step after finding the ones that don't fit.

The files go to the trash the desktop shows (freedesktop.org trash on Linux, the Trash on macOS,
the Recycle Bin on Windows: Qt's QFile.moveToTrash), never straight to deletion, so a slip can
be undone from there. The library forgets the loops that went, with their flags and notes; a
loop whose file is already gone is forgotten too. A file that cannot be moved (no trash on its
drive, no permission) stays, in the library as on disk, and is named.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field

from PySide6.QtCore import QFile, QStandardPaths
from PySide6.QtWidgets import QMessageBox

from anomalizer_desktop.core.text import quantity, some_names
from anomalizer_desktop.ui import plain_text


@dataclass
class TrashResult:
    trashed: list[str] = field(default_factory=list)  # moved to the trash
    gone: list[str] = field(default_factory=list)  # no file to move (already gone)
    failed: list[str] = field(default_factory=list)  # could not be moved: still there

    @property
    def forgotten(self) -> list[str]:
        """The loops the library should forget: moved or already gone."""
        return self.trashed + self.gone


def _home_trash_reachable() -> None:
    """Qt's freedesktop.org trash lives in the data folder (~/.local/share/Trash) and is not
    made when that folder does not exist yet (a fresh account): every move then failed."""
    if sys.platform in ("darwin", "win32"):
        return
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    with contextlib.suppress(OSError):
        os.makedirs(data, exist_ok=True)


def move_to_trash(paths: list[str]) -> TrashResult:
    _home_trash_reachable()
    result = TrashResult()
    for path in paths:
        if not os.path.lexists(path):
            result.gone.append(path)
        elif QFile.moveToTrash(path):
            result.trashed.append(path)
        else:
            result.failed.append(path)
    return result


def _names(paths: list[str], shown: int = 8) -> str:
    return some_names(paths, shown, "\n", "\n…and {n} more")


def confirm(parent, paths: list[str], flagged: int) -> bool:
    """Ask before moving these loops to the trash; `flagged` of them carry a flag or note."""
    what = f"“{os.path.basename(paths[0])}”" if len(paths) == 1 else quantity(len(paths), "loop")
    if not flagged:
        kept = ""
    elif len(paths) == 1:
        kept = " Its flag and note go with it."
    else:
        have = "has a flag or a note" if flagged == 1 else "have flags or notes"
        kept = f" {flagged} of them {have}, which go too."
    box = plain_text.message_box(
        QMessageBox.Icon.Question, "Move to Trash", f"Move {what} to the trash?", parent
    )
    box.setInformativeText(
        "The files go to your desktop's trash, where you can restore them; the library forgets"
        f" {'it' if len(paths) == 1 else 'them'}.{kept}"
    )
    if len(paths) > 1:
        box.setDetailedText(_names(paths, shown=len(paths)))
    move = box.addButton("Move to Trash", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is move


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
