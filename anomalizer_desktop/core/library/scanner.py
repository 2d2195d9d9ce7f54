"""Scan folders into the library, incrementally.

Unchanged files (same size and mtime) are not opened, except those in error, which are probed
again (a fixed permission or a finished copy heals them) unless decoding these same bytes is
what failed, and those whose stored hash is the edges-only kind earlier versions took (read
once, to store their whole-content hash). Changed files are re-probed and lose their
embeddings. A new path whose content hash matches a sample whose file has gone is that sample,
moved: the row is relinked and keeps its embeddings, flags and notes. Files that vanished
become `missing` (their flags stay). A new copy of a file the library holds takes the flag
its copies carry (a flag is about the sound). Every unreadable file is recorded with a clear
message and the scan goes on. Files are read ahead on reader threads (`file_look`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from anomalizer_desktop.core.audio.formats import READ_FORMATS_TEXT, unread_formats_text
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.file_look import FileLook, looks_in_order
from anomalizer_desktop.core.library.followed_exports import follow_moves
from anomalizer_desktop.core.library.store import FOUND_DECODING, Store
from anomalizer_desktop.core.library.walk import (
    EXPORT_INSIDE_THE_LIBRARY,
    UNUSABLE_FOLDER_NAME,
    has_a_usable_name,
    is_export_folder,
    iter_audio_files,
    shown_path,
)
from anomalizer_desktop.core.text import quantity_with_verb

COMMIT_EVERY_S = 0.5


class ScanError(AnomalizerError):
    """The scan cannot run at all (e.g. none of the folders exists)."""


@dataclass
class ScanSummary:
    """What a scan found; `problems` lists (path, message) for files and folders in error."""

    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    errors: int = 0
    returned: int = 0  # loops that were missing and whose files are there again
    #: library folders forgotten: gone, with every loop found in another folder since
    forgotten_folders: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: files passed by in formats it does not read, by extension ({".m4a": 3}): not problems
    #: (packs ship REX and MIDI beside their WAVs), but what a folder of them "found 0" for
    unread_formats: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False
    #: the library folders scanned, and every folder the scan walked below them with what it
    #: saw there (`walk.folder_signature`): the window's folder watch starts from these
    roots: list[str] = field(default_factory=list, repr=False)
    folders: dict[str, int] = field(default_factory=dict, repr=False)
    #: the folders below them the scan reached through a link (`walk.iter_audio_files`)
    linked: set[str] = field(default_factory=set, repr=False)
    #: the folders below them it left as they were (`unchanged`): not walked nor looked at
    left: set[str] = field(default_factory=set, repr=False)

    def as_json(self) -> dict:
        data = asdict(self)
        del data["roots"], data["folders"], data["linked"], data["left"]
        data["problems"] = [{"path": p, "error": m} for p, m in self.problems]
        return data


def nothing_found_text(summary: ScanSummary) -> str:
    """What a scan that found no audio file tells the producer who added the folder: which
    folder, what it held instead (files in formats it does not read, or none) and what it reads;
    "" when it walked no folder (each one named among its problems instead)."""
    if not summary.roots:
        return ""
    they_hold = "it holds" if len(summary.roots) == 1 else "they hold"
    held = unread_formats_text(summary.unread_formats) or "no audio files"
    names = _folder_names(summary.roots)
    return f"No loops found in {names}: {they_hold} {held}. anomalizer reads {READ_FORMATS_TEXT}."


def nothing_new_text(summary: ScanSummary) -> str:
    """What a scan of folders the library holds already tells the producer who added them
    again: that their loops are there, so the scores stand (no training for nothing new)."""
    its = "its" if len(summary.roots) == 1 else "their"
    loops = quantity_with_verb(summary.found, "loop", "is", "are")
    return (
        f"Nothing new in {_folder_names(summary.roots)}: {its} {loops} in the library"
        " already, so the scores stand."
    )


def _folder_names(roots: list[str]) -> str:
    """The folders' own names, the first three, then how many more ("Drums, Bass and 2 more")."""
    shown = [os.path.basename(root) or root for root in roots]
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")


def resolve_roots(paths: list[str]) -> list[str]:
    """Absolute, symlink-free folder paths; raise ScanError when none of them is a folder
    (with a name the library can hold)."""
    roots, bad = [], []
    for path in paths:
        real = os.path.realpath(os.path.expanduser(path))
        usable = os.path.isdir(real) and has_a_usable_name(real)
        (roots if usable else bad).append(real)
    if not roots:
        raise ScanError("no folder to scan: " + ", ".join(_why_not(p) for p in bad))
    return list(dict.fromkeys(roots))


def _why_not(folder: str) -> str:
    if os.path.isfile(folder):  # a loop named instead of its folder: name the folder to use
        parent = shown_path(os.path.dirname(folder))
        return f"{shown_path(folder)} is a file, not a folder (its folder: {parent})"
    if not os.path.isdir(folder):
        return f"{shown_path(folder)} is not a folder"
    return f"{shown_path(folder)}: {UNUSABLE_FOLDER_NAME}"


