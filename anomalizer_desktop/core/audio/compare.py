"""How alike two files' audio is, by their samples (and a lossy file's by its spectrum): are they
the same recording?

Sample packs ship one recording more than once in files whose bytes differ: as a WAV and an
AIFF, at 16 and 24 bits, at 44.1 and 48 kHz, with and without loop tags, normalised louder, or
under two names (the shared test corpus's guitar pack holds its "B major" strums again as
"B flat major"). A hash of the bytes calls those different files; the decoded audio does not.

Both files are decoded to mono at one rate, the second is scaled by the gain that matches it
best to the first (least squares), and what is left is the difference: its level below the
first file's is the result, in dB. A file at another bit depth or sample rate, or only louder,
leaves the difference 40-140 dB down; two takes of one part, or two loops of one pack, 0-10 dB.
A lossy file (mp3, ogg, opus) of a recording is no such copy sample by sample: on 10 of the
shared corpus's loops an Ogg or MP3 of each left the difference only 13-33 dB down, as close
as two takes of one chord (14 dB). Its spectrum is what it keeps: the loop's log-mel
spectrogram and the lossy file's differ by 0.37-0.58 dB on average (over the bins within 50 dB
of the loudest, once their levels are matched), two takes of a chord by 1.4-1.7 dB, two hits
of one tom by 0.81 and two distortions of one guitar part by 2.9. So a pair with a lossy file
is also the same audio when its spectra lie within LOSSY_SAME_SPECTRUM_DB. Files
whose audio starts at another point (an encoder's delay that the decoder does not take off)
are not lined up: they read as different.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.audio.decode import load_audio
from anomalizer_desktop.core.audio.formats import is_lossless_path
from anomalizer_desktop.core.embedding.filterbanks import mel_filterbank

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
#: a pair with a lossy file is the same audio when their spectra differ by at most this much
#: on average, dB (see the module's docstring)
LOSSY_SAME_SPECTRUM_DB = 0.7
#: the spectrogram's frame, hop and bands, and how far below the loudest bin a bin counts
_FRAME, _HOP, _BANDS, _RANGE_DB = 1024, 256, 64, 50.0


@dataclass(frozen=True)
class AudioLikeness:
    """`below_db`: how far the gain-matched difference lies below the first file's level
    (higher = more alike; IDENTICAL_DB when nothing is left); `gain`: the second file's level
    relative to the first's, in dB; `spectrum_db`: how far their spectra differ on average,
    measured for a pair with a lossy file only (None otherwise)."""

    below_db: float
    gain_db: float
    spectrum_db: float | None = None

    @property
    def same(self) -> bool:
        if self.below_db >= SAME_BELOW_DB:
            return True
        return self.spectrum_db is not None and self.spectrum_db <= LOSSY_SAME_SPECTRUM_DB


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


def _log_mel(y: np.ndarray) -> np.ndarray:
    """(bands, frames) log-mel power spectrogram of a mono signal at COMPARE_RATE, dB."""
    y = np.asarray(y, dtype=np.float32)
    if len(y) < _FRAME:
        y = np.pad(y, (0, _FRAME - len(y)))
    frames = np.lib.stride_tricks.sliding_window_view(y, _FRAME)[::_HOP]
    power = np.abs(np.fft.rfft(frames * np.hanning(_FRAME).astype(np.float32), axis=1)) ** 2
    mel = mel_filterbank(COMPARE_RATE, _FRAME, _BANDS) @ power.T
    return 10.0 * np.log10(np.maximum(mel, 1e-10))


def spectrum_difference(a: np.ndarray, b: np.ndarray) -> float:
    """How far two mono signals' log-mel spectrograms differ on average, dB, over the bins
    within _RANGE_DB of the loudest of either, once their levels are matched (the median
    difference taken off)."""
    spectra = _log_mel(a), _log_mel(b)
    frames = min(s.shape[1] for s in spectra)
    first, second = (s[:, :frames] for s in spectra)
    top = max(first.max(), second.max())
    heard = (first > top - _RANGE_DB) | (second > top - _RANGE_DB)
    if not heard.any():
        return 0.0
    difference = (first - second)[heard]
    return float(np.mean(np.abs(difference - np.median(difference))))


def compare_decoded(a: np.ndarray, b: np.ndarray, lossy: bool) -> AudioLikeness:
    """`compare_signals`, and for a pair with a lossy file whose samples differ too much for
    that (`lossy`), the spectra as well."""
    likeness = compare_signals(a, b)
    if likeness.same or not lossy or abs(len(a) - len(b)) > LENGTH_TOLERANCE_SECONDS * COMPARE_RATE:
        return likeness
    spectrum = round(spectrum_difference(a, b), 3)
    return AudioLikeness(likeness.below_db, likeness.gain_db, spectrum)


def is_lossy_pair(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether either file is of a lossy kind (mp3, ogg, opus)."""
    return not (is_lossless_path(a) and is_lossless_path(b))


def decoded_for_comparison(path: str | os.PathLike[str]) -> np.ndarray:
    """A file's audio as `compare_signals` takes it: mono, COMPARE_RATE, at most
    COMPARE_SECONDS. Raises AudioDecodeError for a file that cannot be read."""
    return load_audio(path, sample_rate=COMPARE_RATE, max_seconds=COMPARE_SECONDS).samples


def compare_files(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> AudioLikeness:
    """How alike two files' audio is. Raises AudioDecodeError for a file that cannot be read."""
    signals = decoded_for_comparison(a), decoded_for_comparison(b)
    return compare_decoded(*signals, lossy=is_lossy_pair(a, b))
