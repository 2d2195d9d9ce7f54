"""Commands about one loop: why it is unusual (`explain`), which loops are like it (`similar`),
and how loops from outside would fit (`try`)."""

from __future__ import annotations

import argparse
import os
import shlex

from anomalizer_desktop.cli.output import (
    drive,
    format_table,
    print_json,
    print_problems,
)
from anomalizer_desktop.core.library.same_audio import level_phrase
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity, unusual_percent


def cmd_explain(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.explain import explain

    if os.path.isdir(args.path):  # a folder (a pack): what sets its loops apart
        return _explain_folder(args, store)
    result = explain(store, args.path, args.embedder, args.neighbours)
    if args.json:
        print_json(result.as_json())
        return 0
    _print_deviations(result, "What deviates most:")
    print("\nNearest typical loops:")
    for n in result.neighbours:
        print(f"  {n['distance']:7.2f}  {n['path']}" + (f"  [{n['flag']}]" if n["flag"] else ""))
    if result.copies:
        print("\nThe same audio, elsewhere:")
        for path in result.copies:
            level = result.copy_levels.get(path)
            other = "" if level is None else f"  (another file, {level_phrase(level)})"
            print(f"  {path}{other}")
    return 0


def _explain_folder(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.folder_explain import explain_folder

    folder = os.path.realpath(os.path.expanduser(args.path))
    result = explain_folder(store, folder, args.embedder)
    if args.json:
        print_json(result.as_json())
        return 0
    _print_deviations(result, "What deviates most (its typical loop):")
    if result.most_unusual:
        print("\nIts most unusual loops:")
        for loop in result.most_unusual:
            print(f"  {unusual_percent(loop['percentile']):>5}  {shown_path(loop['path'])}")
    return 0


def _print_deviations(result, title: str) -> None:
    """A loop's or a folder's explanation: its summary, then each aspect and how far it
    deviates, with its three descriptors that deviate most."""
    from anomalizer_desktop.core.analysis.explain import spreads_text

    print(result.summary)
    print(f"\n{title}")
    for d in result.deviations:
        tops = ", ".join(f"{t['name']} {spreads_text(t['z'])}" for t in d.top_descriptors)
        print(f"  {d.words:34s} more than {d.percentile:5.1f}% of loops   ({tops})")


def cmd_similar(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.likeness import likeness
    from anomalizer_desktop.core.library.copies import first_copies

    result = likeness(store, args.path, args.embedder)
    nearest = result.nearest(args.count)
    paths = [result.path, *(n["path"] for n in nearest)]
    for n, copy_of in zip(nearest, first_copies(paths, store.copied_files())[1:], strict=True):
        n["copy_of"] = copy_of
    if args.json:
        print_json({"path": result.path, "embedder": args.embedder, "nearest": nearest})
        return 0
    if not nearest:
        print(f"No other embedded loop to compare {result.path} with yet.")
        return 0
    print(f"Loops like {result.path}, nearest first:")
    for above, n in zip(paths, nearest, strict=False):
        flag = f"  [{n['flag']}]" if n["flag"] else ""
        print(f"  {n['distance']:7.2f}  {n['path']}{flag}{_copy_text(n['copy_of'], above, paths)}")
    return 0


def _copy_text(copy_of: str | None, above: str, paths: list[str]) -> str:
    """ "  (a copy of the loop)", "… of the line above" or "… of PATH", or "" for no copy."""
    if copy_of is None:
        return ""
    if copy_of == paths[0]:
        return "  (a copy of the loop)"
    return f"  (a copy of {'the line above' if copy_of == above else copy_of})"


def cmd_try(args: argparse.Namespace, store: Store) -> int:
    """How files from outside the library would score in it (nothing is added)."""
    from anomalizer_desktop.core.analysis.newcomers import judge_newcomers, keep_newcomers

    verdict = drive(judge_newcomers(store, args.paths), "describing", args.quiet)
    kept = None
    if args.keep_fitting:
        folder = os.path.abspath(os.path.expanduser(args.keep_fitting))
        paths = [loop.path for loop in verdict.fitting]
        kept = drive(keep_newcomers(paths, folder), "copying", args.quiet)
    loops = verdict.loops
    if args.json:
        print_json(
            {
                "run_id": verdict.run_id,
                "embedder": verdict.embedder,
                "unusual": verdict.unusual,
                "loops": [loop.as_json() for loop in loops],
                **({} if kept is None else {"kept": _kept_json(kept)}),
            }
        )
        return 0
    described = verdict.described
    rows = [
        [
            unusual_percent(loop.percentile),
            "unusual here" if loop.unusual else "fits",
            shown_path(loop.path) + _held_text(loop),
            _most_like(loop),
        ]
        for loop in described
    ]
    if rows:
        print(format_table(rows, ["unusual %", "verdict", "path", "most like (in the library)"]))
        share = 100 * verdict.unusual / len(described)
        print(
            f"\n{verdict.unusual} of {quantity(len(described), 'loop')} would be above the"
            f" unusual cut of run {verdict.run_id} ({share:.0f} %; about 10 % of loops like the"
            " library's are). Nothing was added: `anomalizer start FOLDER` adds them."
        )
    print_problems([(loop.path, loop.error) for loop in loops if loop.error])
    if kept is not None:
        there = f" ({len(kept.already_there)} already there, left as they were)"
        print(
            f"copied {quantity(len(kept.copied), 'loop')} that fit to {shown_path(kept.folder)}"
            + (there if kept.already_there else "")
            + f"; `anomalizer start {shlex.quote(kept.folder)}` scans them in"
        )
        print_problems(kept.failed)
    return 0


def _kept_json(kept) -> dict:
    return {
        "folder": shown_path(kept.folder),
        "copied": [shown_path(p) for p in kept.copied],
        "already_there": [shown_path(p) for p in kept.already_there],
        "failed": [{"path": shown_path(p), "why": why} for p, why in kept.failed],
    }


def _held_text(loop) -> str:
    if loop.in_library:
        return "  (in the library)"
    if loop.copy_of:
        return f"  (a copy of {shown_path(loop.copy_of)})"
    if loop.same_audio_as:
        level = level_phrase(loop.same_audio_level or 0.0)
        return f"  (the same audio as {shown_path(loop.same_audio_as)}, {level})"
    return ""


def _most_like(loop) -> str:
    if not loop.nearest:
        return ""
    nearest = loop.nearest[0]
    itself = ", itself unusual" if nearest.get("unusual") else ""
    return f"{os.path.basename(nearest['path'])} ({nearest['distance']:.1f}{itself})"
