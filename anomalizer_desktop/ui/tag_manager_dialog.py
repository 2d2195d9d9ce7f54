"""Loop > Tag > Manage tags…: the library's tags in one list, most used first, each with how
many loops carry it and the key that puts it on, to rename, merge or delete a tag on every loop
at once, or to show its loops. Renaming a tag used to mean showing its set, Ctrl+A and G; a
typo'd tag ("drms") on 40 loops is now one rename, and a rename to a tag the library has
("drums") merges the two.

The dialog only asks; the window does the change (`Tagging.rename_tag`), one step of Ctrl+Z,
and the list is read again from the window after each.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.library.user_tags import merged_into, parse_tags
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.tag_keys import TagKeys


class TagOwner(Protocol):
    """What the dialog needs of the window."""

    tag_keys: TagKeys

    def library_tag_counts(self) -> dict[str, int]: ...

    def rename_tag(self, old: str, new: str | None) -> bool: ...

    def show_tag(self, tag: str) -> None: ...


class TagManagerDialog(QDialog):
    """The library's tags, to rename, merge, delete or show (see the module)."""

    def __init__(self, owner: TagOwner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = owner
        self.setWindowTitle("Manage tags")
        intro = QLabel(
            "Your tags, most used first. Rename one to change it on every loop that has it (a"
            " name the library already uses merges the two); Delete takes it off every loop."
            " Ctrl+Z in the window undoes each."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Tag", "Loops", "Key"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemDoubleClicked.connect(lambda _item: self.ask_rename())
        self.table.itemSelectionChanged.connect(self._enable)
        self.empty = QLabel("No loop has a tag yet: G tags the selected loops.")

        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Rename the tag on every loop (F2 or a double-click)")
        self.rename_button.setShortcut("F2")
        self.rename_button.clicked.connect(self.ask_rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Take the tag off every loop (the loops stay)")
        self.delete_button.setShortcut("Delete")
        self.delete_button.clicked.connect(self.ask_delete)
        self.show_button = QPushButton("Show Loops")
        self.show_button.setToolTip("Close this and show the loops with the tag in the table")
        self.show_button.clicked.connect(self.show_loops)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.rename_button, self.delete_button, self.show_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)  # the room goes to the list, or to the line saying
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)  # there is none yet
        layout.addWidget(buttons)
        self.resize(480, 420)
        self.refresh()

    def refresh(self, chosen: str | None = None) -> None:
        """Read the tags again, keeping `chosen` (else the tag chosen now, else the first)
        selected."""
        if chosen is None:
            chosen = self.current_tag()
        counts = self.owner.library_tag_counts()
        self.table.setRowCount(len(counts))
        for row, (tag, loops) in enumerate(counts.items()):
            digit = self.owner.tag_keys.digit_of(tag)
            cells = (tag, str(loops), str(digit) if digit else "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(counts))
        self.empty.setVisible(not counts)
        rows = [r for r, tag in enumerate(counts) if chosen and tag.casefold() == chosen.casefold()]
        if counts:
            self.table.selectRow(rows[0] if rows else 0)
        self._enable()

    def current_tag(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None and self.table.selectedItems() else None

    def _enable(self) -> None:
        chosen = self.current_tag() is not None
        for button in (self.rename_button, self.delete_button, self.show_button):
            button.setEnabled(chosen)

    def ask_rename(self) -> None:
        """Ask for the tag's new name and rename it on every loop; a name another tag has
        merges the two, after asking."""
        old = self.current_tag()
        if old is None:
            return
        text, ok = QInputDialog.getText(
            self,
            "Rename tag",
            f"New name for {old!r} on every loop that has it:",
            QLineEdit.EchoMode.Normal,
            old,
        )
        if ok:
            self.rename(old, text)

    def rename(self, old: str, text: str) -> bool:
        """Rename `old` to the tag `text` names (tidied as tags are); True when done."""
        new = parse_tags(text)
        if len(new) != 1:
            why = "holds no comma" if new else "needs a name (Delete takes a tag off)"
            plain_text.warn(self, "Rename tag", f"A tag {why}: {old!r} stays as it is.")
            return False
        if new[0] == old:
            return False  # as it was: no step to undo
        counts = self.owner.library_tag_counts()
        other = merged_into(counts, old, new[0])
        if other is not None and not plain_text.confirm(
            self,
            "Merge tags",
            f"{other!r} is on {quantity(counts[other], 'loop')} already. Merge {old!r}"
            f" ({quantity(counts.get(old, 0), 'loop')}) into it?",
        ):
            return False
        done = self.owner.rename_tag(old, other or new[0])
        self.refresh(other or new[0])
        return done

    def ask_delete(self) -> None:
        tag = self.current_tag()
        if tag is not None:
            self.delete(tag)

    def delete(self, tag: str) -> bool:
        """Take `tag` off every loop, after asking; True when done."""
        loops = self.owner.library_tag_counts().get(tag, 0)
        if not plain_text.confirm(
            self,
            "Delete tag",
            f"Take {tag!r} off {quantity(loops, 'loop')}? The loops stay, and Ctrl+Z in the"
            " window puts it back.",
        ):
            return False
        done = self.owner.rename_tag(tag, None)
        self.refresh()
        return done

    def show_loops(self) -> None:
        tag = self.current_tag()
        if tag is not None:
            self.owner.show_tag(tag)
            self.accept()


def manage_tags(parent: QWidget, owner: TagOwner) -> None:
    """Open the dialog over `parent` until the producer closes it."""
    TagManagerDialog(owner, parent).exec()
