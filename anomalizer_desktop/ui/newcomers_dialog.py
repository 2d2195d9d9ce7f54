"""What loops from outside the library would be in it: a list to audition before adding them.

It shows `core.analysis.newcomers.Verdict`: each file's Unusual % in the library, whether it is
above the unusual cut, and the library loop it sounds most like. Space or a double-click plays
a file, a drag takes it out (into a DAW or a file manager, as from the window's table); **Add
their folders** adds the folders they are in, as a drop's question does.
"""

from __future__ import annotations

import math
import os

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from anomalizer_desktop.core.library.same_audio import level_phrase
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import one_line, quantity, unusual_percent
from anomalizer_desktop.ui.file_mime import files_mime
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.theme import colour
from anomalizer_desktop.ui.widgets.map_style import colour_bin, colour_bins
from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided

COLUMNS = ("Name", "Unusual %", "Here", "Most like (in the library)", "Folder")
NAME, PERCENT, HERE, LIKE, FOLDER = range(len(COLUMNS))
PATH_ROLE = Qt.ItemDataRole.UserRole


def _keep_text(fitting: int) -> str:
    """The copy button's words for this many loops that fit."""
    if not fitting:
        return "None fits"
    return "Copy the one that fits…" if fitting == 1 else f"Copy the {fitting} that fit…"


#: before a loop most like one that is unusual in the library itself (the Flag column's star)
ODD_NEIGHBOUR = "\u2605 "


def summary(verdict) -> str:
    """One line on the whole set: how many would be unusual here, against the usual 10 %."""
    described, failed = verdict.described, len(verdict.loops) - len(verdict.described)
    text = ""
    if described:
        share = 100 * verdict.unusual / len(described)
        text = (
            f"{verdict.unusual} of {quantity(len(described), 'loop')} would be unusual in this"
            f" library ({share:.0f} %; about 10 % of loops like the library's are)."
        )
        like_odd = sum(1 for loop in described if loop.nearest and loop.nearest[0].get("unusual"))
        if like_odd:  # they fit because the library holds loops like them among its odd ones
            sound = "sounds" if like_odd == 1 else "sound"
            text += (
                f" {ODD_NEIGHBOUR}{quantity(like_odd, 'loop')} {sound} most like a loop that is"
                " unusual in your library itself."
            )
    if failed:
        text += f" {quantity(failed, 'file')} could not be read."
    return text.strip() + " Nothing was added."


class FileRows(QTableWidget):
    """The dialog's list, whose rows dragged out give their files, as the window's table
    does: a loop that fits goes straight into the DAW's arrangement from the list it was
    auditioned in."""

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, items) -> QMimeData:
        return files_mime([item.data(PATH_ROLE) for item in items])  # (a row's cells: once)

    def keyPressEvent(self, event) -> None:
        """Ctrl+C: the selected files on the clipboard, as the window's Ctrl+C copies loops
        (pasted into a folder they are copied there; it copied the current cell's text)."""
        if event.matches(QKeySequence.StandardKey.Copy):
            if items := self.selectedItems():
                QApplication.clipboard().setMimeData(self.mimeData(items))
            event.accept()
            return
        super().keyPressEvent(event)


