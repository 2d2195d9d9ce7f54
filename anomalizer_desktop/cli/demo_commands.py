"""`anomalizer demo`: write the demo loops (core.demo_loops) to try the app on."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from anomalizer_desktop.cli.output import drive, print_json
from anomalizer_desktop.core.paths import demo_folder


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the demo loops into FOLDER (the user data folder's "demo loops" by default) and
    say how to score them; nothing is added to the library until then."""
    # imported here: scipy.signal takes a second to import, and every `anomalizer` command and
    # each worker process `embed` spawns (which imports this script again) paid for it
    from anomalizer_desktop.core.demo_loops import write_demo_loops

    folder = Path(args.folder).expanduser() if args.folder else demo_folder()
    done = drive(write_demo_loops(folder), "demo loops", args.quiet)
    if args.json:
        print_json(
            {
                "folder": str(done.folder),
                "loops": [str(p) for p in done.paths],
                "odd": [str(p) for p in done.odd],
            }
        )
    else:
        print(f"wrote {len(done.paths)} demo loops to {done.folder}")
        print(f"score them: anomalizer start {shlex.quote(str(done.folder))}")
        odd = ", ".join(p.stem for p in done.odd)
        print(f"({len(done.odd)} of them do not fit the rest: {odd})")
    return 0
