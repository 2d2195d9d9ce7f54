"""Finding the loops whose audio the library holds again in other files, in the background
(mixed into MainWindow).

When a library opens and after each job that may bring new vectors, once no library job is
running, the window compares the audio of the loops that may be one recording in two files
(`core.library.same_audio`; pairs compared before are not compared again, so this is quick
after the first time). What it finds shows under Same audio in the status list, and in the
Why unusual? panel's "The same audio, elsewhere".
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.window_jobs import LIBRARY_JOBS

#: library jobs after which loops may have new vectors to compare (a scan, the demo and the
#: look at the folders at opening embed what they find in an "embed" job after them)
BRINGS_VECTORS = ("embed",)


class SameAudioChecking:
    """Runs the same-audio check when it is due and the library's jobs are done."""

    #: whether loops may have come in since the last check (the first reload checks)
    _same_audio_due: bool = True

    def _watch_for_new_vectors(self) -> None:
        """After each library job: due again when it brought vectors, and started once the
        library's jobs are done (the end of the last of them comes back here)."""
        self.runner.started.connect(
            lambda handle: handle.done.connect(
                lambda kind=handle.kind: self._library_job_ended(kind)
            )
        )

    @unless_closed
    def _library_job_ended(self, kind: str) -> None:
        if kind not in LIBRARY_JOBS:
            return
        if kind in BRINGS_VECTORS:
            self._same_audio_due = True
        # once the job's end has been handled (the next of a chain started, if any)
        QTimer.singleShot(0, self.check_same_audio_when_idle)

    @unless_closed
    def check_same_audio_when_idle(self):
        """Start the check when it is due and nothing else changes the library; its handle,
        or None."""
        if not self._same_audio_due or self.runner.running("same_audio") is not None:
            return None
        if self._chain or any(self.runner.running(kind) for kind in LIBRARY_JOBS):
            return None  # the end of that job comes back here
        self._same_audio_due = False
        return self._side_job(
            "same_audio",
            jobs.same_audio_job(self.embedder_name()),
            "Comparing loops of the same length",
            self._same_audio_checked,
        )

    @unless_closed
    def _same_audio_checked(self, checked) -> None:
        if checked is None:
            return
        if checked.same and not checked.cancelled:
            self.statusBar().showMessage(
                f"Found {quantity(checked.same, 'pair')} of loops with the same audio in"
                " different files: Same audio in the status list shows them.",
                10_000,
            )
        if checked.wrote:  # (read again: else the window takes its writes for another's)
            self.reload()
