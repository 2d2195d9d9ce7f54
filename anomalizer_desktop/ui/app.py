"""`anomalizer-desktop`: open the library in the main window (or save a screenshot of it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anomalizer_desktop import __version__
from anomalizer_desktop.core.decoder_chatter import keep_decoder_chatter_off_stderr
from anomalizer_desktop.core.import_lock import serialize_imports
from anomalizer_desktop.core.malloc_arenas import limit_malloc_arenas
from anomalizer_desktop.core.paths import resolve_library_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anomalizer-desktop", description="Find the loops in your library that don't fit."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--library", metavar="FILE", help="library file to open")
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        help="lay out the window with the library, save a PNG and exit",
    )
    parser.add_argument(
        "--select",
        metavar="NAME",
        help="with --screenshot: select this loop (its file name, or a part of one name)",
    )
    parser.add_argument("folders", nargs="*", help="folders to add (scanned, embedded, trained)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `anomalizer-desktop` command (`argv` None: this process's arguments)."""
    args = build_parser().parse_args(argv)
    if argv is None:  # the command, started from a terminal or a desktop entry
        keep_decoder_chatter_off_stderr()
    limit_malloc_arenas()  # before any thread starts (core.malloc_arenas)
    serialize_imports()  # jobs import as they go, several at once (core.import_lock)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from anomalizer_desktop.core.errors import AnomalizerError
    from anomalizer_desktop.core.library.store import Store
    from anomalizer_desktop.ui.job_progress import run_with_progress
    from anomalizer_desktop.ui.library_open import (
        ask_with_message_box,
        missing_library,
        recover_library,
    )
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.quit_signals import close_on_signals
    from anomalizer_desktop.ui.resources import DESKTOP_FILE, app_icon
    from anomalizer_desktop.ui.settings import (
        Settings,
        apply_model_folder,
        gone_since_last_time,
        remember_library,
    )
    from anomalizer_desktop.ui.theme import apply_theme
    from anomalizer_desktop.ui.window_repair import route_damage_to_windows
    from anomalizer_desktop.ui.workers import JobRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("anomalizer-desktop")
    app.setOrganizationName("anomalizer-desktop")
    app.setDesktopFileName(DESKTOP_FILE)
    app.setWindowIcon(app_icon())
    settings = Settings()
    apply_theme(app, settings.get("theme"))
    apply_model_folder(settings)  # where CLAP checkpoints are looked for
    library = resolve_library_path(args.library or settings.get("library") or None)
    default = resolve_library_path()

    def repair_run(job):  # a repair at start shows its progress
        return run_with_progress(job, "Repairing the library")

    try:
        if gone_since_last_time(settings, library, default) and not args.screenshot:
            store = missing_library(library, ask_with_message_box, default, run=repair_run)
            if store is None:
                return 1
        else:
            store = Store(library)
    except AnomalizerError as error:  # damaged, not a database, or from a newer version
        print(f"anomalizer-desktop: {error}", file=sys.stderr)
        if args.screenshot:
            return 1
        store = recover_library(library, error, ask_with_message_box, default, run=repair_run)
        if store is None:
            return 1
    library = Path(store.path)  # another one, when the user chose it
    settings.set("library", str(library))
    remember_library(settings, library)
    player = AudioPlayer(device=settings.get("audio_device") or None)
    window = MainWindow(store, settings, JobRunner(str(library)), player)
    if args.screenshot:
        return _screenshot(app, window, Path(args.screenshot), args.select)
    window.show()
    close_on_signals(app)
    route_damage_to_windows()
    if args.folders:
        QTimer.singleShot(0, lambda: window.add_folders(args.folders))
    else:
        QTimer.singleShot(0, window.check_folders)
    return app.exec()


def row_named(names: list[str], wanted: str) -> tuple[int | None, str]:
    """The row whose file name is `wanted`, else the one name containing it (any case);
    (None, why) when there is no such row or several."""
    if wanted in names:
        return names.index(wanted), ""
    partial = [i for i, name in enumerate(names) if wanted.lower() in name.lower()]
    if len(partial) == 1:
        return partial[0], ""
    return None, f"{len(partial)} loops match" if partial else "no loop matches"


def _screenshot(app, window, path: Path, select: str | None) -> int:
    """Wait for the library to load, select a loop, let the explanation arrive, grab, exit.
    A dialog that comes up meanwhile (a job failed) is closed and told on stderr, and the exit
    status is 1: nobody is there to answer it, and it held the screenshot forever."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    dialogs: list[str] = []
    watchdog = QTimer()
    watchdog.timeout.connect(lambda: _close_dialog(app, dialogs))
    watchdog.start(100)
    window.resize(1600, 960)
    window.show()
    clock = QElapsedTimer()
    clock.start()
    while window.runner.any_running() or clock.elapsed() < 300:
        app.processEvents()
        if clock.elapsed() > 60_000:
            break
    if select:
        row, problem = row_named(list(window.model.library.names), select)
        if row is None:
            print(f"--select {select!r}: {problem}; selecting nothing", file=sys.stderr)
        else:
            window.select_ids([int(window.model.library.ids[row])])
    clock.restart()
    while clock.elapsed() < 1200 or window.runner.any_running():
        app.processEvents()
        if clock.elapsed() > 30_000:
            break
    watchdog.stop()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    window.close()
    print(f"saved {path}" if ok else f"could not save {path}", file=sys.stderr)
    for text in dialogs:
        print(f"a dialog came up and was closed: {text}", file=sys.stderr)
    return 0 if ok and not dialogs else 1


def _close_dialog(app, dialogs: list[str]) -> None:
    """Close the modal dialog up now, if any, keeping its text."""
    dialog = app.activeModalWidget()
    if dialog is not None:
        text = getattr(dialog, "text", None)
        dialogs.append(text() if callable(text) else dialog.windowTitle())
        dialog.reject()


if __name__ == "__main__":
    sys.exit(main())
