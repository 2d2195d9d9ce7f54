"""Audio files: which ones we read, how we identify them, how we decode them safely."""

from anomalizer_desktop.core.audio.decode import (
    AudioDecodeError,
    AudioInfo,
    DecodedAudio,
    load_audio,
    probe,
)
from anomalizer_desktop.core.audio.formats import AUDIO_EXTENSIONS, is_audio_path
from anomalizer_desktop.core.audio.identity import FileIdentity, content_hash, identify

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioDecodeError",
    "AudioInfo",
    "DecodedAudio",
    "FileIdentity",
    "content_hash",
    "identify",
    "is_audio_path",
    "load_audio",
    "probe",
]
