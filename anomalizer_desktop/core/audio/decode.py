"""Decode any audio file we meet into a finite mono float32 signal, or say clearly why not.

soundfile (libsndfile) reads the file block by block; blocks are mixed to mono as they arrive so
an 8-channel 384 kHz file never sits in memory at full width, and reading stops at `max_seconds`
so a one-hour field recording costs the same as a loop. Resampling uses soxr, as librosa does.
"""

from __future__ import annotations

import os
from dataclasses import astuple, dataclass

import numpy as np
import soundfile as sf
import soxr

from anomalizer_desktop.core.audio.diagnose import describe_unreadable, missing_share
from anomalizer_desktop.core.audio.identity import cannot_stat_text, special_file_kind
from anomalizer_desktop.core.audio.loop_tags import loop_tags

BLOCK_FRAMES = 65_536
#: a float file's samples beyond this many times full scale (+60 dB) are not sound but damage,
#: or integers written as floats (32,767 for 16-bit): its spectrum overflows float32 and every
#: descriptor of it would be noise
MAX_PEAK = 1000.0


class AudioDecodeError(Exception):
    """A file that cannot be used as audio. `kind` is a stable code, `message` is for people."""

    def __init__(self, path: str | os.PathLike[str], kind: str, message: str) -> None:
        super().__init__(message)
        self.path = os.fspath(path)
        self.kind = kind
        self.message = message

    def __reduce__(self):
        # Rebuilt from all three fields: a decoding worker process sends it back as a result.
        return (type(self), (self.path, self.kind, self.message))


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the file's header says."""

    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str
    #: the tempo and key the file's loop tags declare (ACID chunk, Apple Loop; None: none)
    tempo: float | None = None
    key: str | None = None

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """A mono float32 signal at `sample_rate`, plus the header of the file it came from."""

    samples: np.ndarray
    sample_rate: int
    info: AudioInfo

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read the header of `path`; raise AudioDecodeError with a clear message if it is unusable."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise AudioDecodeError(path, "unreadable", cannot_stat_text(path, error)) from None
    special = special_file_kind(status.st_mode)
    if special:  # a named pipe would block the reader forever
        raise AudioDecodeError(path, "unreadable", f"not an audio file: it is {special}")
    size = status.st_size
    if size == 0:
        raise AudioDecodeError(path, "empty", "empty file (0 bytes)")
    try:
        raw = sf.info(os.fspath(path))
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as error:
        kind, message = describe_unreadable(path, _libsndfile_reason(error))
        raise AudioDecodeError(path, kind, message) from None
    if raw.samplerate <= 0 or raw.channels <= 0:
        raise AudioDecodeError(path, "truncated", "damaged header (no sample rate or channels)")
    if raw.frames <= 0:
        raise AudioDecodeError(
            path, "no_samples", "no audio data: the header is there but holds 0 samples"
        )
    missing = missing_share(raw.extra_info)
    if missing:  # libsndfile would play what is there and say nothing
        raise AudioDecodeError(
            path,
            "truncated",
            f"truncated: {int(missing * 100)} % of the audio its header promises is missing;"
            f" {raw.frames / raw.samplerate:.2f} s are left (an interrupted copy or download?)",
        )
    tags = loop_tags(raw.extra_info, raw.frames / raw.samplerate)
    return AudioInfo(
        raw.samplerate, raw.channels, int(raw.frames), raw.format, raw.subtype, *astuple(tags)
    )


