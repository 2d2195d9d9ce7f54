"""`anomalizer`'s arguments: every command, its options and what its help says.

The value types live in `argument_types`, the benchmarks' commands in `bench_parser`; each
command names the function that runs it (`func`) and whether it needs a library
(`needs_store`) or may make one (`creates_library`).
"""

from __future__ import annotations

import argparse

from anomalizer_desktop import __version__
from anomalizer_desktop.cli import argument_types as arg
from anomalizer_desktop.cli import (
    demo_commands,
    export_commands,
    folder_commands,
    info_commands,
    library_commands,
    loop_commands,
    map_commands,
    model_commands,
    same_audio_commands,
    scan_commands,
)
from anomalizer_desktop.cli.bench_parser import add_bench_commands
from anomalizer_desktop.cli.clap_args import add_clap_options
from anomalizer_desktop.core.detector.names import DETECTORS, DEVICES, NETWORKS
from anomalizer_desktop.core.detector.spec import SVDD_ENSEMBLE
from anomalizer_desktop.core.embedding.base import available_embedders
from anomalizer_desktop.core.export import FORMATS
from anomalizer_desktop.core.library.folder_tree import SORTS, folder_paths
from anomalizer_desktop.core.library.store import FLAGS, SORT_COLUMNS, STATUSES
from anomalizer_desktop.core.library.views import UNFLAGGED
from anomalizer_desktop.core.loop_names import CROSSINGS

#: what `scan` and `start` do without folders: the window's Rescan, for a shell or a timer
FOLDERS_HELP = "folders to add or scan again (none: every folder of the library, as Rescan does)"


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
        type=arg.tempo_or_range,
        metavar="TEMPO",
        help="only loops of this tempo (120 or 118-122)",
    )
    p.add_argument(
        "--key",
        type=arg.key_term,
        help="only loops in this key (Am, F#m, Eb...; Am+ also the keys that mix with Am)",
    )
    p.add_argument(
        "--bars",
        type=arg.bars_or_range,
        metavar="BARS",
        help="only loops that last that many whole bars at their tempo (4 or 2-4)",
    )
    p.add_argument(
        "--added",
        type=arg.added_since_when,
        metavar="WHEN",
        help="only loops a scan found since then (today, 12h, 3d or 2w)",
    )
    p.add_argument("--tag", type=arg.one_tag, help="only loops you tagged so (case aside)")
    p.add_argument(
        "--unusual-percent",
        type=arg.unusual_or_range,
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

    _add_library_jobs(sub, common)
    _add_library_contents(sub, common)
    _add_detector_commands(sub, common)
    _add_vector_commands(sub, common)
    add_bench_commands(sub, common)
    return parser


def _add_library_jobs(sub, common: argparse.ArgumentParser) -> None:
    """scan, embed, start and demo: what fills a library."""
    p = sub.add_parser("scan", parents=[common], help="scan folders into the library")
    p.add_argument("paths", nargs="*", metavar="PATH", help=FOLDERS_HELP)
    p.set_defaults(func=scan_commands.cmd_scan, creates_library=True)

    p = sub.add_parser("embed", parents=[common], help="compute embeddings for new loops")
    p.add_argument("--embedder", default="dsp", choices=available_embedders())
    p.add_argument(
        "--workers", type=arg.at_least_one, default=None, help="processes (default: all cores)"
    )
    p.add_argument("--retry-errors", action="store_true", help="retry files that failed before")
    add_clap_options(p)
    p.set_defaults(func=scan_commands.cmd_embed)

    p = sub.add_parser(
        "start", parents=[common], help="scan, embed and score folders (quick start)"
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=FOLDERS_HELP)
    p.add_argument(
        "--no-train", action="store_true", help="scan and embed only; leave the scores as they are"
    )
    p.set_defaults(func=scan_commands.cmd_start, creates_library=True)

    p = sub.add_parser(
        "demo", parents=[common], help="write demo loops to try the app on (no download)"
    )
    p.add_argument(
        "folder", nargs="?", metavar="FOLDER", help="where (default: the user data folder)"
    )
    p.set_defaults(func=demo_commands.cmd_demo, needs_store=False)


def _add_library_contents(sub, common: argparse.ArgumentParser) -> None:
    """list, folders, flag, tags, trash, export, forget, info and repair: what a library holds and
    what a producer does with it."""
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
        type=arg.at_least_one,
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
        type=arg.at_least_zero,
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
        type=arg.own_tempo,
        metavar="TEMPO",
        help="their tempo, over what their names or sound say (174; 'none' gives that back)",
    )
    p.add_argument(
        "--key",
        type=arg.own_key,
        metavar="KEY",
        help="their key, over what their names say (Am, F#m, Eb; 'none' gives that back)",
    )
    p.set_defaults(func=library_commands.cmd_flag)

    p = sub.add_parser("tags", parents=[common], help="the tags on your loops, with counts")
    change = p.add_mutually_exclusive_group()
    change.add_argument(
        "--rename",
        nargs=2,
        metavar=("OLD", "NEW"),
        type=arg.one_tag,
        help="rename a tag on every loop",
    )
    change.add_argument(
        "--delete", metavar="TAG", type=arg.one_tag, help="take a tag off every loop"
    )
    p.set_defaults(func=library_commands.cmd_tags)

    # the loops whose files trash and move take: named, or every one flagged or tagged so
    loop_files = argparse.ArgumentParser(add_help=False)
    loop_files.add_argument("paths", nargs="*", metavar="PATH")
    loop_files.add_argument("--flag", choices=FLAGS, help="every loop flagged so")
    loop_files.add_argument("--tag", type=arg.one_tag, help="every loop tagged so")
    loop_files.add_argument("--dry-run", action="store_true", help="list them; move nothing")

    p = sub.add_parser(
        "trash",
        parents=[common, loop_files],
        help="move loops to the desktop's trash and forget them",
    )
    p.set_defaults(func=library_commands.cmd_trash)

    p = sub.add_parser(
        "move",
        parents=[common, loop_files],
        help="move loops' files into a folder; the library follows them (outside its"
        " folders, they leave it)",
    )
    p.add_argument("--to", required=True, metavar="FOLDER", help="made when missing")
    p.set_defaults(func=library_commands.cmd_move)

    p = sub.add_parser(
        "rename",
        parents=[common],
        help="rename a loop's file in its folder; its flag, note and tags stay with it",
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument("name", metavar="NAME", help="the new name (its extension is kept)")
    p.set_defaults(func=library_commands.cmd_rename)

    p = sub.add_parser("export", parents=[common], help="export a set of loops for a DAW")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--flag", choices=(*FLAGS, UNFLAGGED), help="only loops flagged so, or none")
    p.add_argument("--top", type=arg.at_least_one, help="the N most unusual (needs scores)")
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
        type=arg.project_tempo,
        metavar="BPM",
        help="with --format copies: loops that declare a tempo are written stretched to this"
        " one (pitch kept; half or double time where nearer), as the window's Sync plays them",
    )
    p.add_argument(
        "--at-key",
        type=arg.project_key,
        metavar="KEY",
        help="with --format copies: loops that declare a key are written moved into this one"
        " (or its relative major or minor)",
    )
    p.set_defaults(func=export_commands.cmd_export)

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
    p.set_defaults(func=info_commands.cmd_info)

    p = sub.add_parser(
        "repair",
        parents=[common],
        help="check the library file; when it is damaged, rebuild it from what can be read",
    )
    p.add_argument(
        "--check", action="store_true", help="only check: change nothing, exit 1 when damaged"
    )
    p.set_defaults(func=info_commands.cmd_repair, needs_store=False)


