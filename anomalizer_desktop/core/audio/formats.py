"""The file extensions the library treats as audio (matched case-insensitively)."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

#: Everything libsndfile (>= 1.1, bundled with the soundfile wheels) can read that producers keep
#: loops in. mp3 is read by libsndfile >= 1.1 via mpg123. caf is Apple's Core Audio Format
#: (Apple Loops from Logic and GarageBand); w64 and rf64 are the WAVs that outgrow 4 GB.
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".wav",
        ".wave",
        ".w64",
        ".rf64",
        ".aif",
        ".aiff",
        ".aifc",
        ".caf",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
    }
)


def is_audio_path(path: str | PurePath) -> bool:
    """True when the file name has an audio extension, in any letter case (LOOP.WAV counts)."""
    return PurePath(path).suffix.lower() in AUDIO_EXTENSIONS


def audio_files_below(folder: str | os.PathLike[str]) -> list[str]:
    """Every file below `folder` with an audio extension, sorted: the benches' corpora (the
    library's scan has rules of its own, `core.library.walk`)."""
    return sorted(str(p) for p in Path(folder).rglob("*") if p.is_file() and is_audio_path(p.name))


#: the audio extensions whose files keep every sample as it was made (the others, mp3, ogg and
#: opus, are lossy): of two files of one recording, the one to keep
LOSSLESS_EXTENSIONS: frozenset[str] = AUDIO_EXTENSIONS - {".mp3", ".ogg", ".oga", ".opus"}


def is_lossless_path(path: str | PurePath) -> bool:
    """True for a file type that keeps every sample (WAV, AIFF, CAF, FLAC), in any case."""
    return PurePath(path).suffix.lower() in LOSSLESS_EXTENSIONS
