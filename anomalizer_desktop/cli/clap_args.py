"""The CLAP embedder's options: added to the commands that embed, and read back for the embedder."""

from __future__ import annotations

import argparse

from anomalizer_desktop.core.detector.names import DEVICES


def add_clap_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="CLAP checkpoint file (default: the installed one)")
    parser.add_argument(
        "--output",
        choices=["projected", "features"],
        default="projected",
        help="CLAP: 512-d projected embedding or the pre-projection features",
    )
    parser.add_argument("--device", default="auto", choices=DEVICES, help="CLAP inference device")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="CLAP: clips per forward pass (64 GPU, 4 CPU)"
    )
    parser.add_argument(
        "--decode-threads",
        type=int,
        default=None,
        help="CLAP: decode in this many threads (2 beside CPU inference; on a GPU, threads "
        "instead of the default processes)",
    )
    parser.add_argument(
        "--decode-processes",
        type=int,
        default=None,
        help="CLAP: decode in this many worker processes (default on a GPU: one per core but "
        "one; 0: threads)",
    )


def clap_options(args: argparse.Namespace) -> dict:
    """checkpoint/output/device/batch size/decode threads for the CLAP embedder (ignored by
    dsp). `bench embed` takes a list of embedders."""
    embedder = getattr(args, "embedder", None)
    if embedder != "clap" and "clap" not in (embedder or []):
        return {}
    return {
        "checkpoint": args.checkpoint,
        "output": args.output,
        "device": args.device,
        "batch_size": args.batch_size,
        "decode_threads": args.decode_threads,
        "decode_processes": args.decode_processes,
    }
