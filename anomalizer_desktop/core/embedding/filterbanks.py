"""Mel and chroma filterbanks in plain numpy.

Written out here (rather than taken from librosa.filters) because importing librosa costs each
embedding worker ~2.5 s and ~150 MB, several times what the filterbanks themselves need. The mel
bank follows librosa's Slaney construction exactly (tests compare them).
"""

from __future__ import annotations

import numpy as np

_F_SP = 200.0 / 3  # Slaney: linear below 1 kHz, 3 mel per 200 Hz
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    hz = np.asanyarray(hz, dtype=np.float64)
    mel = hz / _F_SP
    log_part = hz >= _MIN_LOG_HZ
    return np.where(
        log_part, _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP, mel
    )


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asanyarray(mel, dtype=np.float64)
    log_part = mel >= _MIN_LOG_MEL
    return np.where(log_part, _MIN_LOG_HZ * np.exp(_LOG_STEP * (mel - _MIN_LOG_MEL)), _F_SP * mel)


def mel_frequencies(sample_rate: int, n_mels: int) -> np.ndarray:
    """The n_mels + 2 frequencies (Hz) the triangles stand on: band i rises from entry i,
    peaks at entry i + 1 (its centre) and falls to entry i + 2."""
    return mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters, Slaney-normalised (constant energy per band)."""
    fft_freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    mel_freqs = mel_frequencies(sample_rate, n_mels)
    widths = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2 : n_mels + 2] - mel_freqs[:n_mels]))[:, None]
    return weights.astype(np.float32)


def chroma_filterbank(
    sample_rate: int, n_fft: int, fmin: float = 55.0, fmax: float = 5000.0
) -> np.ndarray:
    """(12, n_fft // 2 + 1): each bin between fmin and fmax votes for the pitch classes within a
    semitone of its frequency, with triangular weights (C = 0)."""
    fft_freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    usable = (fft_freqs >= fmin) & (fft_freqs <= fmax)
    midi = np.zeros_like(fft_freqs)
    midi[usable] = 69 + 12 * np.log2(fft_freqs[usable] / 440.0)
    distance = np.abs((midi[None, :] - np.arange(12)[:, None] + 6) % 12 - 6)
    weights = np.maximum(0.0, 1.0 - distance) * usable[None, :]
    return weights.astype(np.float32)
