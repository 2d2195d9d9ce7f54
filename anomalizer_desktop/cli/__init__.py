"""`anomalizer`: every library job from the command line, no screen needed.

Exit status: 0 when the job ran (files that failed are reported, not fatal), 1 when it could
not run (no such folder, unwritable export, damaged library), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from anomalizer_desktop import __version__
from anomalizer_desktop.cli import (
    bench_commands,
    demo_commands,
    folder_commands,
    library_commands,
    loop_commands,
    map_commands,
    model_commands,
    same_audio_commands,
)
from anomalizer_desktop.cli.clap_args import add_clap_options
from anomalizer_desktop.cli.termination import Terminated, signals_unwind
from anomalizer_desktop.core.audio.tempo_sync import HIGHEST, LOWEST
from anomalizer_desktop.core.detector.names import DETECTORS, DEVICES, NETWORKS
from anomalizer_desktop.core.detector.spec import SVDD_ENSEMBLE
from anomalizer_desktop.core.embedding.base import available_embedders
from anomalizer_desktop.core.errors import AnomalizerError, os_error_text
from anomalizer_desktop.core.export import FORMATS
from anomalizer_desktop.core.import_lock import serialize_imports
from anomalizer_desktop.core.library.folder_tree import SORTS, folder_paths
from anomalizer_desktop.core.library.scanner import resolve_roots
from anomalizer_desktop.core.library.schema import is_damage
from anomalizer_desktop.core.library.store import (
    FLAGS,
    SORT_COLUMNS,
    STATUSES,
    LibraryDamagedError,
    Store,
    damaged,
)
from anomalizer_desktop.core.library.user_tags import parse_tags
from anomalizer_desktop.core.library.views import UNFLAGGED
from anomalizer_desktop.core.loop_names import (
    CROSSINGS,
    MIXES,
    added_since,
    bars_range,
    settable_key,
    settable_tempo,
    spell_key_term,
    tempo_range,
    unusual_range,
)
from anomalizer_desktop.core.malloc_arenas import limit_malloc_arenas
from anomalizer_desktop.core.paths import resolve_library_path

#: what `scan` and `start` do without folders: the window's Rescan, for a shell or a timer
FOLDERS_HELP = "folders to add or scan again (none: every folder of the library, as Rescan does)"


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """argparse type: a whole number from `low` (up to `high`)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(
                f"must be {low} or more" if high is None else f"must be from {low} to {high}"
            )
        return value

    return parse


_at_least_one = _whole_number(1)
_at_least_zero = _whole_number(0)
#: a seed the random generators take (scikit-learn refuses others: `--seed -1` ended an
#: iforest training in a traceback)
_seed = _whole_number(0, 2**32 - 1)


def _positive_number(text: str) -> float:
    """argparse type: a number above 0 (Deep SAD's eta: 0 or less turns its objective over)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("must be a number above 0")
    return value


def _tempo_range(text: str) -> tuple[float, float]:
    """argparse type: a tempo (120) or a range of tempos (118-122)."""
    try:
        return tempo_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _bars_range(text: str) -> tuple[float, float]:
    """argparse type: a number of bars (4) or a range of them (2-4)."""
    try:
        return bars_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _unusual_range(text: str) -> tuple[float, float]:
    """argparse type: an Unusual % (90: 90 and above) or a range of them (50-80)."""
    try:
        return unusual_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _added(text: str) -> float:
    """argparse type: how far back a loop may have come in (today, 12h, 3d, 2w), as the
    moment that is."""
    try:
        return added_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _key(text: str) -> str:
    """argparse type: a key as a person types it (Am, "F# minor", bbm, Eb; Am+ for the keys
    that mix with Am)."""
    key = spell_key_term(text)
    if key is None:
        raise argparse.ArgumentTypeError(
            f'not a key: {text!r} (say Am, F#m, Eb or "C major"; Am+ adds the keys that mix)'
        )
    return key


#: what `flag --bpm` and `--key` take to give a loop back what its name says
NO_VALUE = ("none", "")


def _own_tempo(text: str) -> float:
    """argparse type: a tempo to set by hand (flag --bpm 174); 'none' (0.0) takes it off."""
    if text.strip().lower() in NO_VALUE:
        return 0.0
    try:
        return settable_tempo(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _own_key(text: str) -> str:
    """argparse type: a key to set by hand (flag --key Am); 'none' ("") takes it off."""
    if text.strip().lower() in NO_VALUE:
        return ""
    try:
        return settable_key(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _project_tempo(text: str) -> float:
    """argparse type: a project's tempo, 40-300 BPM (export --at-tempo)."""
    value = _positive_number(text)
    if not LOWEST <= value <= HIGHEST:
        raise argparse.ArgumentTypeError(f"a tempo from {LOWEST:g} to {HIGHEST:g} BPM")
    return value