def _add_detector_commands(sub, common: argparse.ArgumentParser) -> None:
    """train, score, explain, map, same-audio, similar and try: what the vectors say."""
    p = sub.add_parser("train", parents=[common], help="train the detector and score every loop")
    p.add_argument("--detector", default="default", choices=DETECTORS)
    p.add_argument("--network", default="AE", choices=NETWORKS)
    _add_stored_embedder(p)
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--epochs", type=arg.at_least_one, default=None)
    p.add_argument("--seed", type=arg.random_seed, default=0)
    p.add_argument(
        "--eta", type=arg.positive_number, default=1.0, help="weight of flagged loops (Deep SAD)"
    )
    p.add_argument(
        "--ensemble",
        type=arg.at_least_one,
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
    p.add_argument("--neighbours", type=arg.at_least_one, default=5)
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
    p.add_argument("-n", "--count", type=arg.at_least_one, default=10, help="how many (10)")
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


def _add_vector_commands(sub, common: argparse.ArgumentParser) -> None:
    """models, features and evaluate: CLAP checkpoints, vectors in and out, and the detectors
    measured on a labelled corpus."""
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
    p.add_argument("--epochs", type=arg.at_least_one, default=None)
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the results as JSON")
    p.add_argument(
        "--ci",
        action="store_true",
        help="also 95 %% intervals of the AUCs and of the default's lead (the files resampled"
        " 2,000 times; the detectors are not fitted again)",
    )
    p.add_argument(
        "--save-features",
        metavar="DIR",
        help="also write each scenario's vectors as DIR/<scenario>.npz (for --features)",
    )
    p.add_argument("--checkpoint", help="CLAP checkpoint file (default: the installed one)")
    p.add_argument("--output", choices=["projected", "features"], default="projected")
    p.set_defaults(func=model_commands.cmd_evaluate, needs_store=False)
