"""Loops moved out of the library, kept so that the move can be undone (Ctrl+Z).

A move into a folder outside the library's folders takes the loops out of it (their rows
deleted, as with the trash), and until 2026-12-04 it also emptied the window's undo history:
its older steps named loops that were gone. Now the move keeps the rows it deletes, every
table's rows of those loops (`kept_rows.forget_kept`: the loop, its vectors, scores, place on
the map, heard tempo, and the producer's flag, note, tags, tempo and key), and Ctrl+Z moves
the files back and puts the rows back under the same ids (`bring_back`): the loops come back
as they left, scored and flagged, and the older steps of the history name them again. Redo
moves them out once more (`send_out`).

An id taken meanwhile (a loop scanned in after the move took the freed number) cannot be
given back: that loop comes back under a new id, and the result says so (`renumbered`), for
the window to empty its history, whose older steps would otherwise reach the other loop.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job
from anomalizer_desktop.core.library.followed_exports import follow_moves
from anomalizer_desktop.core.library.kept_rows import KeptRows, forget_kept, restore, run_ids
from anomalizer_desktop.core.library.move_loops import (
    MoveResult,
    library_folder_id,
    move_one,
    moving,
)
from anomalizer_desktop.core.library.store import Store


@dataclass
class BroughtBack(MoveResult):
    """A MoveResult of loops moved back into the library: (id now, where it was out, where it
    is again) for each loop put back, and whether one came back under a new id."""

    restored: list[tuple[int, str, str]] = field(default_factory=list)
    renumbered: bool = False


def bring_back(
    store: Store,
    kept: KeptRows,
    moves: list[tuple[int, str, str]],
    cancel: CancelToken | None = None,
) -> Job[BroughtBack]:
    """Move each loop (id it had, where it is now, where it was in the library) back, and put
    its kept rows back; a file whose name is taken there, or a folder no longer the library's,
    keeps it out (said in the result). Yields Progress per file, stops between files when
    cancelled."""
    result = BroughtBack("", in_library=True)
    runs = run_ids(store)
    for progress, (sample_id, path, target) in moving(moves, result, cancel):
        yield progress
        root_id = library_folder_id(store, os.path.dirname(target))
        if root_id is None:
            result.failed[path] = "its folder is no longer one of the library's"
        elif move_one(store, path, target, result):
            try:
                with store.transaction() as db:
                    now_id = restore(db, kept, sample_id, target, root_id, runs)
            except (sqlite3.Error, AnomalizerError):
                result.not_recorded.append(target)
            else:
                result.restored.append((now_id, path, target))
                result.renumbered = result.renumbered or now_id != sample_id
    if result.restored:
        store.mark_flags_changed()  # (their flags and notes are back: so must their backup's be)
    result.followed = follow_moves(store, result.moved)
    return result


def send_out(
    store: Store, moves: list[tuple[int, str, str]], cancel: CancelToken | None = None
) -> Job[tuple[MoveResult, KeptRows]]:
    """Move each loop (id, where it is in the library, where it goes outside) out of the
    library again (a redo), keeping the rows it deletes for the next undo."""
    result = MoveResult("", in_library=False)
    left = []
    for progress, (sample_id, path, target) in moving(moves, result, cancel):
        yield progress
        if move_one(store, path, target, result):
            left.append(int(sample_id))
    try:
        kept = forget_kept(store, left)
    except (sqlite3.Error, AnomalizerError):
        result.not_recorded += [new for _, new in result.moved]
        kept = KeptRows()
    result.followed = follow_moves(store, result.moved)
    return result, kept
