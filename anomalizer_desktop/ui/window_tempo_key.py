"""The window's side of tempos and keys set by hand: Loop > Tempo and Key…, Double the
tempo and Halve the tempo, each one step of the undo history (see `tempo_key_dialog`). A
tempo and key are the sound's, like a flag: they go on the loop's copies (the same bytes
elsewhere) and on the files its audio was found in, as T and U do."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QDialog

from anomalizer_desktop.core.loop_names import SETTABLE_TEMPO
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui.tempo_key_dialog import TempoKeyDialog
from anomalizer_desktop.ui.undo import UserDataChange


class TempoKeyEditing:
    """Mixed into MainWindow: needs `model`, `selected_ids`, `write_user_data`,
    `undo_stack` and the status bar."""

    def _build_tempo_key_actions(self, action) -> None:
        self.act_tempo_key = action(
            "Tempo and Key…",
            self.edit_tempo_key,
            tip="Set the tempo and key of the selected loops, over what their names or sound say",
        )
        self.act_double_tempo = action(
            "Double the tempo",
            self.double_tempo,
            "+",
            tip="A loop heard at half time (drum & bass at 87): its tempo doubled",
        )
        self.act_halve_tempo = action(
            "Halve the tempo",
            self.halve_tempo,
            "-",
            tip="A loop heard at double time: its tempo halved",
        )

    def double_tempo(self) -> None:
        """+ (or =): the selected loops' tempos doubled."""
        self.scale_tempo(2.0)

    def halve_tempo(self) -> None:
        """-: the selected loops' tempos halved."""
        self.scale_tempo(0.5)

    def _yours(self, ids: list[int]) -> tuple[list, list, list]:
        """What the loops `ids` say themselves, and the tempos and keys set for them by hand
        (None: none), in the order given."""
        library = self.model.library
        rows = library.rows_of_ids(ids)[0].tolist()
        tempos = [float(library.user_tempo[r]) for r in rows]
        return (
            [library.own[r] for r in rows],
            [None if math.isnan(t) else t for t in tempos],
            [library.user_keys[r] for r in rows],
        )

    def edit_tempo_key(self) -> None:
        """Ask for the selected loops' tempo and key; write what was changed."""
        ids = self.selected_ids()
        if not ids:
            return
        dialog = TempoKeyDialog(*self._yours(ids), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        shown = len(ids)
        ids = self.model.library.with_copies(ids)
        _, tempos, keys = self._yours(ids)
        if choice.tempo is not None:
            before = dict(zip(ids, tempos, strict=True))
            self._set_yours(ids, shown, "tempo", before, choice.tempo)
        if choice.key is not None:
            self._set_yours(ids, shown, "key", dict(zip(ids, keys, strict=True)), choice.key)

    def scale_tempo(self, factor: float) -> None:
        """Double or halve the tempo of each selected loop that has one (theirs, or what the
        loop says); loops without a tempo, or that would leave SETTABLE_TEMPO, stay."""
        selected = self.selected_ids()
        if not selected:
            return
        library = self.model.library
        ids = library.with_copies(selected)
        rows = library.rows_of_ids(ids)[0].tolist()
        _, tempos, _ = self._yours(ids)
        before, after = {}, {}
        for sample_id, row, mine in zip(ids, rows, tempos, strict=True):
            shown = float(library.tempo[row])
            scaled = round(shown * factor, 2)
            if not math.isnan(shown) and SETTABLE_TEMPO[0] <= scaled <= SETTABLE_TEMPO[1]:
                before[sample_id], after[sample_id] = mine, scaled
        what = "Doubled" if factor > 1 else "Halved"
        if not after:
            self.statusBar().showMessage(
                "None of the selected loops has a tempo to change: Tempo and Key… sets one.",
                5000,
            )
            return
        loops = _loops(len([i for i in selected if i in after]), len(after))
        text = f"{what.lower()[:-1]} the tempo of {loops}"
        change = UserDataChange(self.write_user_data, "tempo", before, after, text)
        if change.apply():
            self.undo_stack.push(change)
            self.statusBar().showMessage(f"{what} the tempo of {loops}. Ctrl+Z undoes it.", 5000)

    def _set_yours(self, ids: list[int], shown: int, field: str, before: dict, value) -> None:
        """Write one tempo or key (0.0 / "": take theirs off) for these loops, the first
        `shown` of them selected, the others their copies."""
        value = value or None
        loops = _loops(shown, len(ids))
        if value is None:
            text = f"clear the {field} of {loops}"
            done = f"Cleared the {field} set for {loops}: what each says counts again"
        else:
            shown = f"{value:g} BPM" if field == "tempo" else value
            text = f"set the {field} of {loops} to {shown}"
            done = f"Set the {field} of {loops} to {shown}"
        change = UserDataChange(self.write_user_data, field, before, value, text)
        if change.apply():
            self.undo_stack.push(change)
            self.statusBar().showMessage(f"{done}. Ctrl+Z undoes it.", 5000)


def _loops(selected: int, written: int) -> str:
    """ "3 loops", or "1 loop with 2 copies of it" when copies were written with them."""
    loops = quantity(selected, "loop")
    copies = written - selected
    if not copies:
        return loops
    return (
        f"{loops} with {quantity(copies, 'copy', 'copies')} of {'it' if selected == 1 else 'them'}"
    )
