"""What the app does when the library file cannot be opened: say so in a window, never a traceback.

A damaged library (not a database, a disk image that is malformed) can be set aside: the file is
renamed, never deleted, and a new empty library takes its place, so the producer can keep
working and the old file stays there for recovery. A library written by a newer version of the
app is left exactly as it is: the fix is to update the app. So is a file that is not a library
at all (another program's database, a sound file named as the library), a library on a
read-only drive or in a folder this user may not write (it is not damaged), and a library whose
folder cannot be made (a drive that is not mounted): the producer can mount it and try again,
or work in the default library meanwhile (the other stays in Library > Open recent).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.schema import (
    LibraryNotWritableError,
    NotALibraryError,
    SchemaTooNewError,
)
from anomalizer_desktop.core.library.store import Store

START_NEW, QUIT, OK = "start-new", "quit", "ok"
RETRY, DEFAULT = "retry", "default"

#: the suffixes of what a library is on disk: its file, and the journal and index SQLite
#: keeps beside it
LIBRARY_SUFFIXES = ("", "-wal", "-shm")

#: shows the message and the choices, returns the one taken (QUIT when the window is closed)
Ask = Callable[[str, list[str]], str]


def set_aside(library: Path) -> Path:
    """Rename the library file (and SQLite's -wal / -shm beside it) to `<name>.damaged-<time>`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = library.with_name(f"{library.name}.damaged-{stamp}")
    for suffix in LIBRARY_SUFFIXES:
        part = Path(f"{library}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{kept}{suffix}"))
    return kept


def put_back(library: Path, kept: Path) -> None:
    """Undo `set_aside`: the new library's files go (it could not be made; it holds nothing),
    the kept ones take their names again."""
    for suffix in LIBRARY_SUFFIXES:
        Path(f"{library}{suffix}").unlink(missing_ok=True)
    for suffix in LIBRARY_SUFFIXES:
        part = Path(f"{kept}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{library}{suffix}"))


def _offers_default(library: Path, default: Path | None) -> bool:
    """Whether "Open the default library" is a way out: there is one, and it is another file."""
    return default is not None and Path(default) != Path(library)


def _sentence(error: AnomalizerError) -> str:
    """The error's message as a sentence: "cannot open ..." -> "Cannot open ... ."."""
    reason = str(error)
    return f"{reason[:1].upper()}{reason[1:]}."


def recover_library(
    library: Path, error: AnomalizerError, ask: Ask, default: Path | None = None
) -> Store | None:
    """After `Store(library)` failed with `error`: a Store (of `library`, a new one in its
    place, or of the `default` library when the user chose it), or None to quit."""
    # never set aside, nor waited for: another program's file, a library on a read-only drive
    if isinstance(error, NotALibraryError | LibraryNotWritableError):
        offer_default = _offers_default(library, default)
        choice = ask(_sentence(error), [DEFAULT, QUIT] if offer_default else [QUIT])
        if choice == DEFAULT and offer_default:
            return _open_or_say(default, "Could not open the default library either", ask)
        return None
    if not library.exists():  # nothing damaged: its folder cannot be made (a drive not mounted)
        return _unreachable(library, error, ask, default)
    if isinstance(error, SchemaTooNewError):
        ask(f"Cannot open the library {library}.\n\n{_sentence(error)}", [QUIT])
        return None
    choice = ask(
        f"{_sentence(error)}\n\nStart a new, empty library? "
        "The damaged file is kept beside it, renamed, so nothing in it is lost.",
        [START_NEW, QUIT],
    )
    if choice != START_NEW:
        return None
    try:
        kept = set_aside(library)
    except OSError as failure:
        ask(f"Could not set the library {library} aside:\n\n{failure}", [QUIT])
        return None
    try:
        store = Store(library)
    except (OSError, AnomalizerError) as failure:
        put_back(library, kept)  # never leave an empty file where the library was
        ask(
            f"Could not start a new library at {library}:\n\n{failure}\n\n"
            "The old library is back under its name, as it was.",
            [QUIT],
        )
        return None
    ask(f"Started a new library. The damaged one is kept as {kept}.", [OK])
    return store


def _unreachable(
    library: Path, error: AnomalizerError, ask: Ask, default: Path | None
) -> Store | None:
    """A library whose folder is not there: try again (once the drive is mounted), open the
    default library instead, or quit; never a new library where the drive should be."""
    return _wait_for(
        library,
        f"{_sentence(error)}\n\nIs it on a drive that is not connected?",
        ask,
        default,
        offer_new=False,
    )


def missing_library(library: Path, ask: Ask, default: Path | None) -> Store | None:
    """A library opened before whose file is not there now, though its folder may be (an
    empty mount point, a moved file): ask before starting an empty one in its place."""
    text = (
        f"The library {library} is not there any more (it was open before).\n\n"
        "Is it on a drive that is not connected, or was it moved?"
    )
    return _wait_for(library, text, ask, default, offer_new=True)


def _wait_for(
    library: Path, text: str, ask: Ask, default: Path | None, offer_new: bool
) -> Store | None:
    """Ask until the library file is there (Try again opens only an existing file, never
    makes one), the user starts a new one there, opens the default library, or quits."""
    offer_default = _offers_default(library, default)
    choices = [
        RETRY,
        *([DEFAULT] if offer_default else []),
        *([START_NEW] if offer_new else []),
        QUIT,
    ]
    while True:
        choice = ask(text, choices)
        if choice == RETRY:
            if not library.exists():
                continue
            try:
                return Store(library)
            except AnomalizerError as again:  # there now, but unusable: the damaged path
                return recover_library(library, again, ask, default)
        if choice == START_NEW and offer_new:
            return _open_or_say(library, f"Could not start a new library at {library}", ask)
        if choice == DEFAULT and offer_default:
            return _open_or_say(default, "Could not open the default library either", ask)
        return None


def _open_or_say(library: Path, failed: str, ask: Ask) -> Store | None:
    """The library at `library`, or None once the user has read why it cannot be opened."""
    try:
        return Store(library)
    except AnomalizerError as failure:
        ask(f"{failed}:\n\n{failure}", [QUIT])
        return None


def ask_with_message_box(text: str, choices: list[str]) -> str:
    """`Ask` as a Qt message box (the app's way; tests pass their own). Closing the box
    without a choice quits."""
    from PySide6.QtWidgets import QMessageBox

    from anomalizer_desktop.ui import plain_text

    box = plain_text.message_box(QMessageBox.Icon.NoIcon, "anomalizer-desktop", text)
    box.setIcon(QMessageBox.Icon.Critical if QUIT in choices else QMessageBox.Icon.Information)
    labels = {
        START_NEW: "Start a new library",
        RETRY: "Try again",
        DEFAULT: "Open the default library",
        QUIT: "Quit",
        OK: "OK",
    }
    roles = {START_NEW: QMessageBox.ButtonRole.AcceptRole, QUIT: QMessageBox.ButtonRole.RejectRole}
    buttons = {
        box.addButton(labels[c], roles.get(c, QMessageBox.ButtonRole.AcceptRole)): c
        for c in choices
    }
    default = next(b for b, c in buttons.items() if c == (QUIT if QUIT in choices else OK))
    box.setDefaultButton(default)
    box.exec()
    return buttons.get(box.clickedButton(), QUIT)
