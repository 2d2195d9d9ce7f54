"""`anomalizer bench stretch`: how long stretching a loop to a project's tempo takes (the wait
before a synced loop first plays; its neighbours are stretched ahead), and how its drum hits
come out: where they land and how much of them leaks in ahead (pre-echo)."""

from __future__ import annotations

import time

import numpy as np

from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio
from anomalizer_desktop.core.audio.formats import audio_files_below
from anomalizer_desktop.core.audio.time_stretch import stretch

RATE = 44_100
SPEEDS = (0.8, 120 / 128, 1.1, 1.25)


def _drum_loop(seconds: float, bpm: float = 120.0, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """A stereo loop of noise hits on every eighth (decaying in 7 ms), and where they start."""
    rng = np.random.default_rng(seed)
    y = np.zeros((int(seconds * RATE), 2), dtype=np.float32)
    step = int(60 / bpm / 2 * RATE)
    starts = list(range(0, len(y) - RATE // 10, step))
    decay = np.exp(-np.arange(RATE // 10) / (0.007 * RATE))
    for start in starts:
        hit = rng.standard_normal(len(decay)) * decay * 0.5
        y[start : start + len(hit), 0] += hit
        y[start : start + len(hit), 1] += 0.6 * hit
    return y, starts


def _hits(out: np.ndarray, starts: list[int], speed: float) -> tuple[float, float]:
    """The largest distance (ms) from where each hit should start to where it does, and the
    energy in the 15 ms before the hits against the hits' first 15 ms (dB)."""
    envelope = np.abs(out[:, 0])
    window, ahead = int(0.02 * RATE), int(0.015 * RATE)
    errors, before, after = [], 0.0, 0.0
    for start in starts[1:]:
        expected = round(start / speed)
        around = envelope[expected - window : expected + window]
        found = expected - window + int(np.argmax(around > 0.3 * around.max()))
        errors.append(abs(found - expected) / RATE * 1000)
        before += float((out[found - ahead : found - RATE // 1000, 0] ** 2).sum())
        after += float((out[found : found + ahead, 0] ** 2).sum())
    return max(errors), 10 * np.log10(before / after)


def _corpus_loops(folder: str, files: int) -> list[np.ndarray]:
    loops = []
    for path in audio_files_below(folder):
        if len(loops) == files:
            break
        try:
            samples = load_audio(path, RATE, max_seconds=120.0, stereo=True).samples
        except (AudioDecodeError, OSError):
            continue
        loops.append(samples if samples.ndim == 2 else samples[:, None])
    return loops


def bench_stretch(corpus: str | None = None, files: int = 40) -> dict:
    """Time each loop stretched at each of SPEEDS (44.1 kHz, stereo where the file is); with
    no corpus, made-up drum loops of 2, 8 and 30 s."""
    if corpus:
        loops = _corpus_loops(corpus, files)
    else:
        loops = [_drum_loop(seconds)[0] for seconds in (2.0, 8.0, 30.0)]
    per_second, longest = [], 0.0
    for loop in loops:
        for speed in SPEEDS:
            start = time.perf_counter()
            stretch(loop, speed, RATE)
            took = time.perf_counter() - start
            per_second.append(took / (len(loop) / RATE))
            longest = max(longest, took)
    report = {
        "loops": len(loops),
        "audio_s": round(sum(len(loop) for loop in loops) / RATE, 1),
        "ms_per_audio_second_median": round(1000 * float(np.median(per_second)), 1),
        "ms_per_audio_second_max": round(1000 * float(np.max(per_second)), 1),
        "longest_stretch_ms": round(1000 * longest, 1),
    }
    beat, starts = _drum_loop(8.0)
    for speed in SPEEDS:
        error, pre_echo = _hits(stretch(beat, speed, RATE), starts, speed)
        report[f"hits_at_{speed:g}x_late_ms_max"] = round(error, 2)
        report[f"hits_at_{speed:g}x_pre_echo_db"] = round(pre_echo, 1)
    return report
