"""Run a short core job on the window's thread behind a modal progress dialog.

For the few jobs that must end before anything else may touch the library (repairing it:
nothing else may have it open meanwhile), where a worker thread would only add a window that
has to wait anyway. Each Progress the job yields moves the bar and lets Qt paint.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from anomalizer_desktop.core.jobs import Job, Progress, run_job

R = TypeVar("R")

#: the bar counts in these many steps, whatever the job's totals
_STEPS = 1000


def run_with_progress(job: Job[R], title: str, parent: QWidget | None = None) -> R:
    """Drive `job` to its end in a modal dialog titled `title` (no Cancel: the job is short and
    leaves nothing half done); returns its result, raises what it raises."""
    dialog = QProgressDialog(title, "", 0, _STEPS, parent)
    dialog.setWindowTitle("anomalizer-desktop")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(300)  # a quick job flashes no dialog
    dialog.setAutoClose(False)

    def show(progress: Progress) -> None:
        dialog.setLabelText(progress.message[:1].upper() + progress.message[1:] or title)
        fraction = progress.fraction
        dialog.setValue(int(_STEPS * fraction) if fraction is not None else 0)

    try:
        return run_job(job, show)
    finally:
        dialog.close()
        dialog.deleteLater()
