"""A decoding function for worker-process tests: it kills its process on files named *crash*,
as a decoder crashing on a malformed file would, and takes its time over files named *slow*
(importable by spawned workers: tests/ is on their sys.path)."""

from __future__ import annotations

import os
import time

from anomalizer_desktop.core.embedding.clap import decoding


def decode_or_die(path: str):
    if "crash" in os.path.basename(path):
        time.sleep(0.3)  # the files beside it are under way when it dies
        os._exit(3)
    if "slow" in os.path.basename(path):
        time.sleep(1.0)
    return decoding.decode_clip_int16(path)
