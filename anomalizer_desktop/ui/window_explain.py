"""The main window's Why unusual? panel kept to the loop selected: its explanation asked for in
a worker, shown only while that loop is still the one selected, and "working it out" said when
it is slow; with no loop selected and a folder chosen, the folder's explanation.

A mixin of MainWindow (its `_explain_timer`, `_explain_wait_timer` and `_explaining`).
"""

from __future__ import annotations

import os

from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.window_jobs import DESCRIBING_JOBS
from anomalizer_desktop.ui.window_words import in_window_words

#: an explanation this late is said to be on its way (most take 0.02-0.3 s; the first of a
#: 100,000-loop library 1.4-1.8 s), so the panel never shows the last loop's as this one's
EXPLAIN_WAIT_MS = 400


class LoopExplaining:
    """Asks for the selected loop's explanation and shows it (mixed into MainWindow)."""

    def _explain_current(self) -> None:
        rows = self.selected_rows()
        if not rows and self.chosen_folder is not None and len(self.map.ids):
            self._explaining = None
            self.explain_folder(self.chosen_folder)  # no loop: the folder's loops together
            return
        if len(rows) != 1:
            self._explaining = None
            self.explain_panel.show_message("Select one loop to see why it is (or is not) unusual.")
            return
        path = self.model.path(rows[0])
        if self.runner.running("explain"):  # asked again until the one on its way is done
            self._wait_for_explanation(path)
            self._explain_timer.start()
            return
        if self.model.waiting_for_score(rows[0]) and self._describing():
            self._explaining = None  # no advice to press what the app is doing already
            self.explain_panel.show_message(
                "This loop is being described: why it is (or is not) unusual shows here once"
                " it is scored."
            )
            return
        if not len(self.map.ids):  # nothing embedded with the chosen embedder: say what to press
            self._explaining = None
            if self._describing():
                self.explain_panel.show_message(  # the app is on it: nothing to press
                    "Your loops are being described: why each one is (or is not) unusual"
                    " shows here once they are embedded and scored."
                )
            else:
                self.explain_panel.show_message(
                    f"No loop has {self.embedder_name()} vectors yet: press Embed to "
                    "describe your loops with it, then Train."
                )
            return
        self._wait_for_explanation(path)
        handle = self.runner.start(
            "explain", jobs.explain_job(path, self.embedder_name(), self.library_generation)
        )
        handle.finished.connect(lambda result, asked=path: self._show_explanation(asked, result))
        handle.failed.connect(lambda message, asked=path: self._show_explanation(asked, message))

    def _describing(self) -> bool:
        """Whether a job on its way describes or scores loops (a scan embeds and scores the
        loops it adds; Train and Score new loops embed first)."""
        return bool(self._chain) or any(self.runner.running(kind) for kind in DESCRIBING_JOBS)

    @unless_closed
    def _show_explanation(self, asked: str, result) -> None:
        """Show an explanation only if that loop is still the one selected (jobs can lag)."""
        rows = self.selected_rows()
        if len(rows) != 1 or self.model.path(rows[0]) != asked:
            return
        self._explaining = None
        self._explain_wait_timer.stop()
        if isinstance(result, str):  # an error worded for the command line: as the window says it
            text = in_window_words(result)
            self.explain_panel.show_message(text if text.endswith(".") else f"{text}.")
        else:
            self.explain_panel.show_explanation(result)

    def _wait_for_explanation(self, path: str) -> None:
        """`path`'s explanation is on its way: if it is not here in EXPLAIN_WAIT_MS, the panel
        says it is being worked out (the first one of a big library takes a second or two).
        When it says so of the loop before, it names this one at once: it had named the loop
        left behind for as long as that one's explanation took (seconds, beside a training),
        the asking again every 200 ms holding its wait back."""
        if self._explaining == path:
            return
        self._explaining = path
        if self.explain_panel.working_out:
            self._say_explaining()
        else:
            self._explain_wait_timer.start()

    def _say_explaining(self) -> None:
        rows = self.selected_rows()
        if self._explaining and len(rows) == 1 and self.model.path(rows[0]) == self._explaining:
            self.explain_panel.show_working_out(os.path.basename(self._explaining))
