"""A run's standardiser, kept in the run's row of the library as well as in its model file.

"Why unusual?", "loops like this", the folders' explanations and the newcomers all measure in
the latest run's standardised space: 3 × dim numbers (each descriptor's centre, spread and
weight). Reading them from the run's checkpoint meant loading the whole model, which is a torch
file: importing torch was 1.2-1.5 s of the first "Why unusual?" after launch, and the window then
held the model (131 MB at 100,000 loops, the kNN detectors' training rows) for as long as it ran.
So each run also records its standardiser in its config (`KEY`), as little-endian float32 in
base64 (exact, and 5 kB at 308-d where a JSON list of the numbers took 18 kB), and the model
file is loaded only where the model itself is needed (the pull of the loops flagged unusual).

Runs trained before 2026-12-02 have no such entry; their model file is read as before.
"""

from __future__ import annotations

import base64
import binascii
import json

import numpy as np

from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.library.store import Store

#: the run config's entry for the standardiser
KEY = "standardizer"


def standardizer_entry(standardizer: Standardizer) -> dict:
    """The config entry that records `standardizer` (see `standardizer_from_entry`)."""
    packed = np.stack([standardizer.center, standardizer.scale, standardizer.weights])
    return {
        "dim": int(packed.shape[1]),
        "f32le": base64.b64encode(packed.astype("<f4").tobytes()).decode("ascii"),
    }


def standardizer_from_entry(entry: object) -> Standardizer | None:
    """The standardiser a config entry records, or None when it records none that can be used
    (missing, cut short, or numbers no standardiser has: a spread that is not positive)."""
    try:
        dim = int(entry["dim"])  # type: ignore[index]
        raw = base64.b64decode(entry["f32le"], validate=True)  # type: ignore[index]
        packed = np.frombuffer(raw, dtype="<f4").reshape(3, dim)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    if dim < 1 or not np.isfinite(packed).all() or (packed[1] <= 0).any():
        return None
    center, scale, weights = (row.astype(np.float32) for row in packed)
    return Standardizer(center, scale, weights)


def latest_run_standardizer(store: Store, embedder: str, version: str, dim: int):
    """The latest run's standardiser when that run was trained on `embedder` vectors of
    `version` and `dim`; None when it was not, when there is no run, or when the run records
    none (trained before runs did: its model file has it)."""
    row = store.execute("SELECT embedder, config FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    if row is None or row[0] != embedder:
        return None
    try:
        config = json.loads(row[1] or "{}")
    except ValueError:
        return None
    if not isinstance(config, dict) or str(config.get("embedder_version")) != str(version):
        return None
    standardizer = standardizer_from_entry(config.get(KEY))
    if standardizer is None or len(standardizer.center) != dim:
        return None
    return standardizer
