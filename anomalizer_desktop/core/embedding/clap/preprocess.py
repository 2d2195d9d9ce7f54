"""laion-clap's audio preprocessing, reproduced deterministically and without torchaudio.

48 kHz mono, quantised through int16 as laion-clap does, 10 s windows (480,000 samples):
- shorter clips are repeat-padded (tiled, then zero-padded) to 10 s;
- fusion models get a (4, 1001, 64) log-mel stack: for clips over 10 s the whole clip resized to
  1001 frames plus three 10 s chunks, taken from the middle of the front, middle and back thirds
  of the possible start positions (laion-clap picks them at random; fixing them makes the same
  file give the same embedding); for the others the same mel four times;
- non-fusion models get the waveform; over 10 s, its first 10 s (laion-clap: a random crop).
The mel is torchaudio's MelSpectrogram as laion-clap configures it (HTK mel, no norm, centred
reflect-padded STFT, power 2, then 10*log10 with floor 1e-10) built from torch.stft.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

SAMPLE_RATE = 48_000
MAX_LEN = 480_000
HOP = 480
N_FFT = 1024
N_MELS = 64
CHUNK_FRAMES = MAX_LEN // HOP + 1  # 1001
MAX_SECONDS = 120.0  # the global view covers at most the first two minutes (bounded memory)


def quantize(y: np.ndarray) -> np.ndarray:
    """float -> int16 -> float, as laion-clap does before embedding."""
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16).astype(np.float32) / 32767.0


def repeat_pad(y: np.ndarray, length: int = MAX_LEN) -> np.ndarray:
    if len(y) >= length:
        return y[:length]
    tiled = np.tile(y, length // max(len(y), 1))
    return np.pad(tiled, (0, length - len(tiled)))


@functools.cache
def _mel_basis() -> torch.Tensor:
    import librosa

    basis = librosa.filters.mel(
        sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=50, fmax=14_000, htk=True, norm=None
    )
    return torch.from_numpy(basis.astype(np.float32))


def log_mel(y: np.ndarray) -> torch.Tensor:
    """(frames, 64) dB mel spectrogram of a 48 kHz signal."""
    signal = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
    spec = torch.stft(
        signal,
        N_FFT,
        hop_length=HOP,
        win_length=N_FFT,
        window=torch.hann_window(N_FFT),
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    power = spec.abs() ** 2  # (freq, frames)
    mel = _mel_basis() @ power
    return (10.0 * torch.log10(torch.clamp(mel, min=1e-10))).T.contiguous()


def _middle(candidates: np.ndarray) -> int:
    return int(candidates[len(candidates) // 2]) if len(candidates) else 0


def fusion_input(y: np.ndarray) -> tuple[torch.Tensor, bool]:
    """((4, 1001, 64) mel stack, longer-than-10-s flag) for a quantised 48 kHz clip."""
    if len(y) > MAX_LEN:
        mel = log_mel(y)
        total = mel.shape[0]
        if total == CHUNK_FRAMES:
            return torch.stack([mel] * 4), False
        starts = np.array_split(np.arange(0, total - CHUNK_FRAMES + 1), 3)
        chunks = [mel[s : s + CHUNK_FRAMES] for s in (_middle(part) for part in starts)]
        shrunk = F.interpolate(
            mel[None, None], size=(CHUNK_FRAMES, N_MELS), mode="bilinear", align_corners=False
        )[0, 0]
        return torch.stack([shrunk, *chunks]), True
    mel = log_mel(repeat_pad(y))
    return torch.stack([mel] * 4), False


def waveform_input(y: np.ndarray) -> torch.Tensor:
    """(480000,) waveform for non-fusion models: repeat-padded, or the first 10 s."""
    return torch.from_numpy(np.ascontiguousarray(repeat_pad(y), dtype=np.float32))


def collate(items: list, fusion: bool) -> dict:
    """Batch the per-clip inputs into the dict HTS-AT's forward expects."""
    if fusion:
        return {
            "mel_fusion": torch.stack([m for m, _ in items]),
            "longer": torch.tensor([longer for _, longer in items], dtype=torch.bool),
        }
    return {"waveform": torch.stack(items)}
