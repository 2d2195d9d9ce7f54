"""The file extensions the library treats as audio (matched case-insensitively)."""

from __future__ import annotations

from pathlib import PurePath

#: Everything libsndfile (>= 1.1, bundled with the soundfile wheels) can read that producers keep
#: loops in. mp3 is read by libsndfile >= 1.1 via mpg123.
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {".wav", ".wave", ".aif", ".aiff", ".aifc", ".flac", ".ogg", ".oga", ".opus", ".mp3"}
)


def is_audio_path(path: str | PurePath) -> bool:
    """True when the file name has an audio extension, in any letter case (LOOP.WAV counts)."""
    return PurePath(path).suffix.lower() in AUDIO_EXTENSIONS
