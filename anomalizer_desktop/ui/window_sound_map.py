"""The map's two kinds, and drawing the sound map in the background (mixed into MainWindow).

The box under the map chooses the sound map (t-SNE, `core.analysis.sound_map`) or the main
directions (PCA). The sound map is drawn once per library and embedder, in a worker with its
progress and Cancel in the status bar, when no library job is running (it would compete with
embedding and training for the same cores); until it is drawn the PCA map shows. Loops
embedded later are placed beside their nearest drawn loops; when they make up more than a
fifth of the map it is drawn again. View > Draw the sound map again does it at once.
"""

from __future__ import annotations

from anomalizer_desktop.core.analysis.sound_map import MIN_LOOPS, due_for_drawing
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed

#: the jobs the drawing waits for (they change what is to be drawn, and need the cores)
WAITS_FOR = ("scan", "embed", "train", "score", "demo", "repair")


class SoundMapDrawing:
    """Which map shows, and when the sound map is drawn (mixed into MainWindow)."""

    #: (embedder, loops) a drawing was cancelled or refused for: not started again by itself
    #: for the same library state (the user's View > Draw the sound map again still does)
    _sound_map_declined: tuple[str, int] | None = None

    def map_kind(self) -> str:
        """The map chosen: "sound" or "pca"."""
        kind = self.settings.get("map_kind")
        return kind if kind in ("sound", "pca") else "sound"

    def _map_kind_chosen(self, kind: str) -> None:
        self.settings.set("map_kind", kind)
        self._sound_map_declined = None  # a choice of the sound map is a request for it
        self.reload()

    def _map_shown(self, projection) -> None:
        """After a reload: the box and axes say which map shows, and the sound map is drawn
        when it is due and nothing else needs the cores."""
        kind = self.map_kind()
        self.map.set_kind(kind)
        self.map.show_axes(projection.kind != "sound")
        if kind != "sound":
            return
        loops = len(projection.ids)
        if not due_for_drawing(projection, loops):
            return
        declined = (self.embedder_name(), loops)
        if self._sound_map_declined == declined or self._chain:
            return
        if any(self.runner.running(other) for other in WAITS_FOR):
            return  # the reload after that job comes back here
        self.draw_sound_map()

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
            if not self.map.caption.text().endswith("(Drawing the sound map…)"):
                self.map.caption.setText(f"{self.map.caption.text()} (Drawing the sound map…)")
        return handle

    @unless_closed
    def _sound_map_drawn(self, drawn, embedder: str, loops: int) -> None:
        if drawn.cancelled:
            self._sound_map_declined = (embedder, loops)
            self.statusBar().showMessage(
                "Drawing the sound map was cancelled: the main directions show instead"
                " (View > Draw the sound map again).",
                10_000,
            )
        else:
            self.statusBar().showMessage(drawn.summary[:1].upper() + drawn.summary[1:], 8000)
        self.reload()

    @unless_closed
    def _sound_map_failed(self, embedder: str, loops: int) -> None:
        self._sound_map_declined = (embedder, loops)
        self.reload()  # the caption loses its "(Drawing…)"
