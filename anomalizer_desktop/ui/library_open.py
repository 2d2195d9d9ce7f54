"""What the app does when the library file cannot be opened: say so in a window, never a traceback.

A damaged library (a disk image that is malformed) can be repaired: the file is renamed, never
deleted, and a new library made of everything that can still be read from it takes its place
(`core.library.repair`), so the producer keeps their flags and notes and the old file stays
there for recovery. A library written by a newer version of the app is left exactly as it is:
the fix is to update the app. So is a file that is not a library at all (another program's
database, a sound file named as the library), a library on a read-only drive or in a folder
this user may not write (it is not damaged), and a library whose folder cannot be made (a
drive that is not mounted): the producer can mount it and try again, or work in the default
library meanwhile (the other stays in Library > Open recent).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import Job, run_job
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.schema import (
    LibraryNotWritableError,
    NotALibraryError,
    SchemaTooNewError,
)
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store

START_NEW, QUIT, OK, CLOSE = "start-new", "quit", "ok", "close"
RETRY, DEFAULT, REPAIR = "retry", "default", "repair"

#: runs a core job to its end and returns its result (the app shows a progress dialog)
Run = Callable[[Job], Any]

#: shows the message and the choices, returns the one taken (QUIT when the window is closed)
Ask = Callable[[str, list[str]], str]


def _offers_default(library: Path, default: Path | None) -> bool:
    """Whether "Open the default library" is a way out: there is one, and it is another file."""
    return default is not None and Path(default) != Path(library)


def _sentence(error: AnomalizerError) -> str:
    """The error's message as a sentence: "cannot open ..." -> "Cannot open ... ."."""
    reason = str(error)
    return f"{reason[:1].upper()}{reason[1:]}."


def recover_library(
    library: Path,
    error: AnomalizerError,
    ask: Ask,
    default: Path | None = None,
    run: Run = run_job,
) -> Store | None:
    """After `Store(library)` failed with `error`: a Store (of `library`, repaired in its
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
    what = (
        f"The library {library} is damaged ({error.reason})."
        if isinstance(error, LibraryDamagedError)
        else _sentence(error)
    )
    if ask(f"{what}\n\n{REPAIR_OFFER}", [REPAIR, QUIT]) != REPAIR:
        return None
    return repair_and_open(library, ask, run)


#: what repairing does, in the question that offers it
REPAIR_OFFER = (
    "Repair it? Everything in it that can still be read (loops, flags and notes, embeddings,"
    " scores) goes into a new library under its name. The damaged file is kept beside it,"
    " renamed, so nothing in it is lost."
)


def repair_and_open(library: Path, ask: Ask, run: Run = run_job) -> Store | None:
    """Repair the library (`core.library.repair`), say what was kept and lost, and open it;
    None when it could not be repaired (it is then as it was) or the repair was cancelled."""
    try:
        outcome = run(repair_library(library))
    except (OSError, AnomalizerError) as failure:
        ask(f"Could not repair the library {library}:\n\n{failure}\n\nIt is as it was.", [CLOSE])
        return None
    if outcome is None:  # cancelled
        return None
    ask(outcome.summary(), [OK])
    return _open_or_say(library, "Could not open the repaired library", ask)


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


def missing_library(
    library: Path, ask: Ask, default: Path | None, run: Run = run_job
) -> Store | None:
    """A library opened before whose file is not there now, though its folder may be (an
    empty mount point, a moved file): ask before starting an empty one in its place."""
    text = (
        f"The library {library} is not there any more (it was open before).\n\n"
        "Is it on a drive that is not connected, or was it moved?"
    )
    return _wait_for(library, text, ask, default, offer_new=True, run=run)


def _wait_for(
    library: Path,
    text: str,
    ask: Ask,
    default: Path | None,
    offer_new: bool,
    run: Run = run_job,
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
                return recover_library(library, again, ask, default, run)
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
    # a question or a failure; only a report (OK alone) is news
    box.setIcon(QMessageBox.Icon.Information if choices == [OK] else QMessageBox.Icon.Critical)
    labels = {
        START_NEW: "Start a new library",
        REPAIR: "Repair the library",
        RETRY: "Try again",
        DEFAULT: "Open the default library",
        QUIT: "Quit",
        OK: "OK",
        CLOSE: "Close",
    }
    roles = {
        START_NEW: QMessageBox.ButtonRole.AcceptRole,
        REPAIR: QMessageBox.ButtonRole.AcceptRole,
        QUIT: QMessageBox.ButtonRole.RejectRole,
    }
    buttons = {
        box.addButton(labels[c], roles.get(c, QMessageBox.ButtonRole.AcceptRole)): c
        for c in choices
    }
    default = next(b for b, c in buttons.items() if c in (QUIT, OK, CLOSE))
    box.setDefaultButton(default)
    box.exec()
    return buttons.get(box.clickedButton(), QUIT)
