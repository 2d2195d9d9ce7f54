"""`anomalizer`: every library job from the command line, no screen needed.

Exit status: 0 when the job ran (files that failed are reported, not fatal), 1 when it could
not run (no such folder, unwritable export, damaged library), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sqlite3
import sys
from pathlib import Path

from anomalizer_desktop.cli import info_commands
from anomalizer_desktop.cli.parser import build_parser
from anomalizer_desktop.cli.termination import Terminated, signals_unwind
from anomalizer_desktop.core.decoder_chatter import keep_decoder_chatter_off_stderr
from anomalizer_desktop.core.errors import AnomalizerError, os_error_text
from anomalizer_desktop.core.import_lock import serialize_imports
from anomalizer_desktop.core.library.scanner import resolve_roots
from anomalizer_desktop.core.library.schema import is_damage
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store, damaged
from anomalizer_desktop.core.malloc_arenas import limit_malloc_arenas
from anomalizer_desktop.core.paths import resolve_library_path

__all__ = ["build_parser", "main"]


def _say_how_to_repair(library: str) -> None:
    """The command that repairs this library, to paste (naming it unless it is the default)."""
    named = "" if Path(library) == resolve_library_path() else f" --library {shlex.quote(library)}"
    print(f"anomalizer: to repair it: anomalizer{named} repair", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """The `anomalizer` command (`argv` None: this process's arguments), or one run of it
    from Python with `argv` (tests), which leaves the process's stderr as it is."""
    args = build_parser().parse_args(argv)
    if argv is None:
        keep_decoder_chatter_off_stderr()
    limit_malloc_arenas()  # before the reader threads of a scan start (core.malloc_arenas)
    serialize_imports()  # the threads of a job import as they go (core.import_lock)
    with signals_unwind():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command `args` names, its failures turned into a message and an exit status."""
    try:
        if getattr(args, "needs_store", True) is False:
            return args.func(args)
        path = resolve_library_path(args.library)
        # scan and start make a library only when told which folders to put in it
        creates = getattr(args, "creates_library", False) and bool(args.paths)
        if creates and not path.exists():
            resolve_roots(args.paths)  # a mistyped folder makes no empty library (ScanError)
        if not creates and not path.exists():
            # only scan and start make a library: `export` or `list` with a mistyped --library
            # must not leave an empty one behind and report "wrote 0 loops"
            if args.func is info_commands.cmd_info:
                return info_commands.info_without_library(args, path)
            raise AnomalizerError(
                f"no library at {path} yet: `anomalizer scan FOLDER` or `anomalizer start"
                " FOLDER` makes one (or choose another with --library)"
            )
        with Store(path) as store:
            return args.func(args, store)
    except BrokenPipeError:  # `anomalizer list | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except AnomalizerError as error:
        print(f"anomalizer: {error}", file=sys.stderr)
        if isinstance(error, LibraryDamagedError):
            _say_how_to_repair(error.path)
        return 1
    except OSError as error:  # a file not there, no permission, a full drive: no traceback
        print(f"anomalizer: {os_error_text(error)}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as error:  # a read met a damaged page of the library
        if not is_damage(error):
            raise
        library = str(resolve_library_path(getattr(args, "library", None)))
        print(f"anomalizer: {damaged(library, error)}", file=sys.stderr)
        _say_how_to_repair(library)
        return 1
    except Terminated as ended:
        print(f"anomalizer: terminated ({signal.Signals(ended.signum).name})", file=sys.stderr)
        return ended.exit_status
    except KeyboardInterrupt:
        print("anomalizer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
