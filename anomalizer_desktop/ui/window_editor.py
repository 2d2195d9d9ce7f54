"""Open in audio editor (E), and the loops read again when the producer comes back.

A producer trims, fades or normalises a loop in their audio editor and comes back to the app.
Many editors save over the file in place, and a file written in place sends its folder no
change the folder watch hears (only a new name, or a file written aside and renamed over it,
does): the library then kept the loop's old vector and score until Rescan. So the window
remembers the folders of the loops it handed to other programs (opened in an editor, shown
in the file manager, dragged out into an editor or a DAW) and, each time it is the active
application again, has the folder watch look at them (`FolderWatch.look_again`): a loop whose
size or time differs from what the library holds is read, embedded and scored again, as any
change the watch sees. The player decodes a loop saved again anew by itself (`file_stamp`).

The editor is Preferences > Audio editor (a program, given the files as arguments; a macOS
.app bundle is opened with `open -a`), or, left blank, the desktop's own application for the
file's type.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict

from PySide6.QtCore import QProcess, Qt, QUrl
from PySide6.QtGui import QDesktopServices

from anomalizer_desktop.core.text import quantity

#: at most this many loops are opened at once (an editor opens a window per file)
MOST_OPENED = 8
#: the folders of the loops handed out last (this many folders) are looked at when the window
#: comes back
FOLDERS_REMEMBERED = 32


def editor_command(program: str, paths: list[str]) -> tuple[str, list[str]]:
    """(program, arguments) that open `paths` in the editor `program`."""
    if sys.platform == "darwin" and program.rstrip("/").endswith(".app"):
        return "open", ["-a", program, *paths]
    return program, list(paths)


def editor_name(program: str) -> str:
    """What the status bar calls the editor: its file's name without the extension."""
    return os.path.splitext(os.path.basename(program.rstrip("/\\")))[0] or program


class LoopEditing:
    """The window's Open in audio editor, and the look at the folders of the loops it handed
    to other programs when it comes back (a mixin of MainWindow)."""

    def _edited_folders(self) -> OrderedDict[str, None]:
        folders = getattr(self, "_edited", None)
        if folders is None:
            folders = self._edited = OrderedDict()
        return folders

    def open_in_editor(self) -> None:
        """E: the selected loops (up to MOST_OPENED) in the audio editor of Preferences, or
        the desktop's application for their type."""
        rows = [r for r in self.selected_rows() if not self.model.file_missing(r)]
        if not rows:
            self.statusBar().showMessage("The selected loops' files are missing.", 8000)
            return
        paths = [self.model.path(r) for r in rows[:MOST_OPENED]]
        program = str(self.settings.get("audio_editor") or "").strip()
        if program:
            opened = QProcess.startDetached(*editor_command(program, paths))
            opened = opened[0] if isinstance(opened, tuple) else bool(opened)
            where = editor_name(program)
        else:
            opened = all(QDesktopServices.openUrl(QUrl.fromLocalFile(p)) for p in paths)
            where = "the desktop's application for them"
        if not opened:
            self.statusBar().showMessage(
                f"{where} did not open: choose the audio editor in Preferences.", 10_000
            )
            return
        self.handed_out(paths)
        what = os.path.basename(paths[0]) if len(paths) == 1 else quantity(len(paths), "loop")
        left = f" (the first {MOST_OPENED} of {len(rows)})" if len(rows) > len(paths) else ""
        later = (
            ": saved there, it is read again when you come back to the app"
            if self.folder_watch.active
            else ""
        )
        self.statusBar().showMessage(f"Opened {what}{left} in {where}{later}.", 10_000)

    def handed_out(self, paths: list[str]) -> None:
        """These loops went to another program (an editor, the file manager, a drag): their
        folders are looked at when the window comes back (the last FOLDERS_REMEMBERED)."""
        folders = self._edited_folders()
        for path in paths:
            folder = os.path.dirname(path)
            folders.pop(folder, None)
            folders[folder] = None
        while len(folders) > FOLDERS_REMEMBERED:
            folders.popitem(last=False)

    def _application_state_changed(self, state) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.came_back()

    def came_back(self) -> None:
        """The window is the active application again: look at the folders of the loops
        handed out (the watch leaves those that did not change as they are)."""
        edited = self._edited_folders()
        if edited and self.folder_watch.active:
            self.folder_watch.look_again(list(edited))
