"""Trying loops from outside the library before adding them (mixed into MainWindow).

A drop of loops the library does not hold asks whether to add their folders, or only to see
how they would fit; Library > Try loops from outside… does the same for a folder chosen.
The files are described and scored in a worker (`jobs.newcomers_job`), with progress and
Cancel in the status bar, and `NewcomersDialog` lists the verdict.
"""

from __future__ import annotations

import contextlib
import os

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QFileDialog

from anomalizer_desktop.core.loop_names import declared
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.newcomers_dialog import NewcomersDialog
from anomalizer_desktop.ui.settings import folder_to_browse


class TryNewcomers:
    """Judge loops from outside the library with its latest run (mixed into MainWindow)."""

    #: the list of the loops tried last, while it is open
    newcomers_dialog: NewcomersDialog | None = None

    def choose_newcomers(self) -> None:
        """Library > Try loops from outside…: a folder (a pack just downloaded) to judge."""
        folder = QFileDialog.getExistingDirectory(
            self, "Try the loops of a folder (nothing is added)", folder_to_browse(self.settings)
        )
        if folder:
            self.try_newcomers([folder])

    def try_newcomers(self, paths: list[str]):
        """Describe and score `paths` (files or folders) in a worker; the dialog follows."""
        return self._side_job(
            "newcomers",
            jobs.newcomers_job(list(paths), self.library_generation),
            "Trying loops from outside",
            self._show_newcomers,
        )

    @unless_closed
    def _show_newcomers(self, verdict) -> NewcomersDialog:
        previous = self.newcomers_dialog
        if previous is not None:
            previous.close()
        dialog = NewcomersDialog(verdict, self)
        dialog.autoplay = self.autoplay_box.isChecked()
        self.autoplay_box.toggled.connect(dialog.set_autoplay)
        dialog.play_requested.connect(self._play_newcomer)
        dialog.add_requested.connect(self.add_folders)
        dialog.keep_requested.connect(lambda paths: self.keep_newcomers(dialog.verdict, paths))
        dialog.finished.connect(lambda _result: self._newcomers_closed(dialog))
        self.newcomers_dialog = dialog
        if self._place_newcomers(verdict):
            dialog.row_changed.connect(self.map.ring_visitor)
            self.map.visitor_clicked.connect(dialog.visitor_clicked)
            dialog.say_on_the_map()
            dialog.row_changed.emit(dialog.table.currentRow())
        # beside the window's map, not over it: the loops are drawn where they would land
        dialog.move(self.mapToGlobal(self.rect().topLeft()) + QPoint(24, 80))
        dialog.show()  # not modal: the map's points and the table stay in reach
        return dialog

    def _place_newcomers(self, verdict) -> bool:
        """Draw the described loops on the map where the library's would be; False when the
        map is of other vectors (another embedder chosen) or too small to be a PCA. On a
        sound map each goes beside the library loops it sounds most like (a t-SNE has no
        formula for a new point); on the PCA map, where its vector projects."""
        projection = getattr(self, "_map_projection", None)
        if (
            verdict.vectors is None
            or projection is None
            or verdict.embedder != self.embedder_name()
        ):
            return False
        described = verdict.described
        if projection.kind == "sound":
            xy = self.map.positions_beside([loop.nearest_ids for loop in described])
        elif projection.placement is not None:
            xy = projection.placement.place(verdict.vectors)
        else:
            return False
        self.map.show_visitors(
            xy,
            [os.path.basename(loop.path) for loop in described],
            [loop.percentile for loop in described],
        )
        return True

    def place_newcomers_again(self) -> None:
        """A reload drew the map anew (a rescan, a training): the loops from outside still on
        show go where the new map puts them (or off it, when it is of other vectors now)."""
        dialog = self.newcomers_dialog
        if dialog is None or not dialog.isVisible() or not self.map.visitor_count():
            return
        if self._place_newcomers(dialog.verdict):
            dialog.row_changed.emit(dialog.table.currentRow())
        else:
            self.map.clear_visitors()

    def _newcomers_closed(self, dialog: NewcomersDialog) -> None:
        """The list closed: its sound stops, its points leave the map, and it goes (a
        closed dialog kept per try would pile up)."""
        self.player.stop()
        if self.newcomers_dialog is dialog:  # (not a newer one's points)
            self.map.clear_visitors()
            self.newcomers_dialog = None
        self.autoplay_box.toggled.disconnect(dialog.set_autoplay)
        with contextlib.suppress(RuntimeError, TypeError):  # never connected: no map
            self.map.visitor_clicked.disconnect(dialog.visitor_clicked)
        dialog.deleteLater()

    def keep_newcomers(self, verdict, paths: list[str]):
        """Copy the loops that fit into a folder the user picks (a library folder, first),
        in a folder named after their pack, then scan that folder in as a drop would."""
        roots = [path for _, path in self.store.roots()]
        start = roots[0] if roots else folder_to_browse(self.settings)
        chosen = QFileDialog.getExistingDirectory(
            self,
            f"Copy {quantity(len(paths), 'loop')} into (a folder named after the pack goes in it)",
            start,
        )
        if not chosen:
            return None
        pack = verdict.pack_name()
        target = (
            chosen
            if os.path.basename(chosen.rstrip(os.sep)) == pack
            else os.path.join(chosen, pack)
        )
        return self._side_job(
            "keep",
            jobs.keep_job(list(paths), target),
            "Copying the loops that fit",
            self._kept_newcomers,
        )

    @unless_closed
    def _kept_newcomers(self, kept) -> None:
        there = f", {len(kept.already_there)} already there" if kept.already_there else ""
        failed = f", {len(kept.failed)} could not be copied" if kept.failed else ""
        if kept.failed:  # (the scan that follows resets the Problems panel: name one here)
            failed += f" ({os.path.basename(kept.failed[0][0])}: {kept.failed[0][1]})"
        self.statusBar().showMessage(
            f"Copied {quantity(len(kept.copied), 'loop')} to {kept.folder}{there}{failed};"
            " scanning them in.",
            10_000,
        )
        if kept.copied or kept.already_there:
            self.add_folders([kept.folder])

    def _play_newcomer(self, path: str) -> None:
        self._auditioning = True
        says = declared(path, None, None)  # by its name
        self.player.play(path, 0.0, says.tempo, says.key)
