"""Small synthetic audio for tests: loops, tones, noise, and deliberately broken files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22_050


def drum_loop(seconds: float = 2.0, bpm: float = 120.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """Kick on the beat, snare on 2 and 4, hats on eighths, a little randomness per seed."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    y = np.zeros(n, dtype=np.float32)
    beat = 60.0 / bpm
    t = np.arange(int(0.3 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    snare = rng.normal(0, 0.5, t.size) * np.exp(-t * 25)
    hat = rng.normal(0, 0.2, t.size) * np.exp(-t * 80)
    for i in range(int(seconds / (beat / 2))):
        start = int(i * beat / 2 * sr)
        parts = [hat]
        if i % 2 == 0:
            parts.append(kick)
        if i % 4 == 2:
            parts.append(snare)
        for part in parts:
            end = min(n, start + part.size)
            y[start:end] += part[: end - start] * rng.uniform(0.8, 1.0)
    return (0.5 * y / max(1e-6, np.abs(y).max())).astype(np.float32)


def bass_loop(seconds: float = 2.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    notes = rng.choice([41.2, 55.0, 61.7, 73.4], size=8)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    freq = np.repeat(notes, int(np.ceil(n / 8)))[:n]
    phase = np.cumsum(freq) / sr
    saw = 2 * (phase % 1.0) - 1
    return (0.4 * saw * (0.6 + 0.4 * np.cos(2 * np.pi * t * 2))).astype(np.float32)


def tone(freq: float = 440.0, seconds: float = 1.0, sr: int = SR, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(y[:, None], channels, axis=1) if channels > 1 else y


def noise(seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.2, int(seconds * sr)).astype(np.float32)


def write(path: Path, y: np.ndarray, sr: int = SR, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr, **kwargs)
    return path


def write_drum_loops(
    root: Path, numbers, name: str = "drum {i:02d}.wav", bpm: tuple[float, float] = (100, 2)
) -> Path:
    """A drum loop for each of `numbers` in `root`, named `name` (with `i`), seeded by its
    number and at `bpm[0] + bpm[1] * i` BPM; returns `root`."""
    for i in numbers:
        write(root / name.format(i=i), drum_loop(seed=i, bpm=bpm[0] + bpm[1] * i))
    return root


def acid_wav(path: Path, tempo: float, y: np.ndarray | None = None, one_shot: bool = False) -> Path:
    """A WAV with an ACID chunk (a loop tagged for DAWs: flags, root note, beats, metre, tempo)
    before its audio, as ACIDized sample packs ship them."""
    write(path, noise(seconds=1.0) if y is None else y, subtype="PCM_16")
    data = path.read_bytes()
    flags = 0x01 if one_shot else 0x02
    acid = (
        b"acid"
        + struct.pack("<I", 24)
        + struct.pack("<IHHfIHHf", flags, 57, 0, 0.0, 8, 4, 4, tempo)
    )
    body = data[12:]
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(acid) + len(body)) + b"WAVE" + acid + body)
    return path


def apple_loop_aiff(
    path: Path, beats: int, root: int, scale: int, one_shot: bool = False, seconds: float = 2.0
) -> Path:
    """An AIFF Apple Loop: a `basc` chunk (beats, root note as MIDI, scale 1 minor / 2 major /
    3 neither, 4/4, loop or one-shot) before its audio, as Logic and GarageBand write them."""
    write(path, noise(seconds=seconds), subtype="PCM_16", format="AIFF")
    data = path.read_bytes()
    body = struct.pack(">IIHHHHH", 1, beats, root, scale, 4, 4, 1 if one_shot else 2) + bytes(66)
    basc = b"basc" + struct.pack(">I", len(body)) + body
    path.write_bytes(
        b"FORM" + struct.pack(">I", len(data) - 8 + len(basc)) + data[8:12] + basc + data[12:]
    )
    return path


def caf_with_info(path: Path, strings: dict[str, str]) -> Path:
    """A CAF whose `info` chunk holds `strings` ("tempo", "key signature"), as Apple Loops in
    CAF carry them."""
    write(path, noise(seconds=1.0), subtype="PCM_16", format="CAF")
    data = path.read_bytes()
    payload = struct.pack(">I", len(strings)) + b"".join(
        k.encode() + b"\0" + v.encode() + b"\0" for k, v in strings.items()
    )
    info = b"info" + struct.pack(">q", len(payload)) + payload
    path.write_bytes(data[:52] + info + data[52:])  # after the `desc` chunk CAF starts with
    return path


# ---------------------------------------------------------------- broken files
def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def header_only_wav(path: Path) -> Path:
    """A valid WAV header whose data chunk holds 0 samples."""
    fmt = struct.pack("<HHIIHH", 1, 1, SR, SR * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def truncated_header_wav(path: Path) -> Path:
    """A WAV cut off inside its header."""
    path.write_bytes(b"RIFF\x24\x10\x00\x00WAVEfmt \x10\x00")
    return path


def text_as_wav(path: Path) -> Path:
    path.write_text("This is not audio, just a README someone renamed.\n" * 20)
    return path


def ogg_in_wav(path: Path) -> Path:
    """A WAV whose fmt tag is 0x674F (Ogg Vorbis in WAV), as some LMMS samples are."""
    fmt = struct.pack("<HHIIHH", 0x674F, 2, 44100, 16000, 1, 0) + struct.pack("<H", 0)
    data = b"OggS" + bytes(200)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def nan_wav(path: Path) -> Path:
    y = tone(seconds=0.5)
    y[100:200] = np.nan
    y[300] = np.inf
    return write(path, y, subtype="FLOAT")


def hour_long_wav(path: Path) -> Path:
    """One hour of quiet noise at 4 kHz, 8-bit (14 MB), written in chunks."""
    sr = 4000
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", sr, 1, subtype="PCM_U8") as handle:
        for _ in range(60):
            handle.write(rng.normal(0, 0.05, sr * 60).astype(np.float32))
    return path


BROKEN = {
    "empty.wav": (empty_file, "empty"),
    "header_only.wav": (header_only_wav, "no_samples"),
    "truncated_header.wav": (truncated_header_wav, "truncated"),
    "readme.wav": (text_as_wav, "not_audio"),
    "ogg_in_wav.wav": (ogg_in_wav, "unsupported_codec"),
}


def make_awkward_folder(root: Path, with_hour: bool = True) -> dict[str, list[Path]]:
    """A folder of every awkward case: {"valid": [...], "broken": [...], "decode_broken": [...]}.

    `broken` fail at scan time (header), `decode_broken` only when decoded (NaN samples).
    """
    valid = [
        write(root / "multi" / "eight channels.wav", tone(channels=8), SR),
        write(root / "multi" / "hi-res 384k.wav", tone(seconds=0.5, sr=384_000), 384_000),
        write(root / "tiny_10ms.wav", tone(seconds=0.01)),
        write(root / "silence.wav", np.zeros(SR, dtype=np.float32)),
        write(root / "ünïcödé loop 909 — take 2.wav", drum_loop(seed=3)),
        write(root / "UPPER" / "KICK.WAV", drum_loop(seconds=1.0, seed=4)),
        write(root / "UPPER" / "BASS.AIFF", bass_loop(seed=5), format="AIFF"),
        write(root / "flac loop.FLAC", drum_loop(seed=6), format="FLAC"),
        write(root / "ogg loop.ogg", bass_loop(seed=7), format="OGG", subtype="VORBIS"),
        write(root / "mp3 loop.mp3", drum_loop(seed=8), format="MP3"),
    ]
    if with_hour:
        valid.append(hour_long_wav(root / "field recording (1 hour).wav"))
    broken_dir = root / "broken"
    broken_dir.mkdir(parents=True, exist_ok=True)
    broken = [maker(broken_dir / name) for name, (maker, _) in BROKEN.items()]
    decode_broken = [nan_wav(broken_dir / "nan samples.wav")]
    (root / "notes.txt").write_text("not audio, ignored")
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    return {"valid": valid, "broken": broken, "decode_broken": decode_broken}
