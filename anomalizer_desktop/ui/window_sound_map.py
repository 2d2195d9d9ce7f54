"""The map's two kinds, and drawing the sound map in the background (mixed into MainWindow).

The box under the map chooses the sound map (t-SNE, `core.analysis.sound_map`) or the main
directions (PCA). The sound map is drawn once per library and embedder, in a worker with its
progress and Cancel in the status bar, when no library job is running (it would compete with
embedding and training for the same cores; `window_jobs.LIBRARY_JOBS`); until it is drawn the
PCA map shows. Loops embedded later are placed beside their nearest drawn loops; when they make
up more than a fifth of the map it is drawn again. View > Draw the sound map again does it at
once.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from anomalizer_desktop.core.analysis.sound_map import MIN_LOOPS, due_for_drawing
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.window_jobs import LIBRARY_JOBS

#: what the map's caption says while the sound map is drawn
DRAWING = "(Drawing the sound map: it shows when done.)"


class SoundMapDrawing:
    """Which map shows, and when the sound map is drawn (mixed into MainWindow)."""

    #: (embedder, loops) a drawing was cancelled or refused for: not started again by itself
    #: for the same library state (the user's View > Draw the sound map again still does)
    _sound_map_declined: tuple[str, int] | None = None

    def _watch_library_jobs(self) -> None:
        """A drawing put off for a library job is tried again when that job ends: not every
        job reloads the library after it (the check of the library file when it opens, the
        look for changed folders), and the reload is where the drawing is started."""
        self.runner.started.connect(
            lambda handle: handle.done.connect(lambda kind=handle.kind: self._job_ended(kind))
        )

    @unless_closed
    def _job_ended(self, kind: str) -> None:
        if kind not in LIBRARY_JOBS:
            return  # (the map's own job, a reload: the reload after it decides)
        # once the job's end has been handled (its reload started, the next of a chain too)
        QTimer.singleShot(0, self._map_due_again)

    @unless_closed
    def _map_due_again(self) -> None:
        load = self.runner.running("load")
        if load is not None:
            # once it ends: its snapshot may be on show already (a load is shown when it
            # finishes, and counts as running until its thread is done, which under load came
            # after this: the drawing then waited for a reload that had been)
            load.done.connect(lambda: self._map_due_again())
            return
        projection = getattr(self, "_map_projection", None)
        if projection is not None:
            self._map_shown(projection)

    def map_kind(self) -> str:
        """The map chosen: "sound" or "pca"."""
        kind = self.settings.get("map_kind")
        return kind if kind in ("sound", "pca") else "sound"

    def _map_kind_chosen(self, kind: str) -> None:
        self.settings.set("map_kind", kind)
        self._sound_map_declined = None  # a choice of the sound map is a request for it
        self.reload()

    def _map_shown(self, projection) -> None:
        """After a reload: the box and axes say which map shows, the caption why it is not the
        one chosen, and the sound map is drawn when it is due and nothing else needs the
        cores."""
        kind = self.map_kind()
        self.map.set_kind(kind)
        self.map.show_axes(projection.kind != "sound")
        self.map.set_note(self._sound_map_note(kind, projection))
        if kind != "sound" or not due_for_drawing(projection, len(projection.ids)):
            return
        if self._sound_map_declined == (self.embedder_name(), len(projection.ids)):
            return
        # the library's jobs change what is to be drawn and need the same cores: the reload
        # after each comes back here
        if self._chain or any(self.runner.running(other) for other in LIBRARY_JOBS):
            return
        if self.runner.running("map") is not None:
            return  # (asked again by a reload: the status bar had said "already on its way")
        self.draw_sound_map()

    def _sound_map_note(self, kind: str, projection) -> str:
        if self.runner.running("map") is not None:
            return DRAWING
        if kind != "sound" or projection.kind == "sound" or not len(projection.ids):
            return ""
        if len(projection.ids) < MIN_LOOPS:
            return f"(A sound map needs at least {MIN_LOOPS} loops: the main directions show.)"
        if self._sound_map_declined is not None:
            return "(The sound map was not drawn: View > Draw the sound map again draws it.)"
        return "(The sound map is drawn once the library's jobs are done.)"

    def redraw_sound_map(self):
        """View > Draw the sound map again: draw it anew now, and show it once drawn."""
        self.settings.set("map_kind", "sound")
        self.map.set_kind("sound")
        self._sound_map_declined = None
        return self.draw_sound_map()

    def draw_sound_map(self):
        """Draw the sound map of the current embedder's loops in a worker; the map shows it
        once drawn. Its handle, or None when one is being drawn or the library is too small."""
        if self.map.point_count() < MIN_LOOPS:
            self.statusBar().showMessage(
                f"A sound map needs at least {MIN_LOOPS} embedded loops.", 8000
            )
            return None
        embedder = self.embedder_name()
        loops = self.map.point_count()
        handle = self._side_job(
            "map",
            jobs.sound_map_job(embedder),
            "Drawing the sound map",
            lambda drawn: self._sound_map_drawn(drawn, embedder, loops),
        )
        if handle is not None:
            handle.failed.connect(lambda _message: self._sound_map_failed(embedder, loops))
            handle.done.connect(self._map_note_again)
            self.map.set_note(DRAWING)
        return handle

    @unless_closed
    def _map_note_again(self) -> None:
        """The drawing's job has ended: the caption no longer says it is being drawn. (The
        reload after it can show before its thread is done, which still counted as drawing: a
        small library's caption then said so for good.)"""
        projection = getattr(self, "_map_projection", None)
        if projection is not None:
            self.map.set_note(self._sound_map_note(self.map_kind(), projection))

    @unless_closed
    def _sound_map_drawn(self, drawn, embedder: str, loops: int) -> None:
        if drawn.cancelled:
            self._sound_map_declined = (embedder, loops)
            self.statusBar().showMessage(
                "Drawing the sound map was cancelled; the map stays as it was (View > Draw"
                " the sound map again draws it).",
                10_000,
            )
        else:
            self.statusBar().showMessage(drawn.summary[:1].upper() + drawn.summary[1:], 8000)
        self.reload()

    @unless_closed
    def _sound_map_failed(self, embedder: str, loops: int) -> None:
        self._sound_map_declined = (embedder, loops)
        self.reload()  # the caption says it was not drawn
