"""Tell which library folders now hold other loops than the last scan found there.

The window watches the library's folders while it is open (`ui.folder_watch`): a pack
unpacked into a loop folder, a download finished, a loop renamed or deleted in the file
manager. The system says only that *something* in a folder changed, and most changes are no
business of the library's (a text file, the library's own file kept beside the loops, an
editor's temporary file). So each folder is compared with what the scan walking it saw, by
`walk.folder_signature` (its audio file names and subfolders): only a folder whose signature
moved is worth scanning again. Signatures are Python hashes, comparable within one process.

A folder whose audio files were written in the last moments is *settling*: a copy or an
unpacking still going. It is looked at again later, so that a scan does not catch a loop half
written (the scan would heal it at the next rescan, but the loop would show an error meanwhile).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.walk import folder_signature, iter_audio_files, walked_names

#: an audio file written less than this many seconds ago may still be being written
SETTLE_S = 2.0


@dataclass
class FolderCheck:
    """`changed`: folders whose loops or subfolders differ from what the last scan saw (a
    folder gone or unreadable now counts); `settling`: changed folders with an audio file
    written in the last SETTLE_S seconds, to look at again."""

    changed: list[str] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)


def look_at_folder(folder: str) -> tuple[int | None, list[str]]:
    """A folder's signature now (None when it is gone or cannot be read) and its audio files'
    names (what a scan would find there)."""
    try:
        with os.scandir(folder) as entries:
            dirnames, filenames = [], []
            for entry in entries:
                try:
                    is_dir = entry.is_dir()  # a link to a folder is a folder, as in the walk
                except OSError:
                    is_dir = False
                (dirnames if is_dir else filenames).append(entry.name)
    except OSError:
        return None, []
    subfolders, audio = walked_names(dirnames, filenames)
    return folder_signature(audio, subfolders), audio


def newest_written(folder: str, names: list[str]) -> float:
    """The latest modification time among these files of `folder` (0 when none is there)."""
    newest = 0.0
    for name in names:
        try:
            newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime)
        except OSError:  # gone meanwhile, or a link that leads nowhere
            continue
    return newest


def check_folders(
    seen: dict[str, int], folders: Iterable[str], now: float | None = None
) -> FolderCheck:
    """Compare `folders` with `seen` (folder -> the signature its last scan gave it). Only a
    changed folder's files are looked up, for their times: most folders the system names
    changed in nothing a scan sees (the library's own file written beside the loops)."""
    now = time.time() if now is None else now
    check = FolderCheck()
    for folder in sorted(set(folders)):
        signature, audio = look_at_folder(folder)
        if signature == seen.get(folder):
            continue
        check.changed.append(folder)
        if newest_written(folder, audio) > now - SETTLE_S:
            check.settling.append(folder)
    return check


def list_folders(roots: list[str], cancel: CancelToken | None = None) -> Job[dict[str, int]]:
    """Every folder a scan of `roots` walks, with its signature: what the watch starts from
    when no scan ran as the library opened. No file is opened nor looked up."""
    folders: dict[str, int] = {}
    for root in roots:
        for count, _ in enumerate(iter_audio_files(root, lambda *_: None, folders)):
            if cancel is not None and cancel.cancelled:
                return folders
            if count % 2000 == 0:
                yield Progress(0, 0, f"listing folders: {len(folders)}")
    return folders
