"""Find audio files under a folder without hanging on symlink loops or dying on locked folders."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Collection, Iterator

from anomalizer_desktop.core.audio.formats import is_audio_path, unread_format


def iter_audio_files(
    root: str,
    on_error: Callable[[str, str], None],
    folders: dict[str, int] | None = None,
    unread: Counter[str] | None = None,
    linked: set[str] | None = None,
    leave: Collection[str] = (),
    left: set[str] | None = None,
) -> Iterator[str]:
    """Yield the audio files below `root` (following folder symlinks once), in a stable order.

    Hidden folders (".git", ".Trash") and macOS AppleDouble files ("._loop.wav") are skipped,
    and so are the folders an export of this app made below `root` (they hold links to, or
    copies of, loops found elsewhere: scanned, each exported loop would be in the library
    twice); `root` itself is walked even when it is one.
    Files and folders whose names are not UTF-8 are reported (their paths shown with \\xNN
    escapes) and skipped.
    Each folder that cannot be read is reported through `on_error(path, reason)` and skipped.
    `folders`, when given, gets each folder walked with its `folder_signature` (what the walk
    saw there: the window's folder watch compares it with what is there later).
    `unread`, when given, counts the files passed by in formats a producer may have meant as
    loops but that the library does not read (.m4a, .rx2, .mid: `formats.unread_format`), by
    extension.
    `linked`, when given, gets each folder below `root` reached through a link to a folder
    (a folder reached twice is walked at the first path met, which only a walk of all of
    `root` repeats: the folder watch then rescans all of it, not just the folder changed).
    The folders in `leave` are not gone into (the folder watch knows nothing changed there);
    `left`, when given, gets those of them met (there still).
    """
    seen_dirs: set[tuple[int, int]] = set()

    def report(error: OSError) -> None:
        on_error(error.filename or root, error.strerror or str(error))

    for dirpath, dirnames, filenames in os.walk(root, onerror=report, followlinks=True):
        try:
            stat = os.stat(dirpath)
        except OSError as error:
            report(error)
            dirnames[:] = []
            continue
        if linked is not None and dirpath != root and os.path.islink(dirpath):
            linked.add(dirpath)
        key = (stat.st_dev, stat.st_ino)
        if key in seen_dirs:  # a symlink loop, or a second link to a folder we already walked
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        if EXPORT_MARKER in filenames and dirpath != root:
            dirnames[:] = []
            continue
        kept = []
        for name in sorted(d for d in dirnames if not d.startswith(".")):
            if has_a_usable_name(name):
                kept.append(name)
            else:
                on_error(shown_path(os.path.join(dirpath, name)), UNUSABLE_FOLDER_NAME)
        dirnames[:] = kept
        if leave:
            met = {name for name in kept if os.path.join(dirpath, name) in leave}
            if met:
                dirnames[:] = [name for name in kept if name not in met]
                if left is not None:
                    left.update(os.path.join(dirpath, name) for name in met)
        audio = []
        for name in sorted(filenames):
            if name.startswith("._"):
                continue
            if not is_audio_path(name):
                if unread is not None and (extension := unread_format(name)):
                    unread[extension] += 1
                continue
            if has_a_usable_name(name):
                audio.append(name)
                yield os.path.join(dirpath, name)
            else:
                on_error(shown_path(os.path.join(dirpath, name)), UNUSABLE_FILE_NAME)
        if folders is not None:
            folders[dirpath] = folder_signature(audio, kept)


def walked_names(dirnames: list[str], filenames: list[str]) -> tuple[list[str], list[str]]:
    """The subfolders a walk goes into and the audio files it finds among a folder's entries
    (`iter_audio_files`' rules, without its reports): for looking at one folder again."""
    subfolders = [name for name in dirnames if not name.startswith(".") and has_a_usable_name(name)]
    audio = [
        name
        for name in filenames
        if not name.startswith("._") and is_audio_path(name) and has_a_usable_name(name)
    ]
    return subfolders, audio


def folder_signature(audio_names: list[str], subfolders: list[str]) -> int:
    """A hash of a folder's audio file names and the subfolders a walk goes into: equal when a
    scan would find the same files there, whatever else (a text file, the library's own
    file, a hidden folder) came or went."""
    return hash((tuple(sorted(audio_names)), tuple(sorted(subfolders))))


#: the file an export writes into each folder it makes (the names it made, one per line)
EXPORT_MARKER = ".anomalizer-export"
EXPORT_INSIDE_THE_LIBRARY = (
    "a folder an export made, inside a library folder: its loops are links to or copies of"
    " loops the library holds"
    " (not scanned again; add it as a library folder of its own in another library)"
)


def is_export_folder(folder: str) -> bool:
    """Whether an export of this app made `folder` (its marker file is there)."""
    return os.path.isfile(os.path.join(folder, EXPORT_MARKER))


UNUSABLE_FILE_NAME = (
    "the file name is not valid UTF-8 (an archive packed on an old system?): rename the file"
    " to add it to the library"
)
UNUSABLE_FOLDER_NAME = (
    "the folder name is not valid UTF-8 (an archive packed on an old system?): rename the"
    " folder to add its loops to the library"
)


def has_a_usable_name(path: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python keeps them as surrogates): the
    library stores paths as UTF-8 text and could not hold it (a scan crashed on one)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: str) -> str:
    """The path as text a person can read and search for: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
