"""A small set of demo loops, made here from nothing, to try the app on before pointing it at
a real library: a pack of drum loops and bass lines, with four loops that do not belong (a
pad, a riser, a vocal chop and a music box). Scanned, embedded and trained, those four come
out on top, and the producer has seen the whole path (the table and map, Why unusual?, flags,
tags, export) in a minute, without a download.

The loops are synthesised (drums from sine sweeps and filtered noise, bass and the others from
sums of partials) from fixed seeds, so every set sounds the same; writing them again leaves a
loop already there as it is (no new file dates for the library to notice). Names carry a
tempo and key as sample packs write them ("Demo Bass 03 - 120 BPM Am.wav"), for the BPM and
Key columns.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from anomalizer_desktop.core.errors import AnomalizerError, os_error_text
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.paths import demo_folder

SR = 44_100

#: the demo's loops that do not fit the rest (what the detector should find first)
ODD_NAMES = (
    "Demo Pad - 90 BPM Cmaj.wav",
    "Demo Riser - 128 BPM.wav",
    "Demo Vox Chop - 100 BPM.wav",
    "Demo Music Box - 110 BPM Em.wav",
)
BEATS = 28
BASSES = 12


@dataclass
class DemoLoops:
    """What `write_demo_loops` did: the folder, every loop's path, the odd ones' paths."""

    folder: Path
    paths: list[Path] = field(default_factory=list)
    odd: list[Path] = field(default_factory=list)
    cancelled: bool = False


def write_demo_loops(folder: Path | None = None, cancel: CancelToken | None = None) -> Job:
    """Write the demo loops into `folder` (made if need be; `demo_folder()` by default),
    yielding Progress per loop. Only the demo's own file names are written: anything else in
    the folder stays as it is, and so does a demo loop already there."""
    folder = Path(folder) if folder is not None else demo_folder()
    makers = _loop_makers()
    done = DemoLoops(folder)
    for number, (name, make) in enumerate(makers, 1):
        if cancel is not None and cancel.cancelled:
            done.cancelled = True
            break
        path = folder / name
        if not path.is_file():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                _write_wav(path, make())
            except OSError as error:
                raise AnomalizerError(
                    f"the demo loops cannot be written to {folder}: {os_error_text(error)}"
                ) from None
        done.paths.append(path)
        if name in ODD_NAMES:
            done.odd.append(path)
        yield Progress(number, len(makers), "writing demo loops")
    return done


#: every loop's peak, as sample packs normalise theirs (-1 dBFS)
PEAK = 10 ** (-1 / 20)


def _write_wav(path: Path, audio: np.ndarray) -> None:
    """16-bit stereo WAV at a peak of -1 dBFS, written beside and renamed into place (never
    half a file)."""
    audio = audio * (PEAK / max(float(np.abs(audio).max()), 1e-9))
    wav = io.BytesIO()  # made in memory: a folder that cannot be written to is an OSError,
    sf.write(wav, audio, SR, subtype="PCM_16", format="WAV")  # not libsndfile's "System error"
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_bytes(wav.getvalue())
        os.replace(part, path)
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)


def _loop_makers() -> list[tuple[str, object]]:
    """(file name, a function that makes its audio), in the order they are written."""
    makers: list[tuple[str, object]] = []
    styles = ("House", "Hip Hop", "Break", "Garage")
    tempos = {"House": (122, 124, 126, 128), "Hip Hop": (86, 90, 94, 96)}
    tempos |= {"Break": (100, 110, 120, 130), "Garage": (130, 132, 134, 136)}
    for i in range(BEATS):
        style = styles[i % len(styles)]
        bpm = tempos[style][(i // len(styles)) % 4]
        name = f"Demo {style} Beat {i // len(styles) + 1:02d} - {bpm} BPM.wav"
        makers.append((name, lambda i=i, style=style, bpm=bpm: _beat(style, bpm, seed=i)))
    keys = (("Am", 57), ("Dm", 50), ("Em", 52), ("Gm", 55))
    for i in range(BASSES):
        key, root = keys[i % len(keys)]
        bpm = (120, 124, 96, 128)[i % 4]
        name = f"Demo Bass {i + 1:02d} - {bpm} BPM {key}.wav"
        makers.append((name, lambda i=i, bpm=bpm, root=root: _bass(bpm, root - 24, seed=100 + i)))
    odd = (_pad, _riser, _vox_chop, _music_box)
    makers += list(zip(ODD_NAMES, odd, strict=True))
    return makers


# ---------------------------------------------------------------------------------- drums


def _bar_steps(bpm: float, bars: int = 2) -> tuple[int, int]:
    """(samples per 16th note, samples in the loop)."""
    step = round(SR * 60.0 / bpm / 4)
    return step, step * 16 * bars


def _kick(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.45 * SR)) / SR
    low = rng.uniform(42, 55)
    freq = low + rng.uniform(90, 150) * np.exp(-t / rng.uniform(0.025, 0.05))
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / rng.uniform(0.18, 0.32))
    click = rng.standard_normal(len(t)) * np.exp(-t / 0.002) * 0.3
    return 0.9 * body + click


def _snare(rng: np.random.Generator, clap: bool = False) -> np.ndarray:
    t = np.arange(int(0.3 * SR)) / SR
    noise = signal.sosfilt(_band(900, 9000), rng.standard_normal(len(t)))
    if clap:  # a few bursts a few ms apart
        envelope = sum(np.exp(-np.maximum(t - d, 0) / 0.012) * (t >= d) for d in (0, 0.01, 0.022))
        return 0.5 * noise * envelope
    tone = np.sin(2 * np.pi * rng.uniform(170, 220) * t) * np.exp(-t / 0.06)
    return 0.55 * noise * np.exp(-t / rng.uniform(0.08, 0.15)) + 0.35 * tone


def _hat(rng: np.random.Generator, open_: bool = False) -> np.ndarray:
    t = np.arange(int((0.25 if open_ else 0.06) * SR)) / SR
    noise = signal.sosfilt(_high(7000), rng.standard_normal(len(t)))
    return 0.3 * noise * np.exp(-t / (0.09 if open_ else 0.015))


#: 16 steps per bar: which steps each drum plays, per style
_PATTERNS = {
    "House": {"kick": (0, 4, 8, 12), "snare": (4, 12), "hat": (2, 6, 10, 14), "open": ()},
    "Hip Hop": {"kick": (0, 7, 10), "snare": (4, 12), "hat": tuple(range(0, 16, 2)), "open": ()},
    "Break": {"kick": (0, 10), "snare": (4, 12, 15), "hat": tuple(range(0, 16, 2)), "open": ()},
    "Garage": {"kick": (0, 9), "snare": (4, 12), "hat": (2, 6, 10, 14), "open": (7, 15)},
}


def _beat(style: str, bpm: float, seed: int) -> np.ndarray:
    """Two bars of a drum pattern in `style`, with a kit, velocities and a little swing of
    its own."""
    rng = np.random.default_rng(seed)
    step, length = _bar_steps(bpm)
    out = np.zeros((length + SR, 2))
    kit = {
        "kick": _kick(rng),
        "snare": _snare(rng, clap=style in ("House", "Garage")),
        "hat": _hat(rng),
        "open": _hat(rng, open_=True),
    }
    pans = {"kick": 0.0, "snare": 0.05, "hat": rng.uniform(-0.4, 0.4), "open": -0.25}
    swing = rng.uniform(0.0, 0.2 if style in ("Hip Hop", "Garage") else 0.05)
    pattern = {drum: list(steps) for drum, steps in _PATTERNS[style].items()}
    if rng.random() < 0.5:  # a ghost kick or an extra hat: no two loops alike
        pattern["kick"].append(int(rng.choice([3, 6, 11, 14])))
    for bar in range(2):
        for drum, steps in pattern.items():
            for s in steps:
                offset = int((s % 2) * swing * step)
                start = (bar * 16 + s) * step + offset
                sound = kit[drum] * rng.uniform(0.7, 1.0)
                _add(out, start, sound, pans[drum])
    return _tail_wrapped(out, length)


# ---------------------------------------------------------------------------------- tones


def _partials(freq: float, t: np.ndarray, count: int, tilt: float, decay: float) -> np.ndarray:
    """A saw-like tone: `count` harmonics at 1/k^tilt, the higher ones fading faster (a
    closing filter); only harmonics below 16 kHz."""
    tone = np.zeros_like(t)
    for k in range(1, count + 1):
        if k * freq > 16_000:
            break
        tone += np.sin(2 * np.pi * k * freq * t) / k**tilt * np.exp(-t * decay * (k - 1))
    return tone


def _note_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _bass(bpm: float, root: int, seed: int) -> np.ndarray:
    """Two bars of a bass line in a minor pentatonic on `root` (MIDI), 8ths and 16ths."""
    rng = np.random.default_rng(seed)
    step, length = _bar_steps(bpm)
    out = np.zeros((length + SR, 2))
    scale = (0, 3, 5, 7, 10, 12)
    s = 0
    while s < 32:
        span = int(rng.choice([1, 2, 2, 3, 4]))
        if rng.random() < 0.8:
            midi = root + scale[int(rng.integers(len(scale)))] if s else root
            t = np.arange(span * step) / SR
            note = _partials(_note_hz(midi), t, 30, 1.0, rng.uniform(4, 12))
            note *= np.minimum(1.0, t / 0.004) * np.exp(-t / 0.6)
            _add(out, s * step, 0.35 * note, 0.0)
        s += span
    return _tail_wrapped(out, length)


def _pad(bpm: float = 90) -> np.ndarray:
    """Two bars of a C major seventh chord: detuned saws, a slow swell, wide."""
    _, length = _bar_steps(bpm)
    t = np.arange(length) / SR
    out = np.zeros((length, 2))
    for midi in (48, 55, 59, 64):
        for side, detune in ((0, -0.08), (1, 0.08)):
            f = _note_hz(midi + detune)
            out[:, side] += _partials(f, t, 12, 1.3, 0.0)
    swell = np.minimum(1.0, t / 1.5) * np.minimum(1.0, (t[-1] - t) / 0.3)
    return 0.08 * out * swell[:, None]


def _riser(bpm: float = 128) -> np.ndarray:
    """Two bars of noise swept up through a band-pass, growing louder: an FX riser."""
    _, length = _bar_steps(bpm)
    rng = np.random.default_rng(7)
    noise = rng.standard_normal((length, 2))
    out = np.zeros_like(noise)
    blocks = 64
    edges = np.linspace(0, length, blocks + 1).astype(int)
    for b in range(blocks):
        centre = 200 * (40 ** (b / blocks))  # 200 Hz -> 8 kHz
        sos = _band(centre / 1.5, min(centre * 1.5, 20_000))
        out[edges[b] : edges[b + 1]] = signal.sosfilt(sos, noise[edges[b] : edges[b + 1]], axis=0)
    t = np.arange(length) / SR
    sweep = np.sin(2 * np.pi * np.cumsum(200 * 8 ** (t / t[-1])) / SR)
    return (0.5 * out + 0.15 * sweep[:, None]) * ((t / t[-1]) ** 2)[:, None]


def _vox_chop(bpm: float = 100) -> np.ndarray:
    """Two bars of a chopped vowel: a pulse train through three formant resonators, gated in
    a syncopated rhythm."""
    step, length = _bar_steps(bpm)
    t = np.arange(length) / SR
    f0 = 220 * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))  # a little vibrato
    pulses = (np.diff(np.floor(np.cumsum(f0) / SR), prepend=0) > 0).astype(float)
    voice = np.zeros(length)
    for formant, width, gain in ((730, 90, 1.0), (1090, 110, 0.5), (2440, 160, 0.25)):
        voice += gain * signal.sosfilt(_band(formant - width, formant + width), pulses)
    gate = np.zeros(length)
    for s in (0, 3, 6, 10, 12, 16, 19, 22, 26, 28):
        gate[s * step : s * step + int(1.6 * step)] = 1.0
    gate = np.convolve(gate, np.ones(200) / 200, mode="same")  # no clicks
    out = 6.0 * voice * gate
    return np.stack([out, out], axis=1)


def _music_box(bpm: float = 110) -> np.ndarray:
    """Two bars of a music-box melody in E minor: bell partials that ring and fade."""
    step, length = _bar_steps(bpm)
    out = np.zeros((length + 2 * SR, 2))
    melody = (76, 79, 83, 81, 79, 76, 74, 76, 79, 78, 76, 71)
    for n, midi in enumerate(melody):
        t = np.arange(int(1.5 * SR)) / SR
        f = _note_hz(midi)
        bell = sum(g * np.sin(2 * np.pi * f * r * t) for r, g in ((1, 1), (2.76, 0.4), (5.4, 0.2)))
        bell *= np.exp(-t / 0.5)
        _add(out, int(n * 32 / len(melody)) * step, 0.2 * bell, 0.3 * (-1) ** n)
    return _tail_wrapped(out, length)


# ---------------------------------------------------------------------------------- helpers


def _band(low: float, high: float) -> np.ndarray:
    return signal.butter(2, [max(low, 20.0), min(high, 0.45 * SR)], "bandpass", fs=SR, output="sos")


def _high(cutoff: float) -> np.ndarray:
    return signal.butter(2, cutoff, "highpass", fs=SR, output="sos")


def _add(out: np.ndarray, start: int, sound: np.ndarray, pan: float) -> None:
    """Mix a mono sound into the stereo buffer at `start`, panned (-1 left .. 1 right)."""
    stop = min(len(out), start + len(sound))
    if stop <= start:
        return
    gains = np.array([np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)]) * np.sqrt(2)
    out[start:stop] += sound[: stop - start, None] * gains


def _tail_wrapped(out: np.ndarray, length: int) -> np.ndarray:
    """The loop's `length` samples, what rings past its end added to its start (so it loops
    without a gap or a click)."""
    loop = out[:length].copy()
    tail = out[length:]
    loop[: len(tail)] += tail[:length]
    return loop