class NewcomersDialog(QDialog):
    """The verdict on files from outside; `play_requested(path)` to audition one and
    `add_requested(folders)` when the user asks to add their folders."""

    play_requested = Signal(str)
    add_requested = Signal(list)
    #: copy the loops that would fit (their paths) into a folder of the library
    keep_requested = Signal(list)
    #: whether moving to another row plays it (the window's Auto-play, once one was played)
    autoplay = False
    #: the selected row's index among the described loops (their points on the map), or None
    row_changed = Signal(object)

    def __init__(self, verdict, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("How they would fit")
        self.verdict = verdict
        self.played = False  # nothing played yet: moving does not start the sound
        self.summary = QLabel(summary(verdict))
        self.summary.setWordWrap(True)
        self.table = FileRows(len(verdict.loops), len(COLUMNS))
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        # a line a loop, names and paths shortened in the middle as in the window's table (a
        # pack's loops differ at the end), whole in their tooltips
        self.table.setWordWrap(False)
        self.names_delegate = MiddleElided(self.table)
        self.paths_delegate = MiddleElided(self.table, names=False)
        for column in (NAME, LIKE):
            self.table.setItemDelegateForColumn(column, self.names_delegate)
        self.table.setItemDelegateForColumn(FOLDER, self.paths_delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for row, loop in enumerate(verdict.loops):
            self._fill(row, loop)
        for column, width in ((NAME, 230), (PERCENT, 76), (HERE, 140), (LIKE, 230)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda index: self.play_row(index.row()))
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self.table)
        space.setContext(Qt.ShortcutContext.WidgetShortcut)
        space.activated.connect(lambda: self.play_row(self.table.currentRow()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folders = self.folders()
        self.add_button = buttons.addButton(
            "Add their folders" if len(folders) > 1 else "Add their folder",
            # not AcceptRole: the first of those is the default, and Return, pressed in the
            # list, added the pack this dialog is for trying without adding
            QDialogButtonBox.ButtonRole.ActionRole,
        )
        self.add_button.setToolTip(tip("Scan, embed and score:\n" + "\n".join(folders)))
        self.add_button.setEnabled(bool(folders))
        self.add_button.clicked.connect(self._add)
        fitting = [loop.path for loop in verdict.fitting]
        self.keep_button = buttons.addButton(
            _keep_text(len(fitting)),
            QDialogButtonBox.ButtonRole.ActionRole,
        )
        self.keep_button.setToolTip(
            tip(
                "Copy the loops that would fit (not above the cut, not copies of your loops nor"
                " their audio in other files) into a folder of your library, in a folder named"
                " after the pack; they are then scanned in. Files of the same name there are"
                " left as they are."
            )
        )
        self.keep_button.setEnabled(bool(fitting))
        self.keep_button.clicked.connect(lambda: self.keep_requested.emit(fitting))
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():  # nor does a button take Return by having focus
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        hint = QLabel(
            "Space or a double-click plays the selected loop; drag it into your DAW (or Ctrl+C,"
            " then paste it into a folder) to use it."
        )
        hint.setStyleSheet("color: #9aa0a6")
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(800, 480)  # beside the map, which shows where the loops land
        self.table.currentCellChanged.connect(self._moved)
        if verdict.loops:
            self.table.selectRow(0)

    def _fill(self, row: int, loop) -> None:
        cells = {
            NAME: os.path.basename(shown_path(loop.path)),
            FOLDER: shown_path(os.path.dirname(loop.path)),
        }
        if loop.error is None:
            cells[PERCENT] = unusual_percent(loop.percentile)
            cells[HERE] = "unusual here" if loop.unusual else "fits"
            if loop.in_library:
                cells[HERE] += " (in it)"
            elif loop.copy_of:
                cells[HERE] += " (a copy)"
            elif loop.same_audio_as:
                cells[HERE] += " (same audio)"
            if loop.nearest:
                # a star, as the Flag column's: the loop it is most like is unusual itself
                star = ODD_NEIGHBOUR if loop.nearest[0].get("unusual") else ""
                cells[LIKE] = star + os.path.basename(shown_path(loop.nearest[0]["path"]))
        else:
            cells[HERE] = "unreadable"
            cells[LIKE] = loop.error
        for column in range(len(COLUMNS)):
            item = QTableWidgetItem(one_line(cells.get(column, "")))  # a newline in a name
            item.setData(PATH_ROLE, loop.path)
            if column == PERCENT:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if loop.percentile is not None and not math.isnan(loop.percentile):
                    bins = colour_bins()[colour_bin(loop.percentile)]
                    item.setData(Qt.ItemDataRole.DecorationRole, QColor(*bins))
            if column in (NAME, FOLDER):
                item.setToolTip(tip(shown_path(loop.path)))
            if column == HERE and loop.unusual:
                item.setForeground(QColor(colour("unusual")))
            if column == HERE and loop.copy_of:
                item.setToolTip(tip(f"The library holds the same file: {loop.copy_of}"))
            elif column == HERE and loop.same_audio_as:
                level = level_phrase(loop.same_audio_level or 0.0)
                item.setToolTip(
                    tip(
                        f"The library holds the same audio in another file ({level}):"
                        f" {loop.same_audio_as}"
                    )
                )
            if column == LIKE and loop.nearest:
                item.setToolTip(
                    tip(
                        "\n".join(
                            f"{n['distance']:.1f}  {n['path']}"
                            + ("  (unusual in your library itself)" if n.get("unusual") else "")
                            for n in loop.nearest
                        )
                    )
                )
            elif loop.error is not None:
                item.setForeground(QColor(colour("error")))
                item.setToolTip(tip(loop.error))
            self.table.setItem(row, column, item)

    def set_autoplay(self, on: bool) -> None:
        self.autoplay = on

    def _moved(self, row: int, *_previous) -> None:
        """Another row: its point on the map is ringed, and with Auto-play it plays (once
        the user has played one, as in the table)."""
        self.row_changed.emit(self._described(row))
        if self.autoplay and self.played:
            self.play_row(row)

    def _described(self, row: int) -> int | None:
        """The row's index among the described loops (they come first), or None."""
        return row if 0 <= row < len(self.verdict.described) else None

    def say_on_the_map(self) -> None:
        """The window drew the loops on its map: the summary says how to find them."""
        self.summary.setText(
            self.summary.text() + " On the map they are the white-edged diamonds; the selected"
            " one is ringed."
        )

    def visitor_clicked(self, index: int, double: bool) -> None:
        """A loop's diamond clicked on the map: its row; a double-click plays it."""
        self.table.selectRow(index)
        if double:
            self.play_row(index)

    def folders(self) -> list[str]:
        """The folders of the files the library does not hold yet, each once, in order."""
        return list(
            dict.fromkeys(os.path.dirname(n.path) for n in self.verdict.loops if not n.in_library)
        )

    def play_row(self, row: int) -> None:
        item = self.table.item(row, NAME) if row >= 0 else None
        if item is not None and self.verdict.loops[row].error is None:
            self.played = True
            self.play_requested.emit(item.data(PATH_ROLE))

    def _add(self) -> None:
        self.add_requested.emit(self.folders())
        self.accept()