def is_within(path: str, folder: str) -> bool:
    """True when `path` is `folder` or lies below it (both absolute)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def outermost(folders: Collection[str]) -> list[str]:
    """Those of `folders` that lie below none of the others, in their order."""
    return [f for f in folders if not any(o != f and is_within(f, o) for o in folders)]


#: what is said of a library folder that is not there now (its loops are kept as they are)
UNREACHABLE_FOLDER = (
    "not reachable now (a drive not mounted, or the folder moved?); its loops are left as they are"
)


def reachable_roots(store: Store) -> tuple[list[str], list[str]]:
    """The library's folders that are there now, and those that are not (a drive not mounted):
    scans and embedding leave the second kind as they are."""
    roots = [path for _, path in store.roots()]
    return [p for p in roots if os.path.isdir(p)], [p for p in roots if not os.path.isdir(p)]


def forget_emptied_folders(store: Store) -> list[str]:
    """Forget the library folders that are gone and hold no loops any more: each of their
    loops was found in another folder (the folder was renamed or moved, and added again), so
    nothing goes with them, and rescans stop calling them not reachable. A folder that is gone
    and still holds loops (a drive not mounted) stays. Returns their paths."""
    forgotten = []
    for root_id, path in store.roots():
        if not os.path.isdir(path) and store.root_summary(root_id)[0] == 0:
            store.remove_root(root_id)
            forgotten.append(path)
    return forgotten


def plan_roots(store: Store, folders: list[str]) -> dict[str, int]:
    """Each folder to scan -> the id of the library folder ("root") its files belong to.

    A folder inside a library folder is scanned as part of it (no second root, so a rescan
    does not walk it twice); a folder above library folders takes them in, with their loops
    (so do folders nested in a library by older versions, which kept both).
    """
    wanted = outermost(folders)
    plan = {}
    for folder in wanted:
        containing = [(i, r) for i, r in store.roots() if is_within(folder, r)]
        if containing:
            root_id, top = min(containing, key=lambda root: len(root[1]))
        else:
            root_id, top = store.add_root(folder), folder
        plan[folder] = root_id
        for other_id, other in store.roots():
            if other_id != root_id and is_within(other, top):
                store.merge_root(other_id, root_id)
    return plan


def scan(
    store: Store,
    paths: list[str],
    cancel: CancelToken | None = None,
    unchanged: Collection[str] = (),
) -> Job[ScanSummary]:
    """Scan `paths` (folders) into `store`; yields Progress, returns a ScanSummary.

    `unchanged`: folders below `paths` that hold what the last scan saw there (the window's
    folder watch knows; `folder_changes.folders_to_rescan`): they are not walked, and their
    loops are left as they are (a pack unpacked beside a thousand others is a scan of that
    pack)."""
    roots = resolve_roots(paths)
    summary = ScanSummary()
    for path in paths:
        real = os.path.realpath(os.path.expanduser(path))
        if not os.path.isdir(real):
            summary.problems.append((shown_path(path), "not a folder (skipped)"))
        elif not has_a_usable_name(real):
            summary.problems.append((shown_path(path), UNUSABLE_FOLDER_NAME))
    root_ids = plan_roots(store, roots)
    leave = frozenset(unchanged)

    # 1. list the files (cheap: no file is opened)
    found: dict[str, int] = {}  # path -> root id
    library_folders = dict(store.roots())
    unread: Counter[str] = Counter()
    for root, root_id in root_ids.items():
        if root != library_folders.get(root_id) and is_export_folder(root):
            summary.problems.append((shown_path(root), EXPORT_INSIDE_THE_LIBRARY))
            continue
        summary.roots.append(root)
        for path in iter_audio_files(
            root,
            lambda p, why: summary.problems.append((p, why)),
            summary.folders,
            unread,
            summary.linked,
            leave,
            summary.left,
        ):
            found.setdefault(path, root_id)
            if len(found) % 500 == 0:
                yield Progress(0, 0, f"listing files: {len(found)}")
            if cancel is not None and cancel.cancelled:
                summary.cancelled = True
                return summary
    summary.found = len(found)
    summary.unread_formats = dict(unread)

    # 2. look at each file
    known: dict[str, tuple] = {}  # what the library holds below the scanned folders
    for folder in root_ids:
        left_here = [left for left in summary.left if is_within(left, folder)]
        known.update(store.sample_identities(folder, besides=left_here))
    relinked: set[int] = set()
    moves: list[tuple[str, str]] = []  # (where a loop was, where the scan found it)
    items = list(found.items())
    done = 0
    # the files are read ahead on reader threads, and recorded here in their order
    looks = looks_in_order((path, known.get(path)) for path, _ in items)
    try:
        while done < len(items) and not summary.cancelled:
            # Commit in short time slices and yield outside them, so no write lock is held while the
            # caller (a GUI thread) looks at the progress, and a crash loses at most one slice.
            deadline = time.monotonic() + COMMIT_EVERY_S
            with store.transaction():
                while done < len(items) and time.monotonic() < deadline:
                    if cancel is not None and cancel.cancelled:
                        summary.cancelled = True
                        break
                    path, root_id = items[done]
                    row = known.get(path)
                    outcome = _record(
                        store, path, root_id, row, next(looks), found, relinked, moves
                    )
                    setattr(summary, outcome, getattr(summary, outcome) + 1)
                    summary.returned += bool(row and row[4] == "missing")
                    done += 1
            yield Progress(done, len(items), os.path.basename(items[done - 1][0]) if done else "")
    finally:
        looks.close()
    if moves:  # the exports that named them by their paths follow, and the library's links
        _look_again(store, follow_moves(store, moves).library_links, found, relinked)
    if not summary.cancelled:
        # 3. what we knew under these roots and did not find has gone missing
        gone = [
            row[0]
            for path, row in known.items()
            if path not in found and row[0] not in relinked and row[4] != "missing"
        ]
        store.mark_missing(gone)
        summary.missing = len(gone)
        for root_id in set(root_ids.values()):
            store.touch_root(root_id)
        summary.forgotten_folders = forget_emptied_folders(store)
    error_rows = store.execute(
        "SELECT path, error FROM samples WHERE status = 'error' ORDER BY path"
    ).fetchall()
    file_errors = [(p, m) for p, m in error_rows if p in found]
    summary.errors = len(file_errors)
    summary.problems.extend(file_errors)
    # a folder named as a root and also found below another root is reported once
    summary.problems[:] = list(dict.fromkeys(summary.problems))
    yield Progress(done, len(found), "scan finished")
    return summary


def _look_again(store: Store, paths: list[str], found: dict, relinked: set[int]) -> None:
    """Record again the loops of `paths` the scan found (links to a loop the scan found moved,
    re-pointed at it after they were looked at, leading nowhere then)."""
    rows = {path: store.sample_identity(path) for path in paths if path in found}
    again = [(path, row) for path, row in rows.items() if row is not None]
    looks = looks_in_order(again)
    try:
        with store.transaction():
            for path, row in again:
                _record(store, path, found[path], row, next(looks), found, relinked, [])
    finally:
        looks.close()


def _record(
    store: Store,
    path: str,
    root_id: int,
    known: tuple | None,
    look: FileLook,
    found: dict,
    relinked: set[int],
    moves: list[tuple[str, str]],
) -> str:
    """Bring one file's row up to date from `look`; return which summary counter it falls
    under."""
    if look.stat is None:
        message = look.problem
        if known:
            store.update_sample(known[0], status="error", error=message, error_kind="unreadable")
        else:
            store.insert_sample(
                path, root_id, status="error", error=message, error_kind="unreadable"
            )
        if not known:
            return "new"
        old_hash, status = known[3], known[4]
        # unreadable the last time too (no content hash was ever taken): nothing changed
        return "unchanged" if status == "error" and old_hash is None else "changed"
    if look.fields is None:
        return "unchanged"
    stat, hashes, fields = look.stat, look.hashes, look.fields
    digest = hashes.content if hashes else None
    identity = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "content_hash": digest}

    if known:
        sample_id, _, _, old_hash, status, error_kind = known
        same = hashes is not None and hashes.matches(old_hash)
        if not same:
            store.invalidate_features(sample_id)
        elif status == "error" and (error_kind or "").startswith(FOUND_DECODING):
            # The same bytes failed when all of them were decoded (NaN samples, no audio data
            # after a good header): the header probe above cannot see that and would call the
            # file ok, hiding its error until the next embedding fails again.
            if digest != old_hash:
                store.update_sample(sample_id, content_hash=digest)
            return "unchanged"
        store.update_sample(sample_id, root_id=root_id, **identity, **fields)
        return "unchanged" if same else "changed"

    # a loop whose file has gone and whose stored hash (either kind) is this file's has moved
    candidates = (
        store.samples_with_hash(hashes.content) + store.samples_with_hash(hashes.edges)
        if hashes
        else ()
    )
    for candidate_id, candidate_path, _status in candidates:
        if candidate_id in relinked or candidate_path in found or os.path.exists(candidate_path):
            continue  # a duplicate copy that is still there, not a move
        store.update_sample(candidate_id, path=path, root_id=root_id, **identity, **fields)
        relinked.add(candidate_id)
        moves.append((candidate_path, path))
        return "moved"
    sample_id = store.insert_sample(path, root_id, **identity, **fields)
    # a new copy of a flagged loop (the loop copied into a project's folder) is the same
    # sound: it takes the flag its copies carry, as a flag put on one copy goes on each
    flag = store.flag_of_copies(digest, besides=sample_id)
    if flag is not None:
        store.set_flag([sample_id], flag)
    return "new"
