"""The `anomalizer bench ...` commands' arguments: benchmarks that print figures (speed and
memory targets live here, not in timed tests)."""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli import argument_types as arg
from anomalizer_desktop.cli import bench_commands
from anomalizer_desktop.cli.clap_args import add_clap_options
from anomalizer_desktop.core.detector.names import NETWORKS
from anomalizer_desktop.core.embedding.base import available_embedders


def add_bench_commands(sub, common: argparse.ArgumentParser) -> None:
    """`bench embed|train|library|scan|map|same-audio|robustness|stretch|tempo|gui` under
    `sub`, each taking the `common` options."""
    bench = sub.add_parser("bench", help="benchmarks that print figures")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True, metavar="WHAT")
    p = bench_sub.add_parser("embed", parents=[common], help="decode and embedding throughput")
    p.add_argument("folder")
    p.add_argument("--embedder", action="append", choices=available_embedders())
    p.add_argument("--workers", type=arg.at_least_one, default=None)
    add_clap_options(p)
    p.add_argument(
        "--repeats", type=arg.at_least_one, default=3, help="passes per measurement (median)"
    )
    p.set_defaults(func=bench_commands.cmd_bench_embed, needs_store=False)
    p = bench_sub.add_parser(
        "train", parents=[common], help="Deep SVDD time per epoch; default detector fit time"
    )
    p.add_argument("--n", type=arg.at_least_one, default=10_000)
    p.add_argument("--dim", type=arg.at_least_one, default=1024)
    p.add_argument("--epochs", type=arg.at_least_one, default=5)
    p.add_argument("--network", default="AE", choices=NETWORKS)
    p.add_argument(
        "--default-n",
        type=arg.at_least_one,
        default=None,
        help="loops for the default detector's part (default: --n)",
    )
    p.set_defaults(func=bench_commands.cmd_bench_train, needs_store=False)
    p = bench_sub.add_parser(
        "library",
        parents=[common],
        help="flags' backup, quick check and repair of a damaged library: time and memory",
    )
    p.add_argument("--rows", type=arg.at_least_one, default=100_000)
    p.add_argument("--dim", type=arg.at_least_one, default=None, help="vector width (default: dsp)")
    p.add_argument("--damaged-pages", type=arg.at_least_one, default=3)
    p.set_defaults(func=bench_commands.cmd_bench_library, needs_store=False)
    p = bench_sub.add_parser(
        "scan", parents=[common], help="scanning a folder: first scan, rescan, hash upgrade"
    )
    p.add_argument("folder", nargs="?", help="a folder of loops (default: made-up loops)")
    p.add_argument("--files", type=arg.at_least_one, default=2000, help="made-up loops to write")
    p.add_argument(
        "--loop-seconds",
        type=arg.positive_number,
        default=8.0,
        help="length of each made-up loop (default 8: 1.4 MB; 0.05 for 100,000 small ones)",
    )
    p.set_defaults(func=bench_commands.cmd_bench_scan, needs_store=False)
    p = bench_sub.add_parser(
        "map", parents=[common], help="the sound map: drawing it, reading it, memory"
    )
    p.add_argument("--rows", type=arg.at_least_one, default=100_000)
    p.add_argument(
        "--busy",
        type=arg.whole_number(0),
        default=0,
        metavar="N",
        help="keep N cores busy while the map is drawn (another program playing beside it)",
    )
    p.set_defaults(func=bench_commands.cmd_bench_map, needs_store=False)
    p = bench_sub.add_parser(
        "same-audio",
        parents=[common],
        help="looking for one recording in two files: first check, later checks, memory",
    )
    p.add_argument("--rows", type=arg.at_least_one, default=100_000)
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
    p.add_argument("--files", type=arg.at_least_one, default=40, help="files of the corpus timed")
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
    p.add_argument("--rows", type=arg.at_least_one, default=100_000)
    p.add_argument("--embed-files", type=int, default=120)
    p.add_argument(
        "--map-loops",
        type=arg.at_least_one,
        default=5_000,
        help="loops of the library whose sound map is drawn while the window's stalls are timed",
    )
    p.set_defaults(func=bench_commands.cmd_bench_gui, needs_store=False)
