"""The window's Move to Trash (Delete), and Ctrl+Z taking the loops back out of the trash.

The loops' files go to the desktop's trash (`ui.trash`), and the library forgets them. Until
2026-12-04 that was for good as far as the library went: restored from the trash by hand, a
loop came back new, without its flag, note, tags or scores. Now the rows the library deletes
are kept (`core.library.kept_rows.forget_kept`) with where each file went in the trash (Qt says
so), and Ctrl+Z takes the files back out to where they were and puts the loops back as they
were (`core.library.left_loops.bring_back`), the trash's own note of each file deleted so the
desktop no longer lists it; redo sends them to the trash again.
"""

from __future__ import annotations

import os
import sqlite3

from anomalizer_desktop.core.analysis.loop_space import new_generation
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.kept_rows import forget_kept
from anomalizer_desktop.core.library.left_loops import bring_back
from anomalizer_desktop.core.library.trash import forget_trash_info
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import plain_text, trash
from anomalizer_desktop.ui.undo import LoopsLeft


class LoopTrashing:
    """Mixed into MainWindow: needs `model`, `store`, `player`, `selected_rows`, `select_ids`,
    `annotated_count`, `undo_stack`, `_row_after`, `reload`, `loops_came_back` and
    `selection_after_leaving` (window_move)."""

    def trash_selection(self) -> None:
        """Move the selected loops' files to the desktop's trash, after asking, and forget
        them: the step after finding the loops that don't fit. The next loop down becomes
        the selection, so auditioning goes on from there; Ctrl+Z takes them back out."""
        rows = self.selected_rows()
        if not rows:
            return
        ids = self.model.sample_ids(rows)
        paths = [self.model.path(r) for r in rows]
        annotated = self.annotated_count(ids)
        # the loop to go on from, named by id before the question: a job that ends while it
        # is open reloads and re-sorts the table, and its rows then hold other loops
        after = self._row_after(rows)
        if not trash.confirm(self, paths, annotated, self.model.links_left_behind(ids)):
            return
        by_path = dict(zip(paths, (int(i) for i in ids), strict=True))
        trashed = self._to_trash(by_path)
        if trashed is None:
            return
        moves, kept, result = trashed
        if result.forgotten and after is not None:
            self.select_ids([after])
        self.statusBar().showMessage(trash.report(result), 10_000)
        if moves:
            self.undo_stack.push(
                LoopsLeft(
                    self._out_of_trash,
                    self._to_trash_again,
                    moves,
                    kept,
                    "to the trash",
                )
            )

    def _to_trash(self, by_path: dict[str, int]):
        """Move these loops (path -> id) to the trash and forget them: ((id, path, where in
        the trash) of each that Ctrl+Z can take back, their kept rows, the TrashResult), or
        None when the library could not be written."""
        self.player.stop()
        result = trash.move_to_trash(list(by_path))
        # the next explanation must not name a trashed loop
        self.library_generation = new_generation()
        try:
            kept = forget_kept(self.store, [by_path[p] for p in result.forgotten])
        except (sqlite3.Error, AnomalizerError) as error:
            plain_text.warn(
                self,
                "The library was not changed",
                f"{error}\n\nThe files are in the trash; the next rescan lists them as missing.",
            )
            self.reload()
            return None
        if result.failed:
            trash.warn_failed(self, result.failed)
        self.reload()
        moves = [
            (by_path[p], p, result.in_trash[p]) for p in result.trashed if p in result.in_trash
        ]
        return moves, kept, result

    def _out_of_trash(self, command: LoopsLeft) -> None:
        """Undo: the files back out of the trash where they were, the loops back as they left."""
        self.player.stop()
        moves = [(sample_id, in_trash, path) for sample_id, path, in_trash in command.moves]
        result = run_job(bring_back(self.store, command.kept, moves))
        for _, in_trash, _ in result.restored:
            forget_trash_info(in_trash)
        back = [path for _, _, path in result.restored]
        names = os.path.basename(back[0]) if len(back) == 1 else quantity(len(back), "loop")
        self.loops_came_back(result, command, f"Took {names} back out of the trash,")
        self.reload()

    def _to_trash_again(self, command: LoopsLeft) -> None:
        """Redo: the loops to the trash again (each may land under another name there)."""
        if not command.moves:  # none came back out of the trash when it was undone
            return
        after = self.selection_after_leaving([sample_id for sample_id, _, _ in command.moves])
        trashed = self._to_trash({path: i for i, path, _ in command.moves})
        if trashed is None:
            return
        moves, command.kept, result = trashed
        command.set_moves(moves)
        if result.forgotten and after is not None:
            self.select_ids([after])
        self.statusBar().showMessage(trash.report(result), 10_000)
