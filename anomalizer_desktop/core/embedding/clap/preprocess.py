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

from anomalizer_desktop.core.embedding.clap.decoding import SAMPLE_RATE

MAX_LEN = 480_000
HOP = 480
N_FFT = 1024
N_MELS = 64
CHUNK_FRAMES = MAX_LEN // HOP + 1  # 1001


def repeat_pad(y: np.ndarray, length: int = MAX_LEN) -> np.ndarray:
    if len(y) >= length:
        return y[:length]
    tiled = np.tile(y, length // max(len(y), 1))
    return np.pad(tiled, (0, length - len(tiled)))


@functools.cache
def _mel_basis(device: str = "cpu") -> torch.Tensor:
    import librosa

    basis = librosa.filters.mel(
        sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=50, fmax=14_000, htk=True, norm=None
    )
    return torch.from_numpy(basis.astype(np.float32)).to(device)


@functools.cache
def _window(device: str = "cpu") -> torch.Tensor:
    return torch.hann_window(N_FFT, device=device)


def log_mel(y: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(frames, 64) dB mel spectrogram of a 48 kHz signal, or (batch, frames, 64) of a
    (batch, samples) stack; computed in float32 on the tensor's device."""
    signal = y if isinstance(y, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(y))
    signal = signal.float()
    device = str(signal.device)
    spec = torch.stft(
        signal,
        N_FFT,
        hop_length=HOP,
        win_length=N_FFT,
        window=_window(device),
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    power = spec.abs() ** 2  # (..., freq, frames)
    mel = _mel_basis(device) @ power
    return (10.0 * torch.log10(torch.clamp(mel, min=1e-10))).transpose(-1, -2).contiguous()


def _middle(candidates: np.ndarray) -> int:
    return int(candidates[len(candidates) // 2]) if len(candidates) else 0


def fusion_from_mel(mel: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """((4, 1001, 64) fusion stack, longer-than-10-s flag) from a clip's whole (frames, 64) mel:
    a 10 s (or shorter, repeat-padded) clip's mel four times, or for longer clips the whole mel
    resized to 1001 frames plus three fixed 10 s chunks."""
    total = mel.shape[0]
    if total <= CHUNK_FRAMES:
        return mel.expand(4, -1, -1), False
    starts = np.array_split(np.arange(0, total - CHUNK_FRAMES + 1), 3)
    chunks = [mel[s : s + CHUNK_FRAMES] for s in (_middle(part) for part in starts)]
    shrunk = F.interpolate(
        mel[None, None], size=(CHUNK_FRAMES, N_MELS), mode="bilinear", align_corners=False
    )[0, 0]
    return torch.stack([shrunk, *chunks]), True


def fusion_input(y: np.ndarray) -> tuple[torch.Tensor, bool]:
    """((4, 1001, 64) mel stack, longer-than-10-s flag) for a quantised 48 kHz clip, on the CPU."""
    stack, longer = fusion_from_mel(log_mel(repeat_pad(y) if len(y) <= MAX_LEN else y))
    return stack.contiguous(), longer


def to_device(arrays: list[np.ndarray], device: torch.device | str) -> torch.Tensor:
    """The arrays, concatenated, on `device`. To a GPU they are concatenated straight into
    pinned memory and the copy is queued (a plain copy stages pageable memory through the
    driver and waits for the GPU to be idle first); the configuration measured on an H200
    machine (README) copies this way."""
    device = torch.device(device)
    if device.type != "cuda":
        return torch.from_numpy(np.concatenate(arrays)).to(device)
    total = sum(len(a) for a in arrays)
    staged = torch.empty(total, dtype=torch.from_numpy(arrays[0][:0]).dtype, pin_memory=True)
    np.concatenate(arrays, out=staged.numpy())
    return staged.to(device, non_blocking=True)


def repeat_pad_on(clips: list[np.ndarray], device: torch.device | str) -> torch.Tensor:
    """(n, 480000) repeat-padded clips of at most 10 s each, as `repeat_pad` makes them, built
    on `device` after one copy of the clips as they are (a 2 s loop moves 2 s, not 10)."""
    lengths = to_device([np.array([len(c) for c in clips], dtype=np.int64)], device)
    flat = to_device(clips, device)
    offsets = torch.cumsum(lengths, 0) - lengths
    position = torch.arange(MAX_LEN, device=device)
    index = offsets[:, None] + position[None] % lengths[:, None]
    tiled = (MAX_LEN // lengths) * lengths  # whole repeats, then zeros
    return torch.where(position[None] < tiled[:, None], flat[index], 0.0)


def waveform_input(y: np.ndarray) -> torch.Tensor:
    """(480000,) waveform for non-fusion models: repeat-padded, or the first 10 s."""
    return torch.from_numpy(np.ascontiguousarray(repeat_pad(y), dtype=np.float32))


def collate(items: list, fusion: bool, device: torch.device | str = "cpu") -> dict:
    """Batch the per-clip inputs into the dict HTS-AT's forward expects.

    Fusion items are ready mel stacks (`fusion_input`, computed on the CPU) or quantised clips,
    padded and turned into mels here on `device`: on a GPU that takes the STFTs off the CPU,
    one batched STFT for all clips of 10 s or less.
    """
    if not fusion:
        return {"waveform": torch.stack(items)}
    stacks: list = [None] * len(items)
    longer = [False] * len(items)
    waves = [i for i, item in enumerate(items) if isinstance(item, np.ndarray)]
    short = [i for i in waves if len(items[i]) <= MAX_LEN]
    if short:
        padded = repeat_pad_on([items[i] for i in short], device)
        for i, mel in zip(short, log_mel(padded), strict=True):
            stacks[i] = mel.expand(4, -1, -1)
    for i in waves:
        if stacks[i] is None:
            stacks[i], longer[i] = fusion_from_mel(log_mel(torch.from_numpy(items[i]).to(device)))
    for i, item in enumerate(items):
        if stacks[i] is None:
            stacks[i], longer[i] = item[0].to(device), item[1]
    return {"mel_fusion": torch.stack(stacks), "longer": torch.tensor(longer, dtype=torch.bool)}