def _project_key(text: str) -> str:
    """argparse type: a project's key as a person types it (Am, "F# minor", Eb)."""
    key = _key(text)
    if key.endswith(MIXES):
        raise argparse.ArgumentTypeError("one key: the loops move into it (no +)")
    return key


def _tag(text: str) -> str:
    """argparse type: one tag (spaces collapsed; no comma: a loop filter takes one tag)."""
    tags = parse_tags(text)
    if len(tags) != 1:
        raise argparse.ArgumentTypeError(
            f"not one tag: {text!r} (a tag is a word or words, without a comma)"
        )
    return tags[0]


def _add_stored_embedder(p: argparse.ArgumentParser) -> None:
    """--embedder for the commands that read the library's vectors: a built-in embedder or
    the name imported vectors were stored under."""
    p.add_argument("--embedder", default="dsp", help="built-in or imported embedder name")


def _add_loop_filters(p: argparse.ArgumentParser) -> None:
    """--bpm and --key: only the loops that declare that tempo and key (in their names or
    loop tags; the table's BPM and Key); --bars: only those that last that many whole bars at
    the tempo they declare; --added: only those a scan found since then (the table's Added);
    --tag: only those the producer tagged so; --unusual-percent: only those whose Unusual % is
    at least that, or within a range; --crossed: only those the latest training moved across
    the unusual cut; --folder: only those in a folder (a pack)."""
    p.add_argument(
        "--bpm",
        type=_tempo_range,
        metavar="TEMPO",
        help="only loops of this tempo (120 or 118-122)",
    )
    p.add_argument(
        "--key",
        type=_key,
        help="only loops in this key (Am, F#m, Eb...; Am+ also the keys that mix with Am)",
    )
    p.add_argument(
        "--bars",
        type=_bars_range,
        metavar="BARS",
        help="only loops that last that many whole bars at their tempo (4 or 2-4)",
    )
    p.add_argument(
        "--added",
        type=_added,
        metavar="WHEN",
        help="only loops a scan found since then (today, 12h, 3d or 2w)",
    )
    p.add_argument("--tag", type=_tag, help="only loops you tagged so (case aside)")
    p.add_argument(
        "--unusual-percent",
        type=_unusual_range,
        metavar="PERCENT",
        help="only loops whose Unusual %% is at least this (90), or within a range (50-80)",
    )
    p.add_argument(
        "--crossed",
        choices=CROSSINGS,
        help="only loops the latest training moved above the unusual cut (new) or below it"
        " (fell), the training before having had them the other side",
    )
    p.add_argument(
        "--folder",
        type=folder_paths,
        metavar="FOLDER",
        help="only loops in this folder or below it (`anomalizer folders` lists them)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anomalizer", description="Find the loops in your sample library that don't fit."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--library",
        metavar="PATH",
        help="library file (default: $ANOMALIZER_LIBRARY or the user data folder)",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON result on stdout")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("scan", parents=[common], help="scan folders into the library")
    p.add_argument("paths", nargs="*", metavar="PATH", help=FOLDERS_HELP)
    p.set_defaults(func=library_commands.cmd_scan, creates_library=True)

    p = sub.add_parser("embed", parents=[common], help="compute embeddings for new loops")
    p.add_argument("--embedder", default="dsp", choices=available_embedders())
    p.add_argument(
        "--workers", type=_at_least_one, default=None, help="processes (default: all cores)"
    )
    p.add_argument("--retry-errors", action="store_true", help="retry files that failed before")
    add_clap_options(p)
    p.set_defaults(func=library_commands.cmd_embed)

    p = sub.add_parser(
        "start", parents=[common], help="scan, embed and score folders (quick start)"
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=FOLDERS_HELP)
    p.add_argument(
        "--no-train", action="store_true", help="scan and embed only; leave the scores as they are"
    )
    p.set_defaults(func=library_commands.cmd_start, creates_library=True)

    p = sub.add_parser(
        "demo", parents=[common], help="write demo loops to try the app on (no download)"
    )
    p.add_argument(
        "folder", nargs="?", metavar="FOLDER", help="where (default: the user data folder)"
    )
    p.set_defaults(func=demo_commands.cmd_demo, needs_store=False)

    p = sub.add_parser("list", parents=[common], help="list the library")
    p.add_argument("--sort", choices=sorted(SORT_COLUMNS), default=None)
    p.add_argument("--flag", choices=(*FLAGS, UNFLAGGED), help="only loops flagged so, or none")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument(
        "--copies",
        action="store_true",
        help="only files the library holds more than once (the same bytes in two places)",
    )
    p.add_argument(
        "--top",
        type=_at_least_one,
        metavar="N",
        help="only the N most unusual of the loops listed (needs scores); most unusual first"
        " unless --sort says otherwise",
    )
    _add_loop_filters(p)
    p.set_defaults(func=library_commands.cmd_list)

    p = sub.add_parser(
        "folders",
        parents=[common],
        help="the library's folders, with how many of each one's loops are unusual",
    )
    p.add_argument(
        "--sort",
        choices=sorted(SORTS),
        default="unusual",
        help="the folders under each folder: the largest share of unusual loops first"
        " (default), the highest median Unusual %%, the most loops, or by name",
    )
    p.add_argument(
        "--depth",
        type=_at_least_zero,
        default=None,
        help="how many levels below the folders you added (0: those alone; default: all)",
    )
    p.set_defaults(func=folder_commands.cmd_folders)

    p = sub.add_parser(
        "flag",
        parents=[common],
        help="flag loops typical or unusual; notes, tags, their tempo and key",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--typical", action="store_true")
    group.add_argument("--unusual", action="store_true")
    group.add_argument("--clear", action="store_true", help="remove the flag")
    p.add_argument("--note", help="set a note ('' clears it)")
    p.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAGS",
        help="add tags ('dark' or 'dark, song-a'; repeatable); the loops keep their others",
    )
    p.add_argument(
        "--untag", action="append", default=[], metavar="TAGS", help="take these tags off"
    )
    p.add_argument(
        "--tags", metavar="TAGS", help="give the loops exactly these tags ('' takes all off)"
    )
    p.add_argument(
        "--bpm",
        type=_own_tempo,
        metavar="TEMPO",
        help="their tempo, over what their names or sound say (174; 'none' gives that back)",
    )
    p.add_argument(
        "--key",
        type=_own_key,
        metavar="KEY",
        help="their key, over what their names say (Am, F#m, Eb; 'none' gives that back)",
    )
    p.set_defaults(func=library_commands.cmd_flag)

    p = sub.add_parser("tags", parents=[common], help="the tags on your loops, with counts")
    change = p.add_mutually_exclusive_group()
    change.add_argument(
        "--rename", nargs=2, metavar=("OLD", "NEW"), type=_tag, help="rename a tag on every loop"
    )
    change.add_argument("--delete", metavar="TAG", type=_tag, help="take a tag off every loop")
    p.set_defaults(func=library_commands.cmd_tags)

    p = sub.add_parser(
        "trash", parents=[common], help="move loops to the desktop's trash and forget them"
    )
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--flag", choices=FLAGS, help="every loop flagged so")
    p.add_argument("--tag", type=_tag, help="every loop tagged so")
    p.add_argument("--dry-run", action="store_true", help="list them; move nothing")
    p.set_defaults(func=library_commands.cmd_trash)

    p = sub.add_parser("export", parents=[common], help="export a set of loops for a DAW")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--flag", choices=(*FLAGS, UNFLAGGED), help="only loops flagged so, or none")
    p.add_argument("--top", type=_at_least_one, help="the N most unusual (needs scores)")
    p.add_argument("--min-score", type=float)
    p.add_argument("--max-score", type=float)
    p.add_argument("--path", dest="paths", action="append", help="only these files (repeatable)")
    _add_loop_filters(p)
    p.add_argument(
        "--each-tag",
        action="store_true",
        help="every tag's loops, a set each, into the folder OUT (OUT/dark/, OUT/dark.m3u8...)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing folder export")
    p.add_argument(
        "--keep-copies",
        action="store_true",
        help="list every copy of a file the library holds twice (by default a set has it once)",
    )
    p.add_argument(
        "--at-tempo",
        type=_project_tempo,
        metavar="BPM",
        help="with --format copies: loops that declare a tempo are written stretched to this"
        " one (pitch kept; half or double time where nearer), as the window's Sync plays them",
    )
    p.add_argument(
        "--at-key",
        type=_project_key,
        metavar="KEY",
        help="with --format copies: loops that declare a key are written moved into this one"
        " (or its relative major or minor)",
    )
    p.set_defaults(func=library_commands.cmd_export)

    p = sub.add_parser(
        "forget",
        parents=[common],
        help="remove loops whose files are gone, or a whole folder, from the library",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--missing",
        action="store_true",
        help="every loop whose file is missing (with its flags and notes)",
    )
    what.add_argument(
        "--folder",
        metavar="PATH",
        help="a folder added to the library, with its loops, flags and notes (files stay)",
    )
    p.add_argument("--dry-run", action="store_true", help="only say how many")
    p.set_defaults(func=library_commands.cmd_forget)

    p = sub.add_parser("info", parents=[common], help="where the library is and what it holds")
    p.set_defaults(func=library_commands.cmd_info)

    p = sub.add_parser(
        "repair",
        parents=[common],
        help="check the library file; when it is damaged, rebuild it from what can be read",
    )
    p.add_argument(
        "--check", action="store_true", help="only check: change nothing, exit 1 when damaged"
    )
    p.set_defaults(func=library_commands.cmd_repair, needs_store=False)

    p = sub.add_parser("train", parents=[common], help="train the detector and score every loop")
    p.add_argument("--detector", default="default", choices=DETECTORS)
    p.add_argument("--network", default="AE", choices=NETWORKS)
    _add_stored_embedder(p)
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--epochs", type=_at_least_one, default=None)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument(
        "--eta", type=_positive_number, default=1.0, help="weight of flagged loops (Deep SAD)"
    )
    p.add_argument(
        "--ensemble",
        type=_at_least_one,
        default=SVDD_ENSEMBLE,
        metavar="N",
        help=f"Deep SVDD / SAD: networks trained with seeds S..S+N-1 and averaged"
        f" (default {SVDD_ENSEMBLE}; 1 is the paper's single network)",
    )
    p.set_defaults(func=model_commands.cmd_train)

    p = sub.add_parser("score", parents=[common], help="score every loop with a trained run")
    p.add_argument("--run", type=int, default=None, help="run id (default: the latest)")
    p.add_argument("--device", default="cpu", choices=DEVICES)
    p.add_argument(
        "--new",
        action="store_true",
        help="score only the loops the run has no score for yet (added or changed since)",
    )
    p.set_defaults(func=model_commands.cmd_score)

    p = sub.add_parser("explain", parents=[common], help="why a loop (or a folder) is unusual")
    p.add_argument("path", help="a loop, or a folder: what sets its loops apart")
    _add_stored_embedder(p)
    p.add_argument("--neighbours", type=_at_least_one, default=5)
    p.set_defaults(func=loop_commands.cmd_explain)

    p = sub.add_parser(
        "map",
        parents=[common],
        help="draw the sound map (loops that sound alike together), once; --json: positions",
    )
    _add_stored_embedder(p)
    p.add_argument("--redraw", action="store_true", help="draw the sound map anew")
    p.add_argument("--pca", action="store_true", help="the map of the two main directions instead")
    p.set_defaults(func=map_commands.cmd_map)

    p = sub.add_parser(
        "same-audio",
        parents=[common],
        help="the loops whose audio is in the library again in another file (format, level, name)",
    )
    _add_stored_embedder(p)
    p.set_defaults(func=same_audio_commands.cmd_same_audio)

    p = sub.add_parser("similar", parents=[common], help="the loops most like a loop")
    p.add_argument("path")
    _add_stored_embedder(p)
    p.add_argument("-n", "--count", type=_at_least_one, default=10, help="how many (10)")
    p.set_defaults(func=loop_commands.cmd_similar)

    p = sub.add_parser(
        "try",
        parents=[common],
        help="how loops from outside the library would score in it (nothing is added)",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="loops, or folders that hold some")
    p.add_argument(
        "--keep-fitting",
        metavar="FOLDER",
        help="copy the loops that would fit (and the library does not hold) into FOLDER;"
        " a file of the same name there is left as it is",
    )
    p.set_defaults(func=loop_commands.cmd_try)

    models = sub.add_parser("models", help="CLAP checkpoints: list, download, import, remove")
    models_sub = models.add_subparsers(dest="models_command", required=True, metavar="WHAT")
    p = models_sub.add_parser("list", parents=[common], help="installed and known checkpoints")
    p.set_defaults(func=model_commands.cmd_models_list, needs_store=False)
    p = models_sub.add_parser("download", parents=[common], help="fetch a known checkpoint")
    p.add_argument("name")
    p.set_defaults(func=model_commands.cmd_models_download, needs_store=False)
    p = models_sub.add_parser("import", parents=[common], help="install a checkpoint file")
    p.add_argument("file")
    p.set_defaults(func=model_commands.cmd_models_import, needs_store=False)
    p = models_sub.add_parser("remove", parents=[common], help="delete an installed checkpoint")
    p.add_argument("name")
    p.set_defaults(func=model_commands.cmd_models_remove, needs_store=False)

    features = sub.add_parser("features", help="export or import embedding vectors")
    features_sub = features.add_subparsers(dest="features_command", required=True, metavar="WHAT")
    p = features_sub.add_parser("export", parents=[common], help="write vectors to Parquet")
    p.add_argument("out", metavar="OUT.parquet")
    p.add_argument("--embedder", default="dsp")
    p.set_defaults(func=model_commands.cmd_features_export)
    p = features_sub.add_parser("import", parents=[common], help="read vectors (Parquet/NPZ)")
    p.add_argument("source", metavar="FILE")
    p.add_argument("--embedder", required=True, help="name to store the vectors under")
    p.set_defaults(func=model_commands.cmd_features_import)

    p = sub.add_parser("evaluate", help="ROC AUC on a labelled corpus")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("corpus", nargs="?", help="folder of <scenario>/labels.csv folders")
    p.add_argument("--features", metavar="DIR", help="evaluate <scenario>.npz vectors instead")
    p.add_argument("--protocol", default="all", choices=["library", "clean", "assisted", "all"])
    p.add_argument("--embedder", default="dsp", choices=available_embedders())
    p.add_argument(
        "--detectors",
        metavar="LIST",
        help="only these, comma-separated (e.g. default,knn; sad-* run under assisted only)",
    )
    p.add_argument("--device", default="cpu", choices=DEVICES)
    p.add_argument("--epochs", type=_at_least_one, default=None)
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the results as JSON")
    p.add_argument(
        "--save-features",
        metavar="DIR",
        help="also write each scenario's vectors as DIR/<scenario>.npz (for --features)",
    )
    p.add_argument("--checkpoint", help="CLAP checkpoint file (default: the installed one)")
    p.add_argument("--output", choices=["projected", "features"], default="projected")
    p.set_defaults(func=model_commands.cmd_evaluate, needs_store=False)

    bench = sub.add_parser("bench", help="benchmarks that print figures")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True, metavar="WHAT")
    p = bench_sub.add_parser("embed", parents=[common], help="decode and embedding throughput")
    p.add_argument("folder")
    p.add_argument("--embedder", action="append", choices=available_embedders())
    p.add_argument("--workers", type=_at_least_one, default=None)
    add_clap_options(p)
    p.add_argument(
        "--repeats", type=_at_least_one, default=3, help="passes per measurement (median)"
    )
    p.set_defaults(func=bench_commands.cmd_bench_embed, needs_store=False)
    p = bench_sub.add_parser(
        "train", parents=[common], help="Deep SVDD time per epoch; default detector fit time"
    )
    p.add_argument("--n", type=_at_least_one, default=10_000)
    p.add_argument("--dim", type=_at_least_one, default=1024)
    p.add_argument("--epochs", type=_at_least_one, default=5)
    p.add_argument("--network", default="AE", choices=NETWORKS)
    p.set_defaults(func=bench_commands.cmd_bench_train, needs_store=False)
    p = bench_sub.add_parser(
        "library",
        parents=[common],
        help="flags' backup, quick check and repair of a damaged library: time and memory",
    )
    p.add_argument("--rows", type=_at_least_one, default=100_000)
    p.add_argument("--dim", type=_at_least_one, default=None, help="vector width (default: dsp)")
    p.add_argument("--damaged-pages", type=_at_least_one, default=3)
    p.set_defaults(func=bench_commands.cmd_bench_library, needs_store=False)
    p = bench_sub.add_parser(
        "scan", parents=[common], help="scanning a folder: first scan, rescan, hash upgrade"
    )
    p.add_argument("folder", nargs="?", help="a folder of loops (default: made-up loops)")
    p.add_argument("--files", type=_at_least_one, default=2000, help="made-up loops to write")
    p.set_defaults(func=bench_commands.cmd_bench_scan, needs_store=False)
    p = bench_sub.add_parser(
        "map", parents=[common], help="the sound map: drawing it, reading it, memory"
    )
    p.add_argument("--rows", type=_at_least_one, default=100_000)
    p.set_defaults(func=bench_commands.cmd_bench_map, needs_store=False)
    p = bench_sub.add_parser(
        "same-audio",
        parents=[common],
        help="looking for one recording in two files: first check, later checks, memory",
    )
    p.add_argument("--rows", type=_at_least_one, default=100_000)
    p.add_argument(
        "--corpus",
        help="a labelled corpus (as evaluate takes): how many re-encoded copies of its loops"
        " the check finds, and the detector's AUC with them",
    )
    p.set_defaults(func=bench_commands.cmd_bench_same_audio, needs_store=False)
    p = bench_sub.add_parser(
        "robustness",
        parents=[common],
        help="how far a loop's DSP vector moves when it is saved another way (bit depth,"
        " level, rate, silence ahead, MP3)",
    )
    p.add_argument("--corpus", required=True, help="a folder of audio files (searched through)")
    p.set_defaults(func=bench_commands.cmd_bench_robustness, needs_store=False)
    p = bench_sub.add_parser(
        "stretch",
        parents=[common],
        help="stretching loops to a project's tempo (Sync … BPM): time and drum hits",
    )
    p.add_argument("--corpus", help="a folder of audio files (searched through); else made-up")
    p.add_argument("--files", type=_at_least_one, default=40, help="files of the corpus timed")
    p.set_defaults(func=bench_commands.cmd_bench_stretch, needs_store=False)
    p = bench_sub.add_parser(
        "tempo",
        parents=[common],
        help="tempos heard in loops' sound: how often they agree with the tempos the loops"
        " declare, how many are heard, time per file",
    )
    p.add_argument("folder", help="a folder of audio files (searched through)")
    p.set_defaults(func=bench_commands.cmd_bench_tempo, needs_store=False)
    p = bench_sub.add_parser("gui", parents=[common], help="table/map speed and UI stalls")
    p.add_argument("--rows", type=_at_least_one, default=100_000)
    p.add_argument("--embed-files", type=int, default=120)
    p.add_argument(
        "--map-loops",
        type=_at_least_one,
        default=5_000,
        help="loops of the library whose sound map is drawn while the window's stalls are timed",
    )
    p.set_defaults(func=bench_commands.cmd_bench_gui, needs_store=False)
    return parser


def _say_how_to_repair(library: str) -> None:
    """The command that repairs this library, to paste (naming it unless it is the default)."""
    named = "" if Path(library) == resolve_library_path() else f" --library {shlex.quote(library)}"
    print(f"anomalizer: to repair it: anomalizer{named} repair", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
            if args.func is library_commands.cmd_info:
                return library_commands.info_without_library(args, path)
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
