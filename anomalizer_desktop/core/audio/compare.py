"""How alike two files' audio is, sample by sample: are they the same recording?

Sample packs ship one recording more than once in files whose bytes differ: as a WAV and an
AIFF, at 16 and 24 bits, at 44.1 and 48 kHz, with and without loop tags, normalised louder, or
under two names (the shared test corpus's guitar pack holds its "B major" strums again as
"B flat major"). A hash of the bytes calls those different files; the decoded audio does not.

Both files are decoded to mono at one rate, the second is scaled by the gain that matches it
best to the first (least squares), and what is left is the difference: its level below the
first file's is the result, in dB. A file at another bit depth or sample rate, or only louder,
leaves the difference 40-140 dB down; two takes of one part, or two loops of one pack, 0-10 dB.
Files whose audio starts at another point (a lossy encoder's delay) are not lined up: they
read as different.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.audio.decode import load_audio

#: both files are compared at this rate: twice the top of what a difference worth hearing
#: needs, and the same for files made at 44.1, 48 or 96 kHz
COMPARE_RATE = 22_050
#: at most this much of each file is compared (a recording the same for its first 30 s is the
#: same recording), so a long file costs what a loop costs
COMPARE_SECONDS = 30.0
#: the difference at least this far below the loop: the same audio. A 16-bit copy of a 24-bit
#: file is about 90 dB down, a normalised one 100+ dB; the pack's re-rendered twins 32-36 dB
SAME_BELOW_DB = 30.0
#: lengths that differ by more than this (after resampling) are two different recordings
LENGTH_TOLERANCE_SECONDS = 0.01
#: the level reported for two files whose difference is silence (identical audio)
IDENTICAL_DB = 200.0


@dataclass(frozen=True)
class AudioLikeness:
    """`below_db`: how far the gain-matched difference lies below the first file's level
    (higher = more alike; IDENTICAL_DB when nothing is left); `gain`: the second file's level
    relative to the first's, in dB."""

    below_db: float
    gain_db: float

    @property
    def same(self) -> bool:
        return self.below_db >= SAME_BELOW_DB


def compare_signals(a: np.ndarray, b: np.ndarray, rate: int = COMPARE_RATE) -> AudioLikeness:
    """Compare two mono signals at the same rate (see the module's docstring)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if abs(len(a) - len(b)) > LENGTH_TOLERANCE_SECONDS * rate:
        return AudioLikeness(0.0, 0.0)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    energy_a, energy_b = float(a @ a), float(b @ b)
    if energy_a == 0.0 or energy_b == 0.0:  # silence is like only silence
        same = energy_a == energy_b
        return AudioLikeness(IDENTICAL_DB if same else 0.0, 0.0)
    gain = float(a @ b) / energy_b
    residual = a - gain * b
    left = float(residual @ residual)
    below = (
        IDENTICAL_DB
        if left <= energy_a * 10 ** (-IDENTICAL_DB / 10)
        else (10.0 * np.log10(energy_a / left))
    )
    gain_db = 20.0 * np.log10(abs(gain)) if gain else -IDENTICAL_DB
    return AudioLikeness(round(max(0.0, below), 2), round(-gain_db, 2))


def decoded_for_comparison(path: str | os.PathLike[str]) -> np.ndarray:
    """A file's audio as `compare_signals` takes it: mono, COMPARE_RATE, at most
    COMPARE_SECONDS. Raises AudioDecodeError for a file that cannot be read."""
    return load_audio(path, sample_rate=COMPARE_RATE, max_seconds=COMPARE_SECONDS).samples


def compare_files(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> AudioLikeness:
    """How alike two files' audio is. Raises AudioDecodeError for a file that cannot be read."""
    return compare_signals(decoded_for_comparison(a), decoded_for_comparison(b))
