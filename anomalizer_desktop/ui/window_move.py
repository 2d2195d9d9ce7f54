"""The window's Move to Folder (Edit menu, the loops' context menu, Ctrl+Shift+M): the
selected loops' files go into a folder the producer picks, the library following them
(`core.library.move_loops`), as a job with its progress and Cancel in the status bar; and
Rename (F2), the current loop's file renamed in its folder."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer

from anomalizer_desktop.core.analysis.loop_space import new_generation
from anomalizer_desktop.core.errors import os_reason
from anomalizer_desktop.core.id_positions import values_at
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.left_loops import BroughtBack, bring_back, send_out
from anomalizer_desktop.core.library.move_loops import (
    MoveError,
    MoveResult,
    library_folder_id,
    move_each,
    rename_loop,
)
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import jobs, move_files, plain_text
from anomalizer_desktop.ui.undo import LoopRenamed, LoopsLeft, LoopsMoved, back_to
from anomalizer_desktop.ui.window_jobs import LIBRARY_JOBS


class LoopMoving:
    """Mixed into MainWindow: needs `model`, `store`, `settings`, `runner`, `player`,
    `selected_rows`, `select_ids`, `annotated_count`, `undo_stack`, `_row_after`, `_run`,
    `_chain`."""

    def move_selection(self) -> None:
        """Ask for a folder and move the selected loops' files there. Into a folder the
        library scans they keep their flags, notes, tags and scores and stay selected; out
        of the library's folders they leave it, after asking, and the loop below them
        becomes the selection."""
        rows = self.selected_rows()
        if not rows or self._busy_for("Move to Folder"):
            return
        ids = self.model.sample_ids(rows)
        paths = [self.model.path(r) for r in rows]
        last = self.settings.get("move_folder")
        start = last if last and os.path.isdir(last) else os.path.dirname(paths[0])
        folder = move_files.choose_folder(self, start)
        if not folder:
            return
        folder = os.path.realpath(folder)
        after = None
        if library_folder_id(self.store, folder) is None:
            links = self.model.links_left_behind(ids)
            if not move_files.confirm_leaving(
                self, len(ids), folder, self.annotated_count(ids), links
            ):
                return
            after = self._row_after(rows)  # the loops will not be there to stay selected
        self.settings.set("move_folder", folder)
        self._start_move(dict(zip(paths, ids, strict=True)), folder, after)

    def move_dropped(self, folder: str, ids: list[int]) -> None:
        """Loops dragged from the table onto a folder of the Folders panel move into it (a
        folder of the library: they keep their flags and stay selected; Ctrl+Z undoes it)."""
        if not ids or self._busy_for("Moving loops"):
            return
        rows, found = self.model.library.rows_of_ids(ids)  # (rows of the ids found only)
        held = [int(i) for i, ok in zip(ids, found, strict=True) if ok]
        paths = values_at(self.model.library.paths, rows)
        self._start_move(dict(zip(paths, held, strict=True)), folder, None)

    def _start_move(self, loops: dict[str, int], folder: str, after: int | None) -> None:
        """The move job of these loops (path -> id) into `folder`; `after`: the loop to select
        when they leave the library."""
        self.player.stop()  # (a loop playing is a file open)
        self._run(
            "move",
            f"Moving {quantity(len(loops), 'loop')}",
            jobs.move_job(loops, folder),
            on_done=lambda result: self._loops_moved(result, loops, after, folder),
        )

    def _loops_moved(
        self, result: MoveResult, loops: dict[str, int], after: int | None, folder: str = ""
    ) -> None:
        self.library_generation = new_generation()  # explanations name loops by their paths
        if result.in_library:
            self.select_ids(list(loops.values()))
            moves = [(loops[old], old, new) for old, new in result.moved]
            if moves:  # Ctrl+Z moves them back (between drives, as a job of its own)
                self.undo_stack.push(LoopsMoved(self.move_files_to, moves, result.folder))
        elif result.moved:
            # Ctrl+Z brings them back as they left (their rows were kept), under their ids, so
            # the older steps of the history name them again
            moves = [(loops[old], old, new) for old, new in result.moved]
            where = f"out to {os.path.basename(folder)}"
            self.undo_stack.push(
                LoopsLeft(self.bring_loops_back, self.send_loops_out, moves, result.left, where)
            )
            if after is not None:
                self.select_ids([after])
        self.statusBar().showMessage(result.report(), 15_000)
        move_files.warn_not_moved(self, result)

    def move_files_to(self, moves: list[tuple[int, str, str]], where: str) -> None:
        """Move each loop (sample id, from, to), the library following (an undone move, or
        one redone: `where` says where to, "back to Drums"): at once on one drive (renames),
        else as a job with its progress and Cancel in the status bar (a copy per file, as the
        move itself was)."""
        self.player.stop()
        if all(_on_one_drive(old, new) for _, old, new in moves):
            self._files_moved(run_job(move_each(self.store, moves)), moves, where)
            self.reload()
            return
        self._run(
            "move",
            f"Moving {quantity(len(moves), 'loop')} {where}",
            jobs.move_each_job(moves),
            on_done=lambda result: self._files_moved(result, moves, where),
        )

    def bring_loops_back(self, command: LoopsLeft) -> None:
        """Undo a move out of the library: the files back where they were and the loops back
        in the library as they left (at once on one drive, else as a job)."""
        self.player.stop()
        moves = [(sample_id, new, old) for sample_id, old, new in command.moves]
        where = back_to([old for _, old, _ in command.moves])
        if all(_on_one_drive(out, back) for _, out, back in moves):
            self._loops_back(run_job(bring_back(self.store, command.kept, moves)), command, where)
            self.reload()
            return
        self._run(
            "move",
            f"Moving {quantity(len(moves), 'loop')} {where}",
            jobs.bring_back_job(command.kept, moves),
            on_done=lambda result: self._loops_back(result, command, where),
        )

    def _loops_back(self, result: BroughtBack, command: LoopsLeft, where: str) -> None:
        if result.restored:  # where those that came back are (some may have stayed out)
            where = back_to([path for _, _, path in result.restored])
        cancelled = "; cancelled" if result.cancelled else ""
        moved = quantity(len(result.restored), "loop")
        lead = f"Moved {moved} {where}{cancelled}: back in the library"
        self.loops_came_back(result, command, lead)

    def loops_came_back(self, result: BroughtBack, command: LoopsLeft, lead: str) -> None:
        """Loops that had left the library are back in it (a move out or the trash undone):
        the command's ids are theirs now, they are selected once the table holds them, the
        status bar says `lead` and what came back with them, and a dialog names those that
        stayed out. One that came back under a new id empties the history (its older steps
        name the old one)."""
        self.library_generation = new_generation()  # explanations name loops by their paths
        now = {back: sample_id for sample_id, _, back in result.restored}
        # a redo moves out again the loops that came back, not those that stayed out (their
        # files are not where it would look: it called them gone)
        command.set_moves([(now[old], old, new) for _, old, new in command.moves if old in now])
        if not command.moves:
            command.setObsolete(True)  # none came back: nothing to redo (the stack drops it)
        # shown and selected once the table holds them again (the next reload), as dropped
        # loops are: the filters make way for them
        self._dropped_paths = list(now)
        if now:
            what = (
                "its flag, note, tags and scores"
                if len(now) == 1
                else "their flags, notes, tags and scores"
            )
            self.statusBar().showMessage(f"{lead} with {what}.", 8000)
        if result.renumbered:  # (after the undo step is over: not from within it)
            QTimer.singleShot(0, self.undo_stack.clear)
        move_files.warn_not_moved(self, result)

    def send_loops_out(self, command: LoopsLeft) -> None:
        """Redo a move out of the library: the files out again, their rows kept anew."""
        if not command.moves:  # none came back when it was undone (a job's undo)
            return
        self.player.stop()
        folder = os.path.dirname(command.moves[0][2])
        where = f"to {os.path.basename(folder) or folder} again"
        after = self.selection_after_leaving([sample_id for sample_id, _, _ in command.moves])

        def done(outcome) -> None:
            result, command.kept = outcome
            self.library_generation = new_generation()
            if result.moved:
                if after is not None:
                    self.select_ids([after])
                self.statusBar().showMessage(
                    f"Moved {quantity(len(result.moved), 'loop')} {where} (they left the library).",
                    8000,
                )
            move_files.warn_not_moved(self, result)

        if all(_on_one_drive(back, out) for _, back, out in command.moves):
            outcome = run_job(send_out(self.store, command.moves))
            self.reload()
            done(outcome)
            return
        self._run(
            "move",
            f"Moving {quantity(len(command.moves), 'loop')} {where}",
            jobs.send_out_job(command.moves),
            on_done=done,
        )

    def selection_after_leaving(self, ids: list[int]) -> int | None:
        """The loop to select once these loops leave the table (Ctrl+Y of a move out of the
        library or to the trash): the first below them, when the selection is among them (its
        explanation would name a loop no longer there); None leaves the selection as it is."""
        leaving = {int(i) for i in ids}
        if not leaving & {int(i) for i in self.selected_ids()}:
            return None
        rows = self.model.view_rows_of(sorted(leaving))
        rows = sorted(int(r) for r in rows[rows >= 0])
        return self._row_after(rows) if rows else None

    def _files_moved(
        self, result: MoveResult, moves: list[tuple[int, str, str]], where: str
    ) -> None:
        """The status bar, and a dialog for those that could not move, say what came of it."""
        self.library_generation = new_generation()  # explanations name loops by their paths
        self.select_ids([sample_id for sample_id, _, _ in moves])
        if result.moved:
            cancelled = "; cancelled" if result.cancelled else ""
            self.statusBar().showMessage(
                f"Moved {quantity(len(result.moved), 'loop')} {where}{cancelled}.", 8000
            )
        move_files.warn_not_moved(self, result)

    def rename_current(self) -> None:
        """F2 (Loop > Rename…): rename the current loop's file in its folder; its flag, note,
        tags and scores stay with it (`core.library.move_loops.rename_loop`)."""
        index = self.table.currentIndex()
        if not index.isValid() or self._busy_for("Rename"):
            return
        path = self.model.path(index.row())
        sample_id = int(self.model.sample_id(index.row()))
        if not os.path.lexists(path):
            self.statusBar().showMessage(
                f"Not renamed: {os.path.basename(path)} is missing (a drive not connected?).", 8000
            )
            return
        name = move_files.ask_name(self, path)
        if name is None:
            return
        new = self.rename_file(sample_id, path, name)
        if new is not None and new != path:
            self.undo_stack.push(LoopRenamed(self.rename_file, sample_id, path, new))

    def rename_file(self, sample_id: int, path: str, name: str) -> str | None:
        """Rename the loop's file and show it under its new name, selected; its new path, or
        None when it could not be renamed (a dialog says why)."""
        self.player.stop()  # (a loop playing is a file open)
        try:
            new = rename_loop(self.store, sample_id, path, name)
        except MoveError as error:
            plain_text.warn(self, "Not renamed", str(error))
            return None
        except OSError as error:
            plain_text.warn(self, "Not renamed", f"{path}: {os_reason(error)}")
            return None
        self.library_generation = new_generation()  # explanations name loops by their paths
        if new != path:
            self.statusBar().showMessage(f"Renamed to {os.path.basename(new)}.", 8000)
        self.select_ids([sample_id])
        self.reload()
        return new

    def files_step_waits(self, command) -> bool:
        """Whether the undo or redo of `command` moves files while a job reads them by their
        paths (`_busy_for`, which says so); flags, notes and tags never wait."""
        return isinstance(command, LoopsMoved | LoopsLeft | LoopRenamed) and self._busy_for("Undo")

    def _busy_for(self, what: str) -> bool:
        """Whether a job reads the loops' files by their paths (a scan, an embedding, the
        same audio's comparison) or writes their rows now: a file moved under it would be an
        error there. Says so in the status bar."""
        waits_for = (*LIBRARY_JOBS, "same_audio")
        busy = next((kind for kind in waits_for if self.runner.running(kind)), None)
        if not busy and not self._chain:
            return False
        job = (busy or "jobs").replace("_", " ")
        self.statusBar().showMessage(
            f"{what} waits until the library's {job} is done (or cancelled in the status bar).",
            8000,
        )
        return True


def _on_one_drive(one: str, other: str) -> bool:
    """Whether the folders of two paths are on one drive (a move between them is a rename)."""
    try:
        return os.stat(os.path.dirname(one)).st_dev == os.stat(os.path.dirname(other)).st_dev
    except OSError:
        return False
