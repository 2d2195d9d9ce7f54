"""The file extensions the library treats as audio (matched case-insensitively)."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from anomalizer_desktop.core.text import quantity

#: Everything libsndfile (>= 1.1, bundled with the soundfile wheels) can read that producers keep
#: loops in. mp3 is read by libsndfile >= 1.1 via mpg123. caf is Apple's Core Audio Format
#: (Apple Loops from Logic and GarageBand); w64 and rf64 are the WAVs that outgrow 4 GB; bwf is
#: Broadcast WAV as field recorders and post-production libraries name it; au and snd are
#: Sun/NeXT audio, as old sample CDs and Unix sound libraries hold it.
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".wav",
        ".wave",
        ".bwf",
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
        ".au",
        ".snd",
    }
)


#: the file types of AUDIO_EXTENSIONS, as a producer names them
READ_FORMATS_TEXT = "WAV, AIFF, FLAC, CAF, Ogg Vorbis, Opus, MP3 and AU"


def _extension(path: str | PurePath) -> str:
    """The file name's extension in lower case ("" for none; ".wav" alone is a hidden file's
    name, as PurePath.suffix has it): os.path.splitext, 4x quicker than a PurePath, for the
    scan's look at every name in a folder."""
    return os.path.splitext(os.fspath(path))[1].lower()


def is_audio_path(path: str | PurePath) -> bool:
    """True when the file name has an audio extension, in any letter case (LOOP.WAV counts)."""
    return _extension(path) in AUDIO_EXTENSIONS


#: file types producers keep loops in that libsndfile cannot read: a scan counts the files it
#: passes by for these (a folder of Apple Loops in .m4a, or of REX files, would otherwise
#: come to "found 0" with no word why); other files (.txt, .asd, .pdf) pass by unremarked
UNREAD_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".m4a",  # AAC or Apple Lossless (iTunes, GarageBand exports)
        ".aac",
        ".alac",
        ".mp4",
        ".wma",  # Windows Media Audio
        ".wv",  # WavPack
        ".ape",  # Monkey's Audio
        ".rx2",  # REX (ReCycle): sliced loops, beside the WAVs of many packs
        ".rex",
        ".rcy",
        ".mid",  # MIDI: notes, not sound
        ".midi",
    }
)


def unread_format(name: str | PurePath) -> str | None:
    """The extension (lower case) of a file type a scan does not read but a producer may have
    meant as a loop, or None."""
    extension = _extension(name)
    return extension if extension in UNREAD_EXTENSIONS else None


def unread_formats_text(counts: dict[str, int]) -> str:
    """ "7 files in formats anomalizer does not read: .m4a 3, .rx2 3, .mid 1" (most first), or
    "" for none: what a scan passed by, for its summary."""
    total = sum(counts.values())
    if not total:
        return ""
    kinds = ", ".join(
        f"{ext} {n}" for ext, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return f"{quantity(total, 'file')} in {not_read(counts)}: {kinds}"


def not_read(paths) -> str:
    """ "a format anomalizer does not read", or "formats …" when `paths` (file names, or
    extensions) have more than one: for the scan's, the drop's and `try`'s messages."""
    extensions = {_extension(path) or path for path in paths}
    return f"{'a format' if len(extensions) == 1 else 'formats'} anomalizer does not read"


def audio_files_below(folder: str | os.PathLike[str]) -> list[str]:
    """Every file below `folder` with an audio extension, sorted: the benches' corpora (the
    library's scan has rules of its own, `core.library.walk`)."""
    return sorted(str(p) for p in Path(folder).rglob("*") if p.is_file() and is_audio_path(p.name))


#: the audio extensions whose files keep every sample as it was made (the others, mp3, ogg and
#: opus, are lossy; au and snd are often 8-bit mu-law): of two files of one recording, the one
#: to keep
LOSSLESS_EXTENSIONS: frozenset[str] = AUDIO_EXTENSIONS - {
    ".mp3",
    ".ogg",
    ".oga",
    ".opus",
    ".au",
    ".snd",
}


def is_lossless_path(path: str | PurePath) -> bool:
    """True for a file type that keeps every sample (WAV, AIFF, CAF, FLAC), in any case."""
    return _extension(path) in LOSSLESS_EXTENSIONS
