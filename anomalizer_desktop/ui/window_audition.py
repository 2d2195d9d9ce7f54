"""Auditioning and annotating from the keyboard: play, loop, flag, note, tag, undo, and the
table's context menu.

A mixin of MainWindow. Flags, notes and tags are written to the store the moment a key is
pressed (one step of the undo history each); nothing waits for a save.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMenu

from anomalizer_desktop.core.analysis.loop_space import new_generation
from anomalizer_desktop.core.library.store import StoreError
from anomalizer_desktop.core.loop_names import MIXES, mixing_keys, parse_query, with_key_term
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.actions import make_action
from anomalizer_desktop.ui.file_mime import files_mime
from anomalizer_desktop.ui.reveal import reveal
from anomalizer_desktop.ui.undo import UserDataChange, describe_flag_change, describe_note_change

FLAG_KEYS = {Qt.Key.Key_T: "typical", Qt.Key.Key_U: "unusual", Qt.Key.Key_0: None}
#: keys 1 to 9: a tag each (ui.tag_keys)
TAG_KEYS = {getattr(Qt.Key, f"Key_{digit}"): digit for digit in range(1, 10)}
#: the keys that call one method of the window on the current loop or the selection
ACTION_KEYS = {
    Qt.Key.Key_Space: "toggle_play",
    Qt.Key.Key_N: "edit_note",
    Qt.Key.Key_G: "edit_tags",
    Qt.Key.Key_S: "sort_by_likeness",
    Qt.Key.Key_B: "go_back",
    Qt.Key.Key_K: "show_mixing_keys",
    Qt.Key.Key_E: "open_in_editor",
    Qt.Key.Key_Slash: "focus_filter",  # find, as in a browser or a mail app: Ctrl+F without Ctrl
    Qt.Key.Key_Plus: "double_tempo",
    Qt.Key.Key_Equal: "double_tempo",  # + without Shift on most keyboards
    Qt.Key.Key_Minus: "halve_tempo",
}
#: keys that move through the table, from wherever the audition keys work
TABLE_KEYS = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
}


def is_trash_key(event) -> bool:
    """Delete; Ctrl+Backspace, which is ⌘+Backspace on a Mac (Finder's Move to Trash); and on a
    Mac Backspace alone, which is what its keyboard's delete key sends. (Each asks first.)"""
    key, modifiers = event.key(), event.modifiers()
    control = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    if modifiers & Qt.KeyboardModifier.AltModifier:
        return False
    if key == Qt.Key.Key_Delete:
        return not control
    if key == Qt.Key.Key_Backspace:
        return control or sys.platform == "darwin"
    return False


class AuditionAndFlags:
    """Keys, playback and user data for the selected loops (mixed into MainWindow)."""

    def handle_key(self, event) -> bool:
        """Space, L, T, U, 0, 1 to 9, N, G, S, B, K, + and - and the trash keys act on the
        selection, and / goes to the filter box; True when handled."""
        key = event.key()
        if is_trash_key(event):
            self.trash_selection()
            return True
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_paths()
            return True
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        if key in ACTION_KEYS:
            getattr(self, ACTION_KEYS[key])()
            return True
        if key == Qt.Key.Key_L:
            self.loop_box.toggle()
            return True
        if key in FLAG_KEYS:
            self.flag_selection(FLAG_KEYS[key])
            return True
        if key in TAG_KEYS:
            self.press_tag_key(TAG_KEYS[key])
            return True
        return False

    def show_mixing_keys(self) -> None:
        """K: only the loops in a key that mixes with the current loop's in harmonic mixing
        ("key:Am+" in the filter box, its other terms kept); K again shows every key."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        key = self.model.declared_key(index.row())
        text = self.filter_text.text()
        if key is not None and parse_query(text).key == key + MIXES:  # K again
            self.filter_text.setText(with_key_term(text, None))
            self.statusBar().showMessage("Every key shown again.", 4000)
            return
        if key is None:
            name = os.path.basename(self.model.path(index.row()))
            self.statusBar().showMessage(
                f"{name} declares no key (in its name or its loop tags): none to mix with.", 5000
            )
            return
        self.filter_text.setText(with_key_term(text, key + MIXES))
        self.statusBar().showMessage(
            f"Loops in keys that mix with {key}: {', '.join(mixing_keys(key))}"
            " (K again shows every key).",
            6000,
        )

    def keys_everywhere(self, *widgets) -> None:
        """The audition keys also work where a loop was picked outside the table: on the map,
        the waveform and the Why unusual? panel (a loop clicked on the map, then U, flagged
        nothing: the map had the focus and the keys were the table's alone). Up, Down and the
        page keys move through the table from there."""
        for widget in widgets:
            widget.installEventFilter(self)
        self._keys_from = widgets

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and watched in getattr(self, "_keys_from", ()):
            if event.matches(QKeySequence.StandardKey.Copy) and _selects_text(watched):
                return False  # words selected in Why unusual?: Ctrl+C copies them
            if self.handle_key(event):
                return True
            no_modifier = not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            )
            if event.key() in TABLE_KEYS and no_modifier:
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                QApplication.sendEvent(self.table, event)
                return True
        return super().eventFilter(watched, event)

    def toggle_play(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._auditioning = True
            row = index.row()
            self.player.toggle(self.model.path(row), *self.declared(row))

    def play_from(self, seconds: float) -> None:
        """Play the current loop from `seconds` (a click on its waveform)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        self._auditioning = True
        row = index.row()
        if self.player.play(self.model.path(row), seconds, *self.declared(row)):
            self.waveform.set_position(seconds)

    def play_row(self, row: int) -> None:
        self._auditioning = True
        self.player.play(self.model.path(row), 0.0, *self.declared(row))

    def _play_id(self, sample_id: int) -> None:
        self.select_ids([sample_id])
        row = self.model.view_row_of(sample_id)
        if row >= 0:
            self.play_row(row)

    def hover_play(self, sample_id: int) -> None:
        """The map's Hover plays: the loop under the mouse plays, and is selected (the table,
        waveform and Why unusual? follow, and T or U flags it), unless several loops are
        selected: that selection (a Shift-drag over an island, say) is kept for what comes
        next."""
        if len(self.selected_ids()) > 1:
            row = self.model.view_row_of(sample_id)
            if row >= 0:
                self.play_row(row)
            return
        self._play_id(sample_id)

    def _set_loop(self, on: bool) -> None:
        self.player.set_loop(on)
        self.settings.set("loop", on)

    def _set_match_levels(self, on: bool) -> None:
        self.player.set_match_levels(on)
        self.settings.set("match_levels", on)

    def declared(self, row: int) -> tuple[float | None, str | None]:
        """The tempo and key the loop in `row` declares (the BPM and Key columns), which
        Sync plays it at the project's by."""
        return self.model.declared_tempo(row), self.model.declared_key(row)

    def _set_sync(self, on: bool) -> None:
        self.settings.set("sync_tempo", on)
        self._apply_project()

    def _project_edited(self) -> None:
        self.settings.set("project_tempo", self.project_sync.tempo())
        self.settings.set("project_key", self.project_sync.key() or "")
        if self.sync_box.isChecked():
            self._tempo_timer.start()  # not a stretch per step of the arrows

    def _apply_project(self) -> None:
        """Loops play at the tempo and key now set (the one playing goes on at them from
        where it is), and the waveform's title says how the current one plays."""
        self.player.set_project(*self.project_sync.project())
        index = self.table.currentIndex()
        if index.isValid():
            row = index.row()
            self._show_waveform(self.model.path(row), self.model.duration(row))

    def _set_volume(self, value: int) -> None:
        self.player.set_volume(value / 100)
        self.settings.set("volume", value / 100)

    def flag_selection(self, flag: str | None) -> None:
        """Write the flag for every selected loop, and for its copies, to the store at once,
        then show it (one step of the undo history). A flag is about a sound: the detector
        takes a flag on any copy of a file for all of them, so the table shows it on each."""
        selected = self.selected_ids()
        if not selected:
            return
        ids = self.model.library.with_copies(selected)
        before = dict(zip(ids, self.model.flags_of(ids), strict=True))
        copies = len(ids) - len(selected)
        text = describe_flag_change(len(selected), flag, copies)
        change = UserDataChange(self.write_user_data, "flag", before, flag, text)
        if not change.apply():
            return
        self.undo_stack.push(change)
        done = describe_flag_change(len(selected), flag, copies, done=True)
        self.statusBar().showMessage(
            f"{done}. Retrain with flags to use them. Ctrl+Z undoes it.", 5000
        )
        if len(selected) == 1 and self.next_after_flag_box.isChecked():
            self._go_to_next_row(skip=set(ids))

    def _go_to_next_row(self, skip: set[int]) -> None:
        """Next after flag: select the loop below the current one, as Down would (Auto-play
        plays it), past the loops in `skip` (the copies just flagged with it, which often sit
        right below: the same sound again); the last loop stays."""
        current = self.table.currentIndex()
        if not current.isValid():
            return
        row = current.row() + 1
        while row < self.model.rowCount() and self.model.sample_id(row) in skip:
            row += 1
        if row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def write_user_data(self, field: str, values: dict[str | None, list[int]]) -> bool:
        """Write flags, notes, tags, tempos or keys ({value: sample ids}) to the store at once,
        then show them.
        False when the library refused the write: the user is told, and the table shows only
        what was saved: all of it or none, one transaction (a tag put on loops of 1,359
        different sets of tags committed 1,359 times: 2 s at 100,000 loops)."""
        saved = True
        try:
            self.store.set_user_data(field, values)
        except StoreError as error:
            saved = False
            what = {"flag": "flag was", "tags": "tags were"}.get(field, f"{field} was")
            plain_text.warn(self, f"The {what} not saved", str(error))
        else:
            self.model.update_user_data(field, values)
            self._refilter_timer.start()  # loops the filter no longer takes leave the table
        # the flags' backup beside the library follows once the keys stop (flag_backup)
        self._flag_backup_timer.start()
        if field == "tags":  # once for the whole change: an undo writes many values
            self.refresh_tag_filter()
        if field in ("tempo", "key"):  # the waveform's title says how the loop plays
            self._apply_project()
        if field == "flag":
            # explanations name flags ("You flagged it unusual", typical neighbours): the
            # panel says it again, from the library read anew
            self.library_generation = new_generation()
            self._explain_timer.start()
            self._refresh_map_style()
            self._update_counts()
            self._recount_folder_flags()
            self._status_timer.start()
        return saved

    def undo(self) -> None:
        stack = self.undo_stack
        if stack.canUndo() and not self.files_step_waits(stack.command(stack.index() - 1)):
            text = self.undo_stack.undoText()
            self.undo_stack.undo()
            # the loops an undone flag (or tag, note…) brings back into the filter are
            # selected once the list takes them back (`_follow_the_filter_after_edits`)
            self._undo_brings_back = self._refilter_timer.isActive()
            self.statusBar().showMessage(f"Undone: {text}.", 5000)

    def redo(self) -> None:
        stack = self.undo_stack
        if stack.canRedo() and not self.files_step_waits(stack.command(stack.index())):
            text = self.undo_stack.redoText()
            self.undo_stack.redo()
            self.statusBar().showMessage(f"Redone: {text}.", 5000)

    def edit_note(self) -> None:
        """Ask for a note for the selected loops (N): it starts from their note when they
        share one; an empty note clears it."""
        ids = self.selected_ids()
        if not ids:
            return
        notes = set(self.model.notes_of(ids))
        current = notes.pop() if len(notes) == 1 else ""
        what = "this loop" if len(ids) == 1 else f"these {len(ids)} loops"
        text, ok = QInputDialog.getText(
            self,
            "Note",
            f"Note for {what} (empty clears it; filter the table by it):",
            QLineEdit.EchoMode.Normal,
            current,
        )
        if ok:
            self.set_note(ids, text)

    def set_note(self, ids: list[int], text: str) -> None:
        """Write the note for these loops to the store at once, then show it."""
        note = text.strip() or None
        before = dict(zip(ids, self.model.notes_of(ids), strict=True))
        change = UserDataChange(
            self.write_user_data, "note", before, note, describe_note_change(len(ids), note)
        )
        if not change.apply():
            return
        self.undo_stack.push(change)
        loops = quantity(len(ids), "loop")
        done = f"Cleared the note of {loops}" if note is None else f"Noted {loops}"
        self.statusBar().showMessage(f"{done}. Ctrl+Z undoes it.", 5000)

    def _build_loop_menu(self) -> None:
        """The menu bar's Loop menu: what the keys do to the selected loops, where a producer
        looks for it (and, on a Mac, the only menu bar). The table's context menu shows the
        same actions. Their keys are shown, not bound window-wide: the table takes them itself
        (`handle_key`), so a T typed in the filter box stays a T."""

        def action(text, slot, key=None, tip=None):
            return make_action(self, text, slot, key, tip, shown_only=True)

        self.act_play = action("Play", self.toggle_play, "Space")
        self.player.playing_changed.connect(
            lambda playing: self.act_play.setText("Stop" if playing else "Play")
        )

        def mirrored(text, box, key=None, tip=None):
            """A checkable action that is the transport row's `box` in the menu, both ways."""
            act = action(text, lambda: None, key, tip)
            act.setCheckable(True)
            act.setChecked(box.isChecked())
            act.toggled.connect(box.setChecked)
            box.toggled.connect(act.setChecked)
            return act

        self.act_loop = mirrored("Loop playback", self.loop_box, "L")
        self.act_sync_tempo = mirrored(
            "Sync to project tempo and key",
            self.sync_box,
            tip="Play loops that declare a tempo or key at the tempo and key beside Sync",
        )
        self.act_next_after_flag = mirrored(
            "Next after flag",
            self.next_after_flag_box,
            tip="After T, U or 0 on one loop, go on to the next one down",
        )
        self.act_flag_typical = action("Flag typical", lambda: self.flag_selection("typical"), "T")
        self.act_flag_unusual = action("Flag unusual", lambda: self.flag_selection("unusual"), "U")
        self.act_clear_flag = action("Clear flag", lambda: self.flag_selection(None), "0")
        self.act_note = action("Note…", self.edit_note, "N")
        self._build_tag_menu(action)
        self._build_tempo_key_actions(action)
        self.act_like = action(
            "Sort by likeness",
            self.sort_by_likeness,
            "S",
            "The loops most like this one first, to audition and flag them together",
        )
        self.act_key_mix = action(
            "Show keys that mix",
            self.show_mixing_keys,
            "K",
            "Only the loops in a key that mixes with this one's in harmonic mixing (key:Am+);"
            " K again shows every key",
        )
        self.act_back = action(
            "Back to the loop before",
            self.go_back,
            "B",
            "The loop that was current before this one; B again returns (A/B)",
        )
        self.act_show_folder = action("Show in folder", self.show_in_folder)
        self.act_edit = action(
            "Open in audio editor",
            self.open_in_editor,
            "E",
            "The selected loops in your audio editor (Preferences); saved, they are read again"
            " when you come back to the app",
        )
        # window-wide, unlike the letters: F2 types nothing, and from the filter box (where
        # the window opens) it renames the loop shown, as a file manager's F2 does
        self.act_rename = make_action(
            self,
            "Rename…",
            self.rename_current,
            "F2",
            "Rename the loop's file in its folder; its flag, note and tags stay with it",
        )
        self.act_copy_paths = action(
            "Copy",
            self.copy_paths,
            "Ctrl+C",
            "The selected loops' files: paste them into a folder of your file manager, or their"
            " paths into a text",
        )
        self.act_export_selection = action("Export selection…", self.open_export)
        self.loop_menu_actions = [
            self.act_play,
            self.act_loop,
            self.act_sync_tempo,
            None,
            self.act_flag_typical,
            self.act_flag_unusual,
            self.act_clear_flag,
            self.act_next_after_flag,
            self.act_note,
            self.act_tag_menu,
            self.act_tempo_key,
            self.act_double_tempo,
            self.act_halve_tempo,
            None,
            self.act_like,
            self.act_key_mix,
            self.act_back,
            self.act_show_folder,
            self.act_edit,
            self.act_rename,
            self.act_copy_paths,
            None,
            self.act_export_selection,
        ]
        #: settings of the player and the keys, not something done to the selected loops
        self.loop_menu_settings = (self.act_loop, self.act_sync_tempo, self.act_next_after_flag)
        menu = self.menuBar().addMenu("L&oop")
        _fill(menu, self.loop_menu_actions)
        self.enable_loop_actions()

    def enable_loop_actions(self) -> None:
        """The actions on selected loops only while loops are selected (Loop playback and
        Next after flag are settings and always there)."""
        selected = self.table.selectionModel().hasSelection()
        for act in self.loop_menu_actions:
            if act is not None and act not in self.loop_menu_settings:
                act.setEnabled(selected)
        self.act_trash.setEnabled(selected)
        self.act_move.setEnabled(selected)

    def _context_menu(self, position) -> None:
        self.loop_menu_at(self.table.viewport().mapToGlobal(position))

    def loop_menu_at(self, screen_point) -> None:
        """The selected loops' menu (the table's right-click, and the waveform's): what the
        keys and the Loop menu do to them, Move to Folder and Move to Trash. None without a
        selection."""
        if not self.table.selectionModel().hasSelection():
            return
        menu = QMenu(self)
        done_to_loops = [
            act for act in self.loop_menu_actions if act not in self.loop_menu_settings
        ]
        _fill(menu, [*done_to_loops, None, self.act_move, self.act_trash])
        menu.exec(screen_point)

    def annotated_count(self, ids) -> int:
        """How many of these loops carry a flag, a note or tags (what leaving the library
        takes with them)."""
        return sum(
            1
            for flag, note, tags in zip(
                self.model.flags_of(ids),
                self.model.notes_of(ids),
                self.model.tags_of(ids),
                strict=True,
            )
            if flag or note or tags
        )

    def _row_after(self, rows: list[int]) -> int | None:
        """The id of the first loop below these rows that stays (else the one above them)."""
        taken = set(rows)
        below = (r for r in range(max(rows) + 1, self.model.rowCount()) if r not in taken)
        above = (r for r in range(min(rows) - 1, -1, -1) if r not in taken)
        row = next(below, next(above, None))
        return None if row is None else int(self.model.sample_id(row))

    def show_in_folder(self) -> None:
        """Show the current loop in the desktop's file manager, selected in its folder (the
        folder alone where the desktop cannot select a file, or the file is gone)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        path = self.model.path(index.row())
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            self.statusBar().showMessage(f"The folder is gone: {folder}", 8000)
            return
        if os.path.exists(path):
            opened = reveal(path)
        else:
            opened = QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
        if opened:  # (opened from there in an editor, perhaps)
            self.handed_out([path])
        else:
            self.statusBar().showMessage(f"No file manager opened {folder}", 8000)

    def copy_paths(self) -> None:
        """Ctrl+C: the selected loops' files on the clipboard (`files_mime`): pasted into a
        file manager's folder they are copied there, into a text their paths come, a line
        each. (Ctrl+C copied the current cell's text, Copy path the paths as text alone.)"""
        rows = self.selected_rows()
        there = [r for r in rows if not self.model.file_missing(r)]
        gone = len(rows) - len(there)
        if there:
            paths = [self.model.path(r) for r in there]
            QApplication.clipboard().setMimeData(files_mime(paths))
            left_out = f" ({gone} left out: missing)" if gone else ""
            self.statusBar().showMessage(
                f"Copied {quantity(len(there), 'loop')}{left_out}: paste into a folder for the"
                " files, or into a text for their paths.",
                8000,
            )
        elif gone:
            which = "the selected loop's file is" if gone == 1 else f"the {gone} loops' files are"
            self.statusBar().showMessage(
                f"Nothing copied: {which} missing (a drive not connected?).", 8000
            )


def _selects_text(widget) -> bool:
    """Whether `widget` is a text view with words selected in it."""
    cursor = getattr(widget, "textCursor", None)
    return cursor is not None and cursor().hasSelection()


def _fill(menu: QMenu, actions: list[QAction | None]) -> None:
    """Add `actions` to `menu`, a separator for each None."""
    for act in actions:
        if act is None:
            menu.addSeparator()
        else:
            menu.addAction(act)
