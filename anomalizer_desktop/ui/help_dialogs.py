"""Help menu contents: the keyboard shortcuts, and About (version, where things live).

The shortcuts are one table, shown here and kept in step with the keys the window handles
(a test checks that every audition key the window knows is listed).
"""

from __future__ import annotations

import html
import os
import platform

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop import __version__
from anomalizer_desktop.ui.resources import app_icon

#: (keys, what they do), in the order a producer meets them
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "play / stop the selected loop"),
    ("Up / Down", "move (and play, with Auto-play on)"),
    ("Home / End", "the first / last loop in the list"),
    ("Left / Right", "scroll the columns sideways"),
    ("L", "loop on / off"),
    (
        "T / U / 0",
        "flag typical / unusual / clear the flag (on the Unflagged list the loop leaves it,"
        " the next one taking its place)",
    ),
    ("N", "write a note for the selected loops (empty clears it)"),
    ("F2", "rename the loop's file (its flag, note and tags stay with it)"),
    (
        "E",
        "open the selected loops in your audio editor (Preferences); saved there, they are read"
        " again when you come back",
    ),
    ("G", "tag the selected loops (your own sets: dark, song-a...; the filter finds tag:name)"),
    (
        "1 to 9",
        "put a tag on the selected loops, or take it off (Loop > Tag shows each key's tag;"
        " Tag keys… sets them)",
    ),
    (
        "+ / -",
        "double / halve the selected loops' tempos (drum & bass heard at 87: +); Loop > Tempo"
        " and Key… sets them",
    ),
    ("S", "sort by likeness to the selected loop (a column header sorts by it again)"),
    ("B", "back to the loop before, and B again returns: compare two loops, A/B"),
    (
        "K",
        "only the loops in keys that mix with the selected loop's (key:Am+: Am, C, Em, Dm);"
        " K again shows every key",
    ),
    (
        "Alt+Down / Alt+Up",
        "the next / previous folder of the Folders panel, its first loop selected: a pack at"
        " a time",
    ),
    ("Ctrl+F or /", "find: type to filter; Return goes to the first row, Escape clears"),
    ("Ctrl+C", "copy the selected loops: paste the files into a folder, their paths into text"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo flags, notes, tags, renames and moves"),
    (
        "Delete / Ctrl+Backspace",
        "move the selected loops to the trash (after asking; restore them from there)",
    ),
    (
        "Ctrl+Shift+M",
        "move the selected loops' files into a folder; the library follows them (outside its"
        " folders, they leave it)",
    ),
    ("Ctrl+O", "add a folder of loops"),
    ("Ctrl+Shift+O", "open another library file (or start a new one)"),
    ("F5", "rescan the library's folders"),
    ("Ctrl+T", "train: learn what is normal here and score every loop"),
    ("Ctrl+R", "retrain with your flags"),
    ("Ctrl+E", "export flagged, selected or top loops"),
    ("Ctrl+,", "preferences"),
)


def shortcuts_html() -> str:
    rows = "".join(
        f"<tr><td style='padding-right:16px'><b>{html.escape(keys)}</b></td>"
        f"<td>{html.escape(what)}</td></tr>"
        for keys, what in SHORTCUTS
    )
    return (
        f"<table>{rows}</table><p>The keys from Space to S work in the table, on the map, "
        "the waveform and the Why unusual? panel; the Loop menu has them too. Right-click the "
        "table's header to hide or show columns; drag a header to move one. Drag rows out of "
        "the table (or the waveform) into your DAW. In the Folders panel a click on a "
        "folder shows its loops, "
        "Return there goes to its first loop, and Unusual sorts the folders by their share "
        "of unusual loops. On the map, Shift-drag selects loops, a double-click plays one, "
        "and a click on a folder's name shows its loops; the box under the map switches "
        "between the sound map and the main directions, and with Hover plays on the loop "
        "under the mouse plays.</p>"
    )


class ShortcutsDialog(QDialog):
    """The keys, in a window that scrolls: as a message box the list was 720 pixels tall,
    taller than a 768-pixel laptop screen's room and than a window at half a screen, and its
    top went off the screen. Not modal: it can stay open while the user tries the keys."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.browser = QTextBrowser()
        self.browser.setHtml(shortcuts_html())
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(self._first_size())

    def _first_size(self) -> QSize:
        """As tall as the list, within 85 % of the screen's free height (the rest scrolls)."""
        width = SHORTCUTS_WIDTH
        document = self.browser.document().clone(self)
        # measured as wrapped beside a scroll bar: never a few pixels short, which shows one
        document.setTextWidth(width - 40)
        height = int(document.size().height()) + 84  # the button row, the margins, a little
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            height = min(height, screen.availableGeometry().height() * 85 // 100)
        return QSize(width, height)


#: the shortcuts window's width: the keys and what they do on a line each, mostly
SHORTCUTS_WIDTH = 620


def show_shortcuts(parent: QWidget) -> ShortcutsDialog:
    """Open the shortcuts window, or bring it forward when it is open already (F1 again)."""
    box = parent.findChild(ShortcutsDialog)
    if box is None:
        box = ShortcutsDialog(parent)
    box.show()
    box.raise_()
    box.activateWindow()
    return box


def about_text(library: str, models: str) -> str:
    return (
        f"<h3>anomalizer {html.escape(__version__)}</h3>"
        "<p>Finds the loops in your sample library that don't fit: it learns what is normal in "
        "<i>your</i> library and ranks every loop by how unusual it is (after Dadman et al., "
        "<i>Learning Normal Patterns in Musical Loops</i>, 2025).</p>"
        f"<p>Library: {html.escape(library)}<br>CLAP checkpoints: {html.escape(models)}<br>"
        f"Python {platform.python_version()} on {html.escape(platform.system())}</p>"
        "<p>Everything runs on this computer; nothing is downloaded unless you ask.</p>"
    )


def show_about(parent: QWidget, library: str, models: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About anomalizer", "", parent=parent)
    icon = app_icon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    box.setText(about_text(os.fspath(library), os.fspath(models)))
    box.open()
    return box
