"""The window's Move to Folder and Rename: the folder or name asked for, the question before a
move that takes loops out of the library, the report after. What a move does is the core's
(`core.library.move_loops`); it runs as a job, its progress and Cancel in the status bar."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from anomalizer_desktop.core.library.move_loops import MoveResult
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import plain_text


def choose_folder(parent, start: str) -> str:
    """The folder to move loops into ("" when the producer cancelled); the dialog can make a
    new one, and opens on `start`."""
    return QFileDialog.getExistingDirectory(parent, "Move loops to folder", start)


def ask_name(parent, path: str) -> str | None:
    """The new name for the loop at `path` (None when cancelled); the dialog opens on its
    name with all but the extension selected, as a file manager's rename does."""
    name = os.path.basename(path)
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Rename loop")
    dialog.setLabelText(f"New name for “{name}” (its flag, note and tags stay with it):")
    dialog.setTextValue(name)
    dialog.resize(480, dialog.sizeHint().height())
    field = dialog.findChild(QLineEdit)
    if field is not None:  # once shown: showing selects the whole text
        stem = len(os.path.splitext(name)[0])
        QTimer.singleShot(0, field, lambda: field.setSelection(0, stem))
    if not dialog.exec():
        return None
    return dialog.textValue()


def confirm_leaving(parent, count: int, folder: str, annotated: int, links: list[str]) -> bool:
    """Ask before moving loops into a folder the library does not scan: they leave the library
    (the files are kept there). `annotated` of them carry a flag, note or tags; `links` are
    other loops of the library that are links to their files."""
    what = quantity(count, "loop")
    box = plain_text.message_box(
        QMessageBox.Icon.Question,
        "Move out of the library",
        f"Move {what} to {shown_path(folder)}, out of the library?",
        parent,
    )
    box.setInformativeText(leaving_text(count, annotated, links))
    return plain_text.ask_to_do(box, "Move out of the Library")


def leaving_text(count: int, annotated: int, links: list[str]) -> str:
    """What `confirm_leaving` says under its question, in the number it needs: "the loop
    leaves … its file is kept" for one loop, as the trash's question says it."""
    one = count == 1
    text = (
        "That folder is not one the library scans, so "
        + (
            "the loop leaves the library; its file is"
            if one
            else "the loops leave the library; their files are"
        )
        + " kept there (Ctrl+Z brings "
        + ("it back as it was)." if one else "them back as they were).")
    )
    if annotated and one:
        text += " Its flag, note and tags go with it."
    elif annotated:
        have = "has a flag, a note or tags" if annotated == 1 else "have flags, notes or tags"
        text += f" {annotated} of them {have}, which go with them."
    if links:
        files = "its file" if one else "these files"
        text += (
            f"\n\n{quantity(len(links), 'other loop')} of the library"
            f" {'is a link' if len(links) == 1 else 'are links'} to {files}, and would lead"
            " nowhere."
        )
    return text


def warn_not_moved(parent, result: MoveResult) -> None:
    """Say which loops stayed where they were, and why (nothing is said when all moved)."""
    lines = [f"{os.path.basename(path)}: {why}" for path, why in result.stayed()]
    if not lines:
        return
    shown = "\n".join(lines[:12]) + (f"\n…and {len(lines) - 12} more" if len(lines) > 12 else "")
    plain_text.warn(
        parent,
        "Not all loops moved",
        f"{quantity(len(lines), 'loop')} did not move as asked"
        f"{'; the others did' if result.moved else ''}:\n\n{shown}",
    )
