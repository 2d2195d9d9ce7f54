"""The analysis frames every DSP descriptor shares: sample rate, STFT size and hop, the
window, and the levels that decide which frames are silent or sounding.

Kept apart so that the descriptor modules (`dsp_features`, `dsp_tonality`) agree on them
without importing each other.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 22_050
N_FFT = 2048
HOP = 512
SILENCE_DB = -60.0
#: how far below the loop's loudest moment its descriptors look: anything quieter is the floor.
#: Without it the noise of a 16-bit file (about 100 dB below full scale) and the exact zeros or
#: float tails of a 32-bit one read as different sounds: the same loop saved both ways moved
#: half as far as its nearest other loop for one loop in ten. 60 dB, the span SILENCE_DB already
#: takes for silence, was chosen with `anomalizer evaluate` on the held-out scenarios (README).
RANGE_DB = 60.0
SOUNDING_DB = 20.0  # frames within this of the loudest one: the body of the sound, not its tail
# (timbre and tonality are described over those frames; dynamics and rhythm over all of them)
EPS = 1e-10


@functools.cache
def analysis_window() -> np.ndarray:
    """The periodic Hann window of every STFT frame (float32, N_FFT points)."""
    return np.hanning(N_FFT + 1)[:-1].astype(np.float32)
