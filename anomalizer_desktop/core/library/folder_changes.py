"""Tell which library folders now hold other loops than the last scan found there.

The window watches the library's folders while it is open (`ui.folder_watch`): a pack
unpacked into a loop folder, a download finished, a loop renamed or deleted in the file
manager. The system says only that *something* in a folder changed, and most changes are no
business of the library's (a text file, the library's own file kept beside the loops, an
editor's temporary file). So each folder is compared with what the scan walking it saw, by
`walk.folder_signature` (its audio file names and subfolders): only a folder whose signature
moved is worth scanning again. Signatures are Python hashes, comparable within one process.

A folder whose names did not change may still hold a loop written over: an editor or a DAW
saving a loop again writes it aside and renames it over the old one, which the system reports
for the folder. With `stamps` (the size and modification time the library holds of each of its
files), such a folder counts as changed when a file's differ. (A file written over in place
sends the folder nothing: Rescan finds it.)

A folder whose audio files were written in the last moments is *settling*: a copy or an
unpacking still going. It is looked at again later, so that a scan does not catch a loop half
written (the scan would heal it at the next rescan, but the loop would show an error meanwhile).

A folder that changed yet holds just the loops the library lists there is *as listed*: the app
itself moved, renamed or trashed loops there, the library following. No scan is needed (at
100,000 loops one took seconds, and the next move waited for it); what the folder holds now is
what the watch compares with from then on. A folder such a move made is as listed too, and
watched from then on.

A folder whose loops changed behind the library's back is scanned again, alone
(`folders_to_rescan`): a pack dropped into one folder of a library of 100,000 loops is a scan
of that folder, not a walk and a look at every file of the library folder around it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.scanner import is_within, outermost
from anomalizer_desktop.core.library.walk import (
    folder_signature,
    is_export_folder,
    iter_audio_files,
    walked_names,
)

#: an audio file written less than this many seconds ago may still be being written
SETTLE_S = 2.0


@dataclass
class FolderCheck:
    """`changed`: folders whose loops or subfolders differ from what the last scan saw (a
    folder gone or unreadable now counts); `settling`: changed folders with an audio file
    written in the last SETTLE_S seconds, to look at again; `as_listed`: folders that changed
    but hold just what the library lists there, and the new folders below them that do too
    (folder -> its signature now: what to compare with from then on)."""

    changed: list[str] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)
    as_listed: dict[str, int] = field(default_factory=dict)


def look_at_folder(folder: str) -> tuple[int | None, list[str], list[str]]:
    """A folder's signature now (None when it is gone or cannot be read), its audio files'
    names and the subfolders a walk goes into (what a scan would find there)."""
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
        return None, [], []
    subfolders, audio = walked_names(dirnames, filenames)
    return folder_signature(audio, subfolders), audio, subfolders


def written_over(folder: str, names: list[str], stamps: dict[str, tuple]) -> bool:
    """Whether a file of `names` in `folder` has another size or modification time than the
    library holds (`stamps`: name -> (size, mtime_ns)); files it holds no stamp of aside."""
    for name in names:
        size, mtime_ns = stamps.get(name, (None, None))
        if size is None or mtime_ns is None:
            continue
        try:
            stat = os.stat(os.path.join(folder, name))
        except OSError:  # gone meanwhile: the folder's names tell
            continue
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return True
    return False


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
    seen: dict[str, int],
    folders: Iterable[str],
    now: float | None = None,
    listed: Callable[[str], set[str]] | None = None,
    stamps: Callable[[str], dict[str, tuple]] | None = None,
) -> FolderCheck:
    """Compare `folders` with `seen` (folder -> the signature its last scan gave it). Only a
    changed folder's files are looked up, for their times: most folders the system names
    changed in nothing a scan sees (the library's own file written beside the loops). With
    `listed` (folder -> the names of the loops the library lists directly in it), a changed
    folder that holds just those is `as_listed`, not changed. With `stamps` (folder -> name ->
    (size, mtime_ns) the library holds), a folder of the same names with a file written over
    since is changed."""
    now = time.time() if now is None else now
    check = FolderCheck()
    for folder in sorted(set(folders)):
        signature, audio, subfolders = look_at_folder(folder)
        same_names = signature == seen.get(folder)
        if same_names and (
            stamps is None or not audio or not written_over(folder, audio, stamps(folder))
        ):  # (a folder without loops of its own has none to look up)
            continue
        if not same_names and listed is not None and signature is not None:
            as_listed = _as_listed(folder, signature, audio, subfolders, seen, listed)
            if as_listed is not None:
                check.as_listed.update(as_listed)
                continue
        check.changed.append(folder)
        if newest_written(folder, audio) > now - SETTLE_S:
            check.settling.append(folder)
    return check


def _as_listed(
    folder: str,
    signature: int,
    audio: list[str],
    subfolders: list[str],
    seen: dict[str, int],
    listed: Callable[[str], set[str]],
) -> dict[str, int] | None:
    """`folder` and its new subfolders with their signatures when each holds just the loops
    the library lists there (a subfolder the watch knows is its own business); None when one
    does not, or is a link or an export's folder (left to a scan, which knows their rules)."""
    if set(audio) != listed(folder):
        return None
    found = {folder: signature}
    for name in subfolders:
        subfolder = os.path.join(folder, name)
        if subfolder in seen:
            continue
        if os.path.islink(subfolder) or is_export_folder(subfolder):
            return None
        sub_signature, sub_audio, sub_subfolders = look_at_folder(subfolder)
        if sub_signature is None:
            return None
        below = _as_listed(subfolder, sub_signature, sub_audio, sub_subfolders, seen, listed)
        if below is None:
            return None
        found.update(below)
    return found


def folders_to_rescan(
    changed: Iterable[str],
    roots: list[str],
    linked: Iterable[str] = (),
    seen: Iterable[str] = (),
) -> tuple[list[str], set[str]]:
    """What to scan again for these changed folders: (folders, unchanged).

    `folders`: each changed folder (gone, the nearest folder above it that is there), within
    the library folder (`roots`) that holds it; those inside another one picked are left to
    it, and those in no library folder dropped (it left the library, or is not reachable).
    `unchanged`: the folders below those, among `seen` (every folder the watch watches, with
    nothing changed in it unnoticed), that neither changed nor hold a folder that did: the
    scan leaves them as they are. So a pack unpacked into a library folder of a thousand packs
    is a scan of the new pack and a look at the library folder's own files (the topmost
    unchanged folders only: the scan goes into no other).

    A library folder with a folder reached through a link below it (`linked`) is scanned
    whole, as before: a walk takes a folder it reaches twice at the first path it meets, and
    a scan of one of the two paths alone would take the other's loops for new ones."""
    linked = list(linked)
    picked: set[str] = set()
    whole: set[str] = set()  # library folders scanned whole
    touched: set[str] = set()  # the changed folders and every folder above them
    for folder in changed:
        root = next((root for root in roots if is_within(folder, root)), None)
        if root is None:
            continue
        if any(is_within(link, root) for link in linked):
            picked.add(root)
            whole.add(root)
            continue
        there = folder
        while there != root and not os.path.isdir(there):
            there = os.path.dirname(there)
        picked.add(there)
        while folder not in touched:
            touched.add(folder)
            if folder == root:
                break
            folder = os.path.dirname(folder)
    folders = set(outermost(picked))
    partly = folders - whole
    unchanged = {
        folder
        for folder in seen
        if folder not in touched
        and os.path.dirname(folder) in touched
        and inside_any(folder, partly)
    }
    return sorted(folders), unchanged


def inside_any(path: str, folders: set[str]) -> bool:
    """Whether `path` is one of `folders` or below one (by its own path, up to the top)."""
    while path not in folders:
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return True


def list_folders(
    roots: list[str], cancel: CancelToken | None = None, linked: set[str] | None = None
) -> Job[dict[str, int]]:
    """Every folder a scan of `roots` walks, with its signature: what the watch starts from
    when no scan ran as the library opened (`linked` gets the folders reached through a link,
    as a scan's summary does). No file is opened nor looked up."""
    folders: dict[str, int] = {}
    for root in roots:
        walk = iter_audio_files(root, lambda *_: None, folders, linked=linked)
        for count, _ in enumerate(walk):
            if cancel is not None and cancel.cancelled:
                return folders
            if count % 2000 == 0:
                yield Progress(0, 0, f"listing folders: {len(folders)}")
    return folders
