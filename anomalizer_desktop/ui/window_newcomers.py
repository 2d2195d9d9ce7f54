"""Trying loops from outside the library before adding them (mixed into MainWindow).

A drop of loops the library does not hold asks whether to add their folders, or only to see
how they would fit; Library > Try loops from outside… does the same for a folder chosen.
The files are described and scored in a worker (`jobs.newcomers_job`), with progress and
Cancel in the status bar, and `NewcomersDialog` lists the verdict.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.newcomers_dialog import NewcomersDialog
from anomalizer_desktop.ui.settings import folder_to_browse


class TryNewcomers:
    """Judge loops from outside the library with its latest run (mixed into MainWindow)."""

    def choose_newcomers(self) -> None:
        """Library > Try loops from outside…: a folder (a pack just downloaded) to judge."""
        folder = QFileDialog.getExistingDirectory(
            self, "Try the loops of a folder (nothing is added)", folder_to_browse(self.settings)
        )
        if folder:
            self.try_newcomers([folder])

    def try_newcomers(self, paths: list[str]):
        """Describe and score `paths` (files or folders) in a worker; the dialog follows."""
        handle = self.runner.start(
            "newcomers", jobs.newcomers_job(list(paths), self.library_generation)
        )
        if handle is None:
            self.statusBar().showMessage("Loops from outside are being tried already.", 5000)
            return None
        self.job_status.track(handle, "Trying loops from outside")
        handle.finished.connect(self._show_newcomers)
        handle.failed.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        return handle

    @unless_closed
    def _show_newcomers(self, verdict) -> NewcomersDialog:
        dialog = NewcomersDialog(verdict, self)
        dialog.play_requested.connect(self._play_newcomer)
        dialog.add_requested.connect(self.add_folders)
        dialog.finished.connect(lambda _result: self.player.stop())
        self.newcomers_dialog = dialog
        dialog.open()  # window-modal: the sound and the status bar go on
        return dialog

    def _play_newcomer(self, path: str) -> None:
        self._auditioning = True
        self.player.play(path)
