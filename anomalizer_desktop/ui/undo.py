"""Undo and redo for what the user writes by hand in the window: flags and notes.

Flags and notes go to the library the moment a key is pressed (nothing waits for a save), so
undoing a change writes each loop's earlier value back, and redoing it writes the new one
again. Flagging quickly from the keyboard makes slips easy; Ctrl+Z takes one back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from PySide6.QtGui import QUndoCommand

from anomalizer_desktop.core.text import quantity

#: writes user data: (field, {value: sample ids}) -> False when the library refused it (the
#: writer tells the user why); field is "flag" or "note"
Writer = Callable[[str, Mapping[str | None, list[int]]], bool | None]


class UserDataChange(QUndoCommand):
    """One flag or note change for some loops: `after` for all of them, `before` per loop."""

    def __init__(
        self,
        write: Writer,
        field: str,
        before: Mapping[int, str | None],
        after: str | None,
        text: str,
    ) -> None:
        super().__init__(text)
        self._write, self.field = write, field
        self.before = {int(i): (value or None) for i, value in before.items()}
        self.after = after or None
        self._applied = False

    def apply(self) -> bool:
        """Write the change now, before it joins the undo history: a change the library
        refused (a full disk, a drive gone) is no step to undo. True when it was saved; push
        the command then, and the push does not write it twice."""
        self._applied = self._write(self.field, {self.after: list(self.before)}) is not False
        return self._applied

    def redo(self) -> None:
        if self._applied:  # QUndoStack.push calls redo: `apply` has written it already
            self._applied = False
            return
        self._write(self.field, {self.after: list(self.before)})

    def undo(self) -> None:
        by_value: dict[str | None, list[int]] = defaultdict(list)
        for sample_id, value in self.before.items():
            by_value[value].append(sample_id)
        self._write(self.field, by_value)


def describe_flag_change(count: int, flag: str | None) -> str:
    """The undo text of a flag change, e.g. "flag 3 loops unusual"."""
    loops = quantity(count, "loop")
    return f"clear the flag of {loops}" if flag is None else f"flag {loops} {flag}"


def describe_note_change(count: int, note: str | None) -> str:
    """The undo text of a note change, e.g. "note 2 loops"."""
    loops = quantity(count, "loop")
    return f"clear the note of {loops}" if not note else f"note {loops}"
