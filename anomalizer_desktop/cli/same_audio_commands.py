"""`anomalizer same-audio`: find the loops whose audio the library holds again in a file with
other bytes (another format, bit depth, rate, level or name), as the window's Same audio list
does, and print them in groups."""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.output import drive, print_json, warn
from anomalizer_desktop.core.library.same_audio import check_same_audio, same_audio_listing
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity


def cmd_same_audio(args: argparse.Namespace, store: Store) -> int:
    checked = drive(check_same_audio(store, args.embedder), "comparing", args.quiet)
    for path, why in checked.unreadable.items():
        warn(f"{shown_path(path)}: not compared: {why}")
    groups = same_audio_listing(store)
    if args.json:
        print_json(
            {
                "compared": checked.compared,
                "groups": [
                    [{"path": shown_path(p), "level_db": level} for p, level in group]
                    for group in groups
                ],
            }
        )
        return 0
    if checked.compared:
        print(checked.summary[:1].upper() + checked.summary[1:] + ".")
    if not groups:
        print("No loop's audio is in the library twice in different files.")
        return 0
    loops = sum(len(group) for group in groups)
    print(
        f"{quantity(loops, 'loop')} in {quantity(len(groups), 'group')}: the same audio in"
        " different files (level relative to the first of each group)."
    )
    for group in groups:
        print()
        for path, level in group:
            print(f"  {level:+6.1f} dB  {shown_path(path)}")
    return 0
