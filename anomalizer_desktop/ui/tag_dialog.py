"""The dialog that tags the selected loops (G): a line of comma-separated tags that completes
the tag being typed from the library's tags, and a button per tag the library uses most, to
put it on or take it off with a click. A producer tags a set in a few keys: G, "so", Tab,
Return. Also the filter box's completion of `tag:` terms.
"""

from __future__ import annotations

import re
import sqlite3

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.library.store import StoreError
from anomalizer_desktop.core.library.user_tags import SEPARATOR, parse_tags
from anomalizer_desktop.ui.actions import literal
from anomalizer_desktop.ui.tag_keys import TagKeys


def library_tags(store) -> dict[str, int]:
    """The library's tags, most used first, with how many loops carry each; {} when it
    cannot be read now (they are suggestions and choices: a library gone offers none)."""
    try:
        return store.tag_counts()
    except (StoreError, sqlite3.Error):
        return {}


#: how many of the library's tags get a button (the most used); the rest complete as typed
BUTTONS = 12
_COLUMNS = 4


class LastTagCompleter(QCompleter):
    """Completes the tag after the last comma, keeping the tags before it."""

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(SEPARATOR, 1)[-1].strip()]

    def pathFromIndex(self, index) -> str:
        typed = self.widget().text() if self.widget() is not None else ""
        if not index.isValid():
            return typed
        before = typed.rsplit(SEPARATOR, 1)[0] + f"{SEPARATOR} " if SEPARATOR in typed else ""
        return before + str(index.data())


class TagDialog(QDialog):
    """Edit the tags of `count` loops, starting from the tags they all share (`current`);
    `known`: the library's tags and how many loops carry each, most used first."""

    def __init__(
        self,
        count: int,
        current: tuple[str, ...],
        known: dict[str, int],
        parent=None,
        keys: TagKeys | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tags")
        if count == 1:
            text = "Tags for this loop, separated by commas (empty takes them off)."
        else:
            text = (
                f"Tags for these {count} loops, separated by commas. Here are the tags they"
                " all have: what you add goes on each, what you take out comes off each, and"
                " their other tags stay."
            )
        keys = keys or TagKeys()
        if keys.keys:  # the quicker way, told where a producer tags the slow one
            text += " In the table, the keys 1 to 9 put their tags on (Loop > Tag shows which)."
        label = QLabel(f"{text} The filter box finds them: tag:name.")
        label.setWordWrap(True)
        self.line = QLineEdit(f"{SEPARATOR} ".join(current))
        self.line.setPlaceholderText("dark, song-a, keep")
        # the model needs a parent: one only Python holds is gone before the first key
        completer = LastTagCompleter(QStringListModel(list(known), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.line.setCompleter(completer)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for number, (tag, loops) in enumerate(list(known.items())[:BUTTONS]):
            button = QPushButton(checkable=True)
            tip = f"{tag}: on {loops} loop{'s' if loops != 1 else ''}"
            digit = keys.digit_of(tag)
            if digit is not None:
                tip += f"; key {digit} in the table puts it on the selected loops, or takes it off"
            button.setToolTip(tip)
            button.toggled.connect(lambda on, tag=tag: self._toggle(tag, on))
            grid.addWidget(button, number // _COLUMNS, number % _COLUMNS)
            self.buttons[tag] = button
        chips = QWidget()
        chips.setLayout(grid)
        chips.setVisible(bool(self.buttons))
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.line)
        layout.addWidget(chips)
        layout.addWidget(box)
        self.setMinimumWidth(460)
        self.line.textChanged.connect(self._show_state)
        self._show_state()

    def tags(self) -> tuple[str, ...]:
        """The tags as typed now (see `user_tags.parse_tags`)."""
        return parse_tags(self.line.text())

    def _toggle(self, tag: str, on: bool) -> None:
        tags = self.tags()
        has = any(t.casefold() == tag.casefold() for t in tags)
        if on and not has:
            tags = (*tags, tag)
        elif not on and has:
            tags = tuple(t for t in tags if t.casefold() != tag.casefold())
        else:
            return
        self.line.setText(f"{SEPARATOR} ".join(tags))

    def _show_state(self) -> None:
        """Each button is down, and ticked, while its tag is in the line."""
        typed = {t.casefold() for t in self.tags()}
        for tag, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(tag.casefold() in typed)
            button.blockSignals(False)
            # a tick as well: a pressed-in button is easy to miss in some styles
            shown = literal(tag)
            button.setText(f"\u2713 {shown}" if button.isChecked() else shown)


def ask_tags(
    parent,
    count: int,
    current: tuple[str, ...],
    known: dict[str, int],
    keys: TagKeys | None = None,
):
    """The tags the user gave (a tuple, maybe empty), or None when they cancelled."""
    dialog = TagDialog(count, current, known, parent, keys)
    return dialog.tags() if dialog.exec() == QDialog.DialogCode.Accepted else None


#: the tag term being typed at the end of the filter box: tag:da, tag:"song a
_TAG_TERM_TYPED = re.compile(r'(?:^|\s)tag:(?:"([^"]*)|([^\s,"]*))$', re.IGNORECASE)


class FilterTagCompleter(QCompleter):
    """Completes the tag of a `tag:` term typed at the end of the filter box from the
    library's tags (a name with spaces goes in quotes); other text is left to itself."""

    def __init__(self, parent=None) -> None:
        super().__init__(QStringListModel(parent), parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchStartsWith)

    def set_tags(self, tags) -> None:
        self.model().setStringList(list(tags))

    def splitPath(self, path: str) -> list[str]:
        match = _TAG_TERM_TYPED.search(path)
        if match is None:
            return ["\x00"]  # matches no tag: no popup while typing other words
        return [match[1] if match[1] is not None else match[2]]

    def pathFromIndex(self, index) -> str:
        typed = self.widget().text() if self.widget() is not None else ""
        match = _TAG_TERM_TYPED.search(typed)
        if not index.isValid() or match is None:
            return typed
        tag = str(index.data())
        term = f'tag:"{tag}"' if " " in tag else f"tag:{tag}"
        start = match.start() + (1 if typed[match.start()].isspace() else 0)
        return f"{typed[:start]}{term} "
