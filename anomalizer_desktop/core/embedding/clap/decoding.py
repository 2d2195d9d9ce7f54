"""Decoding a file for CLAP: 48 kHz mono, at most the first two minutes, quantised through int16
as laion-clap does. Runs in the embedder's decoding threads; on a GPU, decoding is what limits
CLAP's throughput (see `ClapEmbedder.embed_files`)."""

from __future__ import annotations

import os

import numpy as np

from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio

SAMPLE_RATE = 48_000
MAX_SECONDS = 120.0  # the global view covers at most the first two minutes (bounded memory)


def to_int16(y: np.ndarray) -> np.ndarray:
    """The first half of laion-clap's quantising: float -> int16."""
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)


def from_int16(q: np.ndarray) -> np.ndarray:
    """The second half: int16 -> float32 in [-1, 1]."""
    return q.astype(np.float32) / 32767.0


def quantize(y: np.ndarray) -> np.ndarray:
    """float -> int16 -> float, as laion-clap does before embedding."""
    return from_int16(to_int16(y))


def load(path: str | os.PathLike[str]) -> np.ndarray:
    """The file as CLAP hears it before quantising: 48 kHz mono, at most the first two minutes.
    Raises AudioDecodeError."""
    return load_audio(path, SAMPLE_RATE, max_seconds=MAX_SECONDS).samples


def decode_clip(path: str | os.PathLike[str]) -> np.ndarray | AudioDecodeError:
    """The quantised 48 kHz mono clip, or the file's decode error (returned: one bad file
    fails alone, the batch goes on)."""
    try:
        return quantize(load(path))
    except AudioDecodeError as error:
        return error


def decode_clip_int16(path: str | os.PathLike[str]) -> np.ndarray | AudioDecodeError:
    """`decode_clip` before its last step, as int16: what a decoding worker process sends back
    (all that quantising keeps, in half the bytes; `from_int16` finishes it bitwise the same).
    Importing this module loads numpy, soundfile and soxr, not torch, so workers start fast."""
    try:
        return to_int16(load(path))
    except AudioDecodeError as error:
        return error
