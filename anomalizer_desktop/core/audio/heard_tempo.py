"""The tempo a loop's sound shows, for loops whose name and loop tags declare none.

A loop cut to whole bars of four repeats within itself: its hits come round every half, every
quarter, every eighth of its length (each bar, each beat), and not every third, fifth or sixth
of it. So its length fixes its tempo up to an octave (2 bars at 120 BPM last exactly 4 s), and
its sound says whether the length is whole bars at all. This module checks the second with the
circular autocorrelation of the loop's onset envelope (circular: a loop plays round and round,
and its last beat leads into its first) at the lags length / 2, 4, 8... against the lags
length / 3, 5, 6, 7... A tempo is heard only when the power-of-two lags repeat clearly and
clearly more than the others; otherwise there is none. One-shots, pads, drones, risers and
loops cut off the beat are not given one; loops in three, or swung in triplets, are not either
(their thirds repeat too).

The tempo is the length's: exact for a loop cut to its bars, which is what playing it in time
with a project needs (Sync). Its octave is a convention, as with every tempo heard from a sound:
the one within PREFERRED_BPM (a 2.8 s loop is 86 BPM over one bar or 172 BPM over two). It is
shown as heard, never as declared (`core.loop_names`, the table's BPM column).

Plain numpy with the embedder's mel filterbank: it runs in the embedding's worker processes,
where librosa's import would cost more than the analysis.
"""

from __future__ import annotations

import math

import numpy as np

from anomalizer_desktop.core.embedding.filterbanks import mel_filterbank

#: the analysis: 11.6 ms frames of 46 ms windows at 22.05 kHz, 40 mel bands
SAMPLE_RATE = 22050
N_FFT = 1024
HOP = 256
N_MELS = 40
#: loops this long and shorter are listened to (the whole file is needed: it repeats as a whole)
MAX_SECONDS = 30.0
#: a bar of four at 240 BPM; shorter files are hits, not loops
MIN_SECONDS = 1.0
#: the octave a heard tempo is given in: the one from PREFERRED_BPM up to twice it, or the
#: tempo of one bar when that is already faster
PREFERRED_BPM = 80.0
#: no tempo is heard when one bar would be faster than this
MAX_BPM = 200.0
#: the power-of-two lags' best autocorrelation must be at least this ...
MIN_REPEAT = 0.3
#: ... and this much above the other divisions' best
MIN_MARGIN = 0.15
#: a tempo this close to a whole number (a share of it) is that number: 0.8 ms over 4 s
SNAP = 0.0002
#: a loop's strongest onset must rise at least this much (dB, the mean over the bands) over
#: the frame before it: a steady tone's frames wobble by 0.06-0.11 dB with the phase of its
#: waves against the frames, and that wobble repeated by the power-of-two lags gave a 2-s
#: sine "120 BPM". Loops' hits rise 9-41 dB (shared and demo loops), a synth bass's 2 dB
SOME_ONSET_DB = 1.0
#: bumped when what is heard changes, so that libraries listen again
VERSION = "2"
#: earlier versions whose "no tempo" this one hears too (version 2 only takes tempos away):
#: a library listens again only to its loops that were heard a tempo, not to every loop
NOTHING_STILL_HOLDS = ("1",)

_POWERS = (2, 4, 8, 16, 32, 64)
_OTHERS = (3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15)
#: the shortest lag counted: a beat at 250 BPM (power-of-two lags), a triplet at 160 (others)
_MIN_POWER_LAG_S = 0.24
_MIN_OTHER_LAG_S = 0.12


def hear_tempo(samples: np.ndarray, sample_rate: int) -> float | None:
    """The tempo (BPM, to 2 decimals) of a loop cut to whole bars of four, heard from its
    sound (module docstring), or None when it shows none. `samples`: the whole file, mono or
    (frames, channels), at SAMPLE_RATE (other rates are accepted; the frames scale)."""
    mono = np.asarray(samples, dtype=np.float64)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    seconds = len(mono) / sample_rate
    if not MIN_SECONDS <= seconds <= MAX_SECONDS or not np.any(mono):
        return None
    envelope = _onset_envelope(_circular_log_mel(mono, sample_rate))
    if envelope.max() < SOME_ONSET_DB:  # a drone, a held tone: nothing comes round
        return None
    repeats = _circular_autocorrelation(envelope)

    def repeat_at(parts: int) -> float:
        return _at_lag(repeats, len(repeats) / parts)

    powers = [repeat_at(b) for b in _POWERS if seconds / b >= _MIN_POWER_LAG_S]
    others = [repeat_at(b) for b in _OTHERS if seconds / b >= _MIN_OTHER_LAG_S]
    if not powers:
        return None
    best, rival = max(powers), max(others, default=0.0)
    if best < MIN_REPEAT or best - rival < MIN_MARGIN:
        return None
    one_bar = 240.0 / seconds
    if one_bar > MAX_BPM:
        return None
    doublings = max(0, math.ceil(math.log2(PREFERRED_BPM / one_bar)))
    return _as_written(one_bar * 2**doublings)


def _as_written(tempo: float) -> float:
    """The tempo to 2 decimals, or the whole number within SNAP of it: a loop made at 120 BPM
    whose file is a few samples short of its 2 bars reads 120, not 120.01."""
    whole = round(tempo)
    return float(whole) if abs(tempo - whole) <= SNAP * tempo else round(tempo, 2)


def _circular_log_mel(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """(frames, N_MELS) log mel power, each frame's window taken round the loop's end: one
    frame every HOP samples (scaled to the rate), as many as fit the loop."""
    hop = max(1, round(HOP * sample_rate / SAMPLE_RATE))
    n_fft = max(64, 1 << round(math.log2(N_FFT * sample_rate / SAMPLE_RATE)))
    count = max(1, round(len(mono) / hop))
    starts = np.arange(count) * len(mono) / count - n_fft / 2
    index = (np.round(starts).astype(np.int64)[:, None] + np.arange(n_fft)) % len(mono)
    frames = mono[index] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = power @ mel_filterbank(sample_rate, n_fft, N_MELS).T
    db = 10.0 * np.log10(np.maximum(mel, 1e-12))
    return np.maximum(db, db.max() - 80.0)


def _onset_envelope(log_mel: np.ndarray) -> np.ndarray:
    """How much louder each frame is than the one before it, over the bands (spectral flux of
    the log mel power, rises only), round the loop's end as well."""
    rise = log_mel - np.roll(log_mel, 1, axis=0)
    return np.maximum(rise, 0.0).mean(axis=1)


def _circular_autocorrelation(envelope: np.ndarray) -> np.ndarray:
    centred = envelope - envelope.mean()
    spectrum = np.fft.rfft(centred)
    repeats = np.fft.irfft(spectrum * np.conj(spectrum), len(centred))
    return repeats / repeats[0] if repeats[0] > 0 else np.zeros_like(repeats)


def _at_lag(repeats: np.ndarray, lag: float) -> float:
    """The autocorrelation at a fractional lag, the best of the two frames either side (a
    hit's onset lands in one frame or the next)."""
    below = math.floor(lag) % len(repeats)
    return float(max(repeats[below], repeats[(below + 1) % len(repeats)]))
