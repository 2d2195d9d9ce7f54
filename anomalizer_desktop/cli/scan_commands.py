"""Commands that bring loops into the library: scan, embed, and start (both, then train).

Each takes parsed args and an open Store and returns an exit code.
"""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.clap_args import clap_options
from anomalizer_desktop.cli.output import (
    drive,
    print_json,
    print_problems,
    warn,
)
from anomalizer_desktop.core.audio.formats import unread_formats_text
from anomalizer_desktop.core.embedding.job import embed as embed_job
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.scanner import UNREACHABLE_FOLDER, reachable_roots
from anomalizer_desktop.core.library.scanner import scan as scan_job
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import (
    quantity,
)

SCAN_KEYS = ("found", "new", "changed", "unchanged", "moved", "missing", "errors")


def scan_line(summary) -> str:
    """ "found 12, new 0, ..." (and "back 1" when missing loops' files returned, "not added 2"
    when files or folders were passed by: a name that is not UTF-8, a folder that cannot be
    read or that is an export of the library; each listed below with the errors), then a line
    for the files it passed by in formats it does not read (a folder of .m4a or REX files
    "found 0": this says why) and one for each library folder the scan forgot."""
    line = ", ".join(f"{k} {getattr(summary, k)}" for k in SCAN_KEYS)
    line += f", back {summary.returned}" if summary.returned else ""
    passed_by = len(summary.problems) - summary.errors
    line += f", not added {passed_by}" if passed_by > 0 else ""
    if unread := unread_formats_text(summary.unread_formats):
        line += f"\npassed by {unread}"
    for folder in summary.forgotten_folders:
        line += f"\nforgot the folder {folder}: it is gone, and its loops are in other folders now"
    return line


def folders_to_scan(args: argparse.Namespace, store: Store) -> list[str]:
    """The folders named, else every folder of the library that is there now (as the window's
    Rescan: a drive not mounted must not turn its loops into "missing"); the others are named
    on stderr."""
    if args.paths:
        return args.paths
    reachable, away = reachable_roots(store)
    if not reachable and not away:
        raise AnomalizerError("the library has no folders yet: `anomalizer scan FOLDER` adds one")
    for folder in away:
        warn(f"  ! {folder}: {UNREACHABLE_FOLDER}")
    if not reachable:
        raise AnomalizerError("none of the library's folders can be reached now; nothing scanned")
    return reachable


def cmd_scan(args: argparse.Namespace, store: Store) -> int:
    summary = drive(scan_job(store, folders_to_scan(args, store)), "scanning", args.quiet)
    if args.json:
        print_json(summary.as_json())
    else:
        print(scan_line(summary))
        print_problems(summary.problems)
    return 0


def cmd_embed(args: argparse.Namespace, store: Store) -> int:
    job = embed_job(
        store,
        args.embedder,
        workers=args.workers,
        retry_errors=args.retry_errors,
        **clap_options(args),
    )
    summary = drive(job, f"embedding ({args.embedder})", args.quiet)
    if args.json:
        print_json(summary.as_json())
    else:
        print(f"embedded {summary.embedded}, skipped {summary.skipped}, errors {summary.errors}")
        print_heard(summary)
        if summary.unreachable:
            warn(
                f"{quantity(summary.unreachable, 'loop')} left for later: their folder is not"
                " reachable now (a drive not mounted?)"
            )
        print_problems(summary.problems)
    return 0


def print_heard(summary) -> None:
    """Say how many loops this embed heard a tempo in (`core.embedding.tempo_job`)."""
    if summary.tempos_heard:
        print(
            f"heard a tempo in {quantity(summary.tempos_heard, 'loop')} (shown, marked ≈,"
            " where a loop's name and loop tags declare none)"
        )


def cmd_start(args: argparse.Namespace, store: Store) -> int:
    """The quick start: scan the folders, embed every loop, bring the scores up to date (train
    the default detector, or score just the new loops), print where things stand (with
    --json, one object: what the scan and the embedding found, what scoring did, the scores'
    status after it)."""
    from anomalizer_desktop.core.detector.freshness import score_status
    from anomalizer_desktop.core.detector.training import refresh_scores

    text = not args.json  # lines as each step ends, or one object at the end
    scanned = drive(scan_job(store, folders_to_scan(args, store)), "scanning", args.quiet)
    if text:
        print(scan_line(scanned))
        print_problems(scanned.problems)
    embedded = drive(embed_job(store, "dsp"), "embedding (dsp)", args.quiet)
    if text:
        print(f"embedded {embedded.embedded}, skipped {embedded.skipped}, errors {embedded.errors}")
        print_heard(embedded)
        print_problems(embedded.problems)
    scored = None if args.no_train else drive(refresh_scores(store, "dsp"), "scoring", args.quiet)
    if text:
        if scored is not None:
            print(scored)
        print(f"library: {store.path}  — try `anomalizer list --sort score` or `anomalizer info`")
        return 0
    print_json(
        {
            "library": str(store.path),
            "scan": scanned.as_json(),
            "embed": embedded.as_json(),
            "scoring": scored,
            "scores": score_status(store, "dsp").as_json(),
        }
    )
    return 0
