"""Undo and redo for what the user writes by hand in the window: flags, notes, tags, tempos
and keys, and loops' names and folders.

Flags, notes and tags go to the library the moment a key is pressed (nothing waits for a save), so
undoing a change writes each loop's earlier value back, and redoing it writes the new one
again. Flagging quickly from the keyboard makes slips easy; Ctrl+Z takes one back.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Mapping

from PySide6.QtGui import QUndoCommand

from anomalizer_desktop.core.text import quantity

#: writes user data: (field, {value: sample ids}) -> False when the library refused it (the
#: writer tells the user why); field is "flag", "note", "tags" (their stored text), "tempo"
#: or "key" (set by hand)
Writer = Callable[[str, Mapping[object, list[int]]], bool | None]


class UserDataChange(QUndoCommand):
    """One flag, note or tags change for some loops: `before` per loop, `after` one value
    for all of them or one per loop (tags added to loops that have other tags each)."""

    def __init__(
        self,
        write: Writer,
        field: str,
        before: Mapping[int, str | None],
        after: str | Mapping[int, str | None] | None,
        text: str,
    ) -> None:
        super().__init__(text)
        self._write, self.field = write, field
        self.before = {int(i): (value or None) for i, value in before.items()}
        if isinstance(after, Mapping):
            self.after = {int(i): (value or None) for i, value in after.items()}
        else:
            self.after = dict.fromkeys(self.before, after or None)
        self._applied = False

    def apply(self) -> bool:
        """Write the change now, before it joins the undo history: a change the library
        refused (a full disk, a drive gone) is no step to undo. True when it was saved; push
        the command then, and the push does not write it twice."""
        self._applied = self._write(self.field, _by_value(self.after)) is not False
        return self._applied

    def redo(self) -> None:
        if self._applied:  # QUndoStack.push calls redo: `apply` has written it already
            self._applied = False
            return
        self._write(self.field, _by_value(self.after))

    def undo(self) -> None:
        self._write(self.field, _by_value(self.before))


class LoopRenamed(QUndoCommand):
    """A loop's file renamed in its folder (F2): undo names it back, redo renames it again.
    `rename(sample_id, path, name)` renames and says why when it cannot (a name taken since)."""

    def __init__(
        self, rename: Callable[[int, str, str], object], sample_id: int, before: str, after: str
    ) -> None:
        super().__init__(f"rename {os.path.basename(before)}")
        self._rename, self.sample_id = rename, int(sample_id)
        self.before, self.after = before, after
        self._pushed = True  # QUndoStack.push calls redo: the file is renamed already

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._rename(self.sample_id, self.before, os.path.basename(self.after))

    def undo(self) -> None:
        self._rename(self.sample_id, self.after, os.path.basename(self.before))


class LoopsMoved(QUndoCommand):
    """Loops' files moved into a folder of the library (Move to Folder): undo takes each back
    to the folder it came from, redo moves them again. `move(moves, where)` moves each (sample
    id, from, to), says where they went ("back to Drums") and what it could not move."""

    def __init__(
        self,
        move: Callable[[list[tuple[int, str, str]], str], object],
        moves: list[tuple[int, str, str]],
        folder: str,
    ) -> None:
        super().__init__(
            f"move {quantity(len(moves), 'loop')} to {os.path.basename(folder) or folder}"
        )
        self._move, self.moves = move, list(moves)
        self._pushed = True  # QUndoStack.push calls redo: the files are moved already

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        folder = os.path.dirname(self.moves[0][2])
        self._move(self.moves, f"to {os.path.basename(folder) or folder} again")

    def undo(self) -> None:
        where = back_to([old for _, old, _ in self.moves])
        self._move([(sample_id, new, old) for sample_id, old, new in self.moves], where)


def back_to(paths: list[str]) -> str:
    """Where loops go back to, for the status bar: "back to Drums", or "back to their 3
    folders"."""
    origins = sorted({os.path.dirname(path) for path in paths})
    if len(origins) == 1:
        return f"back to {os.path.basename(origins[0]) or origins[0]}"
    return f"back to their {len(origins)} folders"


class LoopsLeft(QUndoCommand):
    """Loops' files moved out of the library's folders, or to the trash, so out of the
    library: undo moves them back and puts back their rows as they were
    (`core.library.left_loops`), redo moves them out again. `moves` are (sample id, in the
    library, outside), `kept` the rows to put back; `bring_back(command)` and
    `send_out(command)` do it and keep both up to date (a loop may come back under a new id; a
    redo keeps the rows anew and may put a file elsewhere in the trash). Its text is "move N
    loops `where`"."""

    def __init__(
        self,
        bring_back: Callable[[LoopsLeft], object],
        send_out: Callable[[LoopsLeft], object],
        moves: list[tuple[int, str, str]],
        kept: object,
        where: str,
    ) -> None:
        super().__init__()
        self._bring_back, self._send_out = bring_back, send_out
        self.where, self.kept = where, kept
        self.moves: list[tuple[int, str, str]] = []
        self.set_moves(moves)
        self._pushed = True  # QUndoStack.push calls redo: the files are moved already

    def set_moves(self, moves: list[tuple[int, str, str]]) -> None:
        """The loops it moves from now on (fewer when some stayed out as it was undone), and
        its text, which says how many."""
        self.moves = list(moves)
        self.setText(f"move {quantity(len(self.moves), 'loop')} {self.where}")

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._send_out(self)

    def undo(self) -> None:
        self._bring_back(self)


def _by_value(values: Mapping[int, str | None]) -> dict[str | None, list[int]]:
    """{value: the loops that get it}: what a Writer takes."""
    by_value: dict[str | None, list[int]] = defaultdict(list)
    for sample_id, value in values.items():
        by_value[value].append(sample_id)
    return dict(by_value)


def describe_flag_change(count: int, flag: str | None, copies: int = 0, done: bool = False) -> str:
    """The undo text of a flag change, e.g. "flag 3 loops unusual" or "flag 1 loop unusual
    with 2 copies of it" (copies elsewhere in the library, flagged with it); with `done`,
    what the status bar says of it ("Flagged 3 loops unusual")."""
    loops = quantity(count, "loop")
    with_copies = ""
    if copies:
        of = "it" if count == 1 else "them"
        with_copies = f" with {quantity(copies, 'copy', 'copies')} of {of}"
    if flag is None:
        return f"{'Cleared' if done else 'clear'} the flag of {loops}{with_copies}"
    return f"{'Flagged' if done else 'flag'} {loops} {flag}{with_copies}"


def describe_tags_change(
    count: int, added: tuple[str, ...], removed: tuple[str, ...], done: bool = False
) -> str:
    """The undo text of a tags change, e.g. "tag 3 loops dark, song-a" or "untag 1 loop
    keep"; with `done`, what the status bar says of it ("Tagged 3 loops dark, song-a")."""
    loops = quantity(count, "loop")
    if added and not removed:
        text = f"{'Tagged' if done else 'tag'} {loops} {', '.join(added)}"
    elif removed and not added:
        text = f"{'Took' if done else 'take'} {', '.join(removed)} off {loops}"
    elif added and removed:  # a rename, often: keep -> keepers
        text = (
            f"{'Tagged' if done else 'tag'} {loops} {', '.join(added)} and"
            f" {'took' if done else 'take'} {', '.join(removed)} off"
        )
    else:
        text = f"{'Changed' if done else 'change'} the tags of {loops}"
    return text


def describe_note_change(count: int, note: str | None) -> str:
    """The undo text of a note change, e.g. "note 2 loops"."""
    loops = quantity(count, "loop")
    return f"clear the note of {loops}" if not note else f"note {loops}"
