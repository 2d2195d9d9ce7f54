"""Loop > Tag > Tag keys…: which tag each of the keys 1 to 9 puts on (ui.tag_keys). A row per
key, each a box that offers the library's tags and takes a new one as typed; an empty box
leaves its key without a tag.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.library.user_tags import parse_tags
from anomalizer_desktop.ui.tag_keys import DIGITS, TagKeys


class TagKeysDialog(QDialog):
    """Set the tags of the keys 1 to 9, starting from `keys`; `known`: the library's tags,
    most used first."""

    def __init__(self, keys: TagKeys, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tag keys")
        self.known = known
        layout = QVBoxLayout(self)
        intro = QLabel(
            "In the table (and on the map), a key puts its tag on the selected loops, or takes "
            "it off when they all have it. Leave a key empty for none."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.boxes: dict[int, QComboBox] = {}
        for digit in DIGITS:
            box = QComboBox()
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.addItems(["", *known])
            box.setCurrentText(keys.tag_of(digit) or "")
            box.setMinimumContentsLength(18)
            self.boxes[digit] = box
            form.addRow(f"Key {digit}", box)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.most_used = QPushButton("Most used tags")
        self.most_used.setToolTip("Give the keys the library's most used tags, 1 the most used")
        self.most_used.setEnabled(bool(known))
        self.most_used.clicked.connect(self.fill_most_used)
        buttons.addButton(self.most_used, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def fill_most_used(self) -> None:
        for digit, box in self.boxes.items():
            box.setCurrentText(self.known[digit - 1] if digit <= len(self.known) else "")

    def keys(self) -> TagKeys:
        """The keys as set: each box's tag, tidied as tags are (spaces collapsed); a tag on
        two keys stays on the first."""
        keys: dict[int, str] = {}
        taken: set[str] = set()
        for digit, box in self.boxes.items():
            tags = parse_tags([box.currentText().replace(",", " ")])
            if tags and tags[0].casefold() not in taken:
                keys[digit] = tags[0]
                taken.add(tags[0].casefold())
        return TagKeys(keys, chosen=True)


def ask_tag_keys(parent: QWidget, keys: TagKeys, known: list[str]) -> TagKeys | None:
    """The keys the producer set, or None when they cancelled."""
    dialog = TagKeysDialog(keys, known, parent)
    return dialog.keys() if dialog.exec() == QDialog.DialogCode.Accepted else None
