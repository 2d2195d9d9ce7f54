"""Turn "libsndfile said no" into a message a producer understands.

libsndfile's own errors ("Format not recognised", "Unspecified internal error") do not tell the
user whether the file is empty, cut short, not audio at all or audio in a codec we cannot read.
This module looks at the file's first bytes to say which.
"""

from __future__ import annotations

import os
import re
import struct

#: WAV format tags we meet in sample packs that libsndfile cannot decode, with a readable name.
UNSUPPORTED_WAV_CODECS: dict[int, str] = {
    0x674F: "Ogg Vorbis inside WAV",
    0x6750: "Ogg Vorbis inside WAV",
    0x6751: "Ogg Vorbis inside WAV",
    0x676F: "Ogg Vorbis inside WAV",
    0x6770: "Ogg Vorbis inside WAV",
    0x6771: "Ogg Vorbis inside WAV",
    0x0055: "MP3 inside WAV",
    0x0050: "MPEG inside WAV",
    0x2000: "AC-3 inside WAV",
    0x0161: "WMA inside WAV",
    0x0162: "WMA Pro inside WAV",
    0x00FF: "AAC inside WAV",
    0x1610: "AAC inside WAV",
}

#: WAV format tags libsndfile decodes.
SUPPORTED_WAV_CODECS = {0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031, 0x0040, 0xFFFE}


def describe_unreadable(path: str | os.PathLike[str], reason: str) -> tuple[str, str]:
    """Return (kind, message) for a file libsndfile refused, `reason` being its error text."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        return "unreadable", f"cannot read the file: {error.strerror or error}"
    if not head:
        return "empty", "empty file (0 bytes)"
    reason = _plain_reason(reason)
    magic = head[:4]
    if magic in (b"RIFF", b"RIFX", b"RF64") and head[8:12] in (b"WAVE", b""):
        return _describe_wav(head, reason)
    if magic == b"FORM":
        return "truncated", f"damaged or truncated AIFF file ({reason})"
    if magic == b"fLaC":
        return "truncated", f"damaged or truncated FLAC file ({reason})"
    if magic == b"OggS":
        return (
            "unsupported_codec",
            "Ogg file that cannot be decoded: damaged, or a codec other than Vorbis/Opus/FLAC"
            f" ({reason})",
        )
    if magic[:3] == b"ID3" or (len(magic) >= 2 and magic[0] == 0xFF and magic[1] & 0xE0 == 0xE0):
        return "truncated", f"damaged or unsupported MP3 file ({reason})"
    if _looks_like_text(head):
        return "not_audio", "not an audio file (the file contains text)"
    return "not_audio", "not an audio file (unrecognised content)"


#: what libsndfile says when its MP3 decoder finds no frame in a file (an ID3 tag alone, a
#: download cut off inside its tag): it blames the file's existence, which misleads
_NO_FILE = "File does not exist or is not a regular file"


def _plain_reason(reason: str) -> str:
    """libsndfile's `reason` for a file that was just read, with its misleading "does not
    exist" said as what it is."""
    if reason.startswith(_NO_FILE):
        return "no audio found in it"
    return reason


def _describe_wav(head: bytes, reason: str) -> tuple[str, str]:
    if len(head) < 12 or head[8:12] != b"WAVE":
        return "truncated", "truncated WAV header (the file ends inside its header)"
    tag = _wav_format_tag(head)
    if tag is None:
        return "truncated", "truncated or damaged WAV header (no complete 'fmt ' chunk)"
    if tag in UNSUPPORTED_WAV_CODECS:
        return (
            "unsupported_codec",
            f"unsupported codec: {UNSUPPORTED_WAV_CODECS[tag]} (WAV format tag 0x{tag:04X}); "
            "re-export or convert it to plain PCM WAV, FLAC or Ogg",
        )
    if tag not in SUPPORTED_WAV_CODECS:
        return "unsupported_codec", f"unsupported codec: WAV format tag 0x{tag:04X} ({reason})"
    return "truncated", f"damaged WAV file ({reason})"


def _wav_format_tag(head: bytes) -> int | None:
    """The format tag of the first 'fmt ' chunk inside `head`, or None if it is not there whole."""
    little = head[:4] != b"RIFX"
    pos = 12
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        (size,) = struct.unpack("<I" if little else ">I", head[pos + 4 : pos + 8])
        if chunk_id == b"fmt ":
            if pos + 10 > len(head) or size < 2:
                return None
            (tag,) = struct.unpack("<H" if little else ">H", head[pos + 8 : pos + 10])
            return tag
        pos += 8 + size + (size & 1)
    return None


def _looks_like_text(head: bytes) -> bool:
    sample = head[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return printable / len(sample) > 0.95


#: libsndfile's log line for a WAV `data` or AIFF `SSND` chunk whose size disagrees with the file
_CHUNK_SIZE = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
#: sizes that writers put in a header they stream into and fill in at the end (or never): not
#: a promise of that much audio
PLACEHOLDER_MIN = 0x7FFFFFFF
#: a file lacking at least this share of the audio its header promises is called truncated
#: (smaller gaps are pad bytes and rounding)
TRUNCATED_SHARE = 0.01


def missing_share(log: str) -> float:
    """The share of the audio data a WAV or AIFF header promises that the file does not hold
    (an interrupted copy or download), from libsndfile's log of the file (`extra_info`); 0.0
    when nothing is missing, or too little to matter, or the header holds a placeholder."""
    match = _CHUNK_SIZE.search(log)
    if match is None:
        return 0.0
    promised, present = int(match[1]), int(match[2])
    if promised >= PLACEHOLDER_MIN or promised <= present:
        return 0.0
    share = 1.0 - present / promised
    return share if share >= TRUNCATED_SHARE else 0.0
