"""A decoding function for worker-process tests: it kills its process on files named *crash*,
as a decoder crashing on a malformed file would (importable by spawned workers: tests/ is on
their sys.path)."""

from __future__ import annotations

import os

from anomalizer_desktop.core.embedding.clap import decoding


def decode_or_die(path: str):
    if "crash" in os.path.basename(path):
        os._exit(3)
    return decoding.decode_clip_int16(path)