def load_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    max_seconds: float | None = None,
    offset_seconds: float = 0.0,
    stereo: bool = False,
) -> DecodedAudio:
    """Decode `path` to mono float32, at most `max_seconds` from `offset_seconds`, resampled.
    With `stereo` (for listening: a loop's width is part of how it sounds), the samples are
    (frames, channels) instead: a stereo file's two channels, else its mono mix as one.

    Raises AudioDecodeError for every kind of unusable file (including NaN/inf samples); never a
    bare libsndfile error.
    """
    info = probe(path)
    start = min(int(offset_seconds * info.sample_rate), max(info.frames - 1, 0))
    wanted = info.frames - start
    if max_seconds is not None:
        wanted = min(wanted, int(np.ceil(max_seconds * info.sample_rate)))
    samples = _read_frames(path, start, wanted, stereo=stereo and info.channels == 2)
    if stereo and samples.ndim == 1:
        samples = samples[:, None]
    if samples.size == 0:
        raise AudioDecodeError(path, "no_samples", "no audio data could be decoded")
    check_sample_values(path, samples)
    rate = info.sample_rate
    if sample_rate is not None and sample_rate != rate:
        samples = soxr.resample(samples, rate, sample_rate, quality="HQ")
        samples = samples.astype(np.float32, copy=False)
        rate = sample_rate
    return DecodedAudio(np.ascontiguousarray(samples, dtype=np.float32), rate, info)


def check_sample_values(path: str | os.PathLike[str], samples: np.ndarray) -> None:
    """Raise AudioDecodeError when `samples` hold NaN or infinity, or values far beyond full
    scale (see MAX_PEAK). Their minimum and maximum are two passes without a temporary array."""
    low, high = float(samples.min()), float(samples.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise AudioDecodeError(
            path, "non_finite", "the file contains invalid sample values (NaN or infinity)"
        )
    peak = max(high, -low)
    if peak > MAX_PEAK:
        level = f"+{20 * np.log10(peak):.0f} dB"
        raise AudioDecodeError(
            path,
            "out_of_range",
            f"its samples reach {peak:,.0f} times full scale ({level}):"
            " integers written as floats, or a damaged file"
            if peak < 1e7  # a 24-bit integer's 8,388,607 still reads as a number
            else f"its samples reach {level} over full scale: a damaged file",
        )


def _read_frames(
    path: str | os.PathLike[str], start: int, frames: int, stereo: bool = False
) -> np.ndarray:
    """`frames` frames from `start`, block by block: each block mixed down to mono as it
    arrives, or with `stereo` (a stereo file) kept as (frames, 2). A file cut short
    mid-stream keeps what decoded (its header promised more)."""
    out = np.empty((max(frames, 0), 2) if stereo else max(frames, 0), dtype=np.float32)
    filled = 0
    try:
        with sf.SoundFile(os.fspath(path)) as handle:
            if start:
                handle.seek(start)
            while filled < frames:
                block = handle.read(
                    min(BLOCK_FRAMES, frames - filled), dtype="float32", always_2d=True
                )
                if block.shape[0] == 0:
                    break
                into = out[filled : filled + block.shape[0]]
                if stereo:
                    np.copyto(into, block)
                else:
                    _mix_down(block, into)
                filled += block.shape[0]
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as error:
        if filled == 0:
            kind, message = describe_unreadable(path, _libsndfile_reason(error))
            raise AudioDecodeError(path, kind, message) from None
    return out[:filled]


def _mix_down(block: np.ndarray, into: np.ndarray) -> None:
    """The mean of `block`'s channels, written into `into`: the channels added one by one, then
    divided, as `block.mean(axis=1)` computes it (bitwise the same up to 7 channels) in a
    quarter of the time (a reduction across a row of 2 is slow in numpy: it was 4 of the 16 ms
    that decoding a 2 s 96 kHz stereo FLAC took)."""
    np.copyto(into, block[:, 0])
    for channel in range(1, block.shape[1]):
        into += block[:, channel]
    if block.shape[1] > 1:
        into /= block.shape[1]


def _libsndfile_reason(error: Exception) -> str:
    text = str(error)
    # "Error opening '/x/y.wav': Format not recognised." -> "Format not recognised"
    if ": " in text:
        text = text.rsplit(": ", 1)[-1]
    return text.strip().rstrip(".") or type(error).__name__
