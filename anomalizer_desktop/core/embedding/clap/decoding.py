"""Decoding a file for CLAP: 48 kHz mono, at most the first two minutes, quantised through int16
as laion-clap does. Runs in the embedder's decoding threads; on a GPU, decoding is what limits
CLAP's throughput (see `ClapEmbedder.embed_files`)."""

from __future__ import annotations

import os

import numpy as np

from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio

SAMPLE_RATE = 48_000
MAX_SECONDS = 120.0  # the global view covers at most the first two minutes (bounded memory)


def quantize(y: np.ndarray) -> np.ndarray:
    """float -> int16 -> float, as laion-clap does before embedding."""
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16).astype(np.float32) / 32767.0


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
