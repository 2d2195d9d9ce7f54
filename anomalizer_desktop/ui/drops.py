"""What a drop on the window means: folders are added; loop files are found in the library.

A producer who drags a loop from the file manager (or a DAW's browser) onto the window wants to
see it in the library: how unusual it is, what it sounds like. Loops the library holds are
selected; for audio files it does not hold, the window offers to add the folders they are in
(never without asking: a file's folder can be a whole sample drive).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QMessageBox

from anomalizer_desktop.core.audio.formats import is_audio_path, not_read, unread_format
from anomalizer_desktop.core.library.lookup import held_name
from anomalizer_desktop.core.text import quantity, some_names
from anomalizer_desktop.ui import plain_text


@dataclass
class Drop:
    folders: list[str] = field(default_factory=list)  # to add to the library
    found: list[int] = field(default_factory=list)  # sample ids of dropped loops it holds
    outside: list[str] = field(default_factory=list)  # audio files it does not hold
    not_audio: list[str] = field(default_factory=list)  # other files (a .txt, a project...)
    #: sound in formats it does not read (.m4a, REX, MIDI: `formats.unread_format`)
    unread: list[str] = field(default_factory=list)

    @property
    def outside_folders(self) -> list[str]:
        """The folders of the dropped loops the library does not hold, each once, in order."""
        return list(dict.fromkeys(os.path.dirname(path) for path in self.outside))

    def question(self) -> str:
        """Asks whether to add the folders of the loops the library does not hold."""
        one_loop, one_folder = len(self.outside) == 1, len(self.outside_folders) == 1
        return (
            f"{quantity(len(self.outside), 'dropped loop')} {'is' if one_loop else 'are'} not"
            f" in this library. Add the {'folder' if one_folder else 'folders'}"
            f" {'it is' if one_loop else 'they are'} in? Everything in"
            f" {'it' if one_folder else 'them'} is scanned, embedded and scored.\n\n"
            + "\n".join(self.outside_folders)
        )

    def left_out_message(self) -> str:
        """Names (some of) the dropped files left out: those in formats it does not read (an
        .m4a is sound, not "not audio"), and those that are not audio; "" for none."""
        said = []
        if self.unread:
            said.append(
                f"{quantity(len(self.unread), 'file')} in {not_read(self.unread)}:"
                f" {some_names(self.unread, 3)}"
            )
        if self.not_audio:
            verb = "is" if len(self.not_audio) == 1 else "are"
            said.append(
                f"{quantity(len(self.not_audio), 'file')} that {verb} not audio:"
                f" {some_names(self.not_audio, 3)}"
            )
        return "Left out " + "; ".join(said) if said else ""


def dropped_paths(mime: QMimeData) -> list[str]:
    """The local files and folders dragged (links to web pages and the like are ignored)."""
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def can_drop(mime: QMimeData) -> bool:
    """Whether the window takes this drag: at least one folder or file that is there."""
    return mime.hasUrls() and any(os.path.exists(p) for p in dropped_paths(mime))


def sort_drop(paths: list[str], library_paths: list[str], library_ids) -> Drop:
    """Sort dropped paths; `library_paths` and `library_ids` are the library's loops, aligned
    (their paths as the scan stored them; see `library_names`)."""
    drop = Drop()
    row_of = {path: row for row, path in enumerate(library_paths)}
    for path in paths:
        if os.path.isdir(path):
            drop.folders.append(path)
        elif not os.path.isfile(path):
            continue
        elif not is_audio_path(path):
            (drop.unread if unread_format(path) else drop.not_audio).append(path)
        else:
            name = held_name(path, row_of)
            if name is None:
                drop.outside.append(path)
            else:
                drop.found.append(int(library_ids[row_of[name]]))
    return drop


#: the answers to `ask_to_add`
ADD, TRY = "add", "try"


def ask_to_add(parent, drop: Drop) -> str | None:
    """Ask whether to add the folders of the dropped loops the library does not hold (ADD),
    only to see how the loops would fit (TRY), or neither (None)."""
    box = plain_text.message_box(
        QMessageBox.Icon.Question, "Not in this library", drop.question(), parent
    )
    many = len(drop.outside_folders) > 1
    add = box.addButton("Add folders" if many else "Add folder", QMessageBox.ButtonRole.AcceptRole)
    only = box.addButton("Only see how they fit", QMessageBox.ButtonRole.ActionRole)
    only.setToolTip(
        "Score the dropped loops with the library's last training and list them, with the"
        " library loops they sound most like; nothing is added"
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(add)
    box.exec()
    return {add: ADD, only: TRY}.get(box.clickedButton())
