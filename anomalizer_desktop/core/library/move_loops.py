"""Move loops' files into another folder, or rename them, the library following them: the
step after finding the loops that don't fit, for the ones worth keeping somewhere else (a
"Rejects" folder, the pack they belong to), and a name that says what a loop is.

Into a folder the library scans, each moved loop keeps its row: its flag, note, tags, vector,
scores and place on the map go with it, as a rescan would relink a file moved by hand. Into a
folder outside the library's folders, the moved loops leave the library (their flags, notes
and tags with them), as with the trash, but the files are kept there.

A move never replaces a file: a loop whose name is taken in the folder stays where it is. A
move within a drive is a rename; across drives the file is copied beside its new name under a
hidden one, synced, given its name, and only then deleted where it was, so a full drive or an
unplugged one leaves the loop whole where it was; the hidden partial copy a killed move leaves
is deleted by a later move into that folder. A link moves as a link to the same file. A crash
between a file's move and the library's update leaves the file in its new folder, which the
next rescan relinks by its content (flags kept). The exports that named a moved loop by its
path (folders of links, playlists) follow it (`followed_exports`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import stat
import time
import uuid
from dataclasses import dataclass, field

from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress
from anomalizer_desktop.core.library.followed_exports import Followed, follow_moves
from anomalizer_desktop.core.library.kept_rows import KeptRows, forget_kept
from anomalizer_desktop.core.library.scanner import is_within
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import has_a_usable_name, is_export_folder, shown_path
from anomalizer_desktop.core.text import quantity


class MoveError(AnomalizerError):
    """The folder cannot take loops (not a folder, one of this app's exports)."""


@dataclass
class MoveResult:
    folder: str
    #: the folder is one the library scans: the moved loops stay in it, with their data
    in_library: bool
    moved: list[tuple[str, str]] = field(default_factory=list)  # (where it was, where it is)
    here: list[str] = field(default_factory=list)  # in that folder already
    taken: list[str] = field(default_factory=list)  # a file of its name is there: not moved
    gone: list[str] = field(default_factory=list)  # no file to move
    failed: dict[str, str] = field(default_factory=dict)  # not moved: path -> why
    #: moved, but the library could not be updated (the next rescan relinks them)
    not_recorded: list[str] = field(default_factory=list)
    cancelled: bool = False
    #: what of the exports that named the moved loops by their paths now names them where
    #: they are (links, playlist entries)
    followed: Followed = field(default_factory=Followed)
    #: the rows of the loops that left the library, to put back when the move is undone
    left: KeptRows = field(default_factory=KeptRows)

    def stayed(self) -> list[tuple[str, str]]:
        """(path, why) for each loop that did not move as asked: the window's dialog and the
        command line's list say the same. (Not `problems`: the window reads a job result's
        `problems` as a scan's list of files with problems.)"""
        unnoted = (
            "moved, but the library file could not be written: a rescan finds it there"
            if self.in_library
            else "moved, but the library file could not be written: it lists the loop as"
            " missing after a rescan (`anomalizer forget` clears it)"
        )
        return [
            *((p, "a file of the same name is in the folder (never replaced)") for p in self.taken),
            *((p, "its file is gone (a drive not connected?)") for p in self.gone),
            *self.failed.items(),
            *((p, unnoted) for p in self.not_recorded),
        ]

    def report(self) -> str:
        """One line for a status bar or a terminal: "Moved 2 loops to Rejects; not moved: 1
        with a name taken there."."""
        where = shown_path(self.folder)
        stayed = ", ".join(
            f"{len(items)} {why}"
            for items, why in (
                (self.here, "in it already"),
                (self.taken, "with a name taken there"),
                (self.gone, "whose file is gone"),
                (self.failed, "that could not be moved"),
            )
            if items
        )
        if self.moved:
            text = f"Moved {quantity(len(self.moved), 'loop')} to {where}"
            if not self.in_library:
                text += " (they left the library)"
            text += f"; not moved: {stayed}" if stayed else ""
            if self.followed.text():
                text += f"; {self.followed.text()}"
        else:
            text = f"Nothing moved to {where}" + (f": {stayed}" if stayed else "")
        return text + ("; cancelled." if self.cancelled else ".")


def library_folder_id(store: Store, folder: str) -> int | None:
    """The id of the library folder whose scans find loops in `folder` (the outermost that
    holds it), or None: outside them all, or below a hidden folder or an export's folder,
    which scans pass by."""
    folder = os.path.realpath(folder)
    holding = [(i, root) for i, root in store.roots() if is_within(folder, root)]
    if not holding:
        return None
    root_id, root = min(holding, key=lambda held: len(held[1]))
    below = os.path.relpath(folder, root).split(os.sep) if folder != root else []
    step = root
    for name in below:
        step = os.path.join(step, name)
        if name.startswith(".") or is_export_folder(step):
            return None
    return root_id


def moved_path(path: str, folder: str) -> str:
    """Where the file at `path` goes when moved into `folder`: the same name there."""
    return os.path.join(folder, os.path.basename(path))


def move_loops(
    store: Store,
    loops: dict[str, int],
    folder: str,
    cancel: CancelToken | None = None,
) -> Job[MoveResult]:
    """Move the files of `loops` (path -> sample id) into `folder` (made when missing), and
    update the library (see the module docstring); yields Progress per file, stops between
    files when cancelled."""
    folder = os.path.realpath(os.path.expanduser(folder))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise MoveError(f"{shown_path(folder)} is a file, not a folder")
    if not has_a_usable_name(folder):
        raise MoveError(f"{shown_path(folder)}: the folder's name is not valid UTF-8")
    if is_export_folder(folder):
        raise MoveError(
            f"{shown_path(folder)} is an export's folder (the next export there replaces it):"
            " choose another"
        )
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise MoveError(f"{shown_path(folder)} could not be made: {os_reason(error)}") from None
    clear_stale_partials(folder)
    root_id = library_folder_id(store, folder)
    result = MoveResult(folder, in_library=root_id is not None)
    left: list[int] = []
    for done, (path, sample_id) in enumerate(loops.items()):
        if cancel is not None and cancel.cancelled:
            result.cancelled = True
            break
        yield Progress(done, len(loops), f"moving {os.path.basename(path)}")
        target = moved_path(path, folder)
        if os.path.realpath(os.path.dirname(path)) == folder:
            result.here.append(path)
        elif move_one(store, path, target, result):
            if root_id is None:
                left.append(sample_id)
            else:
                _note_move(store, sample_id, result, root_id=root_id)
    try:
        result.left = forget_kept(store, left)  # (kept: Ctrl+Z brings them back)
    except (sqlite3.Error, AnomalizerError):
        result.not_recorded += [new for _, new in result.moved]
    result.followed = follow_moves(store, result.moved)
    return result


def move_each(
    store: Store, moves: list[tuple[int, str, str]], cancel: CancelToken | None = None
) -> Job[MoveResult]:
    """Move each loop's file (sample id, from, to) to a path of its own, the library following:
    a move undone (or redone), each loop back to the folder it came from. Nothing is replaced.
    A loop already at its target (an undo cancelled half way, then redone) is `here`. Yields
    Progress per file, stops between files when cancelled (between drives a file is a copy)."""
    result = MoveResult("", in_library=True)
    for progress, (sample_id, path, target) in moving(moves, result, cancel):
        yield progress
        if not os.path.lexists(path) and store.sample_ids_for_paths([target]) == {
            target: sample_id
        }:
            result.here.append(path)
        elif move_one(store, path, target, result):
            root_id = library_folder_id(store, os.path.dirname(target))
            fields = {} if root_id is None else {"root_id": root_id}
            _note_move(store, sample_id, result, **fields)
    result.followed = follow_moves(store, result.moved)
    return result


def moving(moves: list[tuple[int, str, str]], result: MoveResult, cancel: CancelToken | None):
    """(Progress, move) for each move (sample id, from, to) of a job that moves files one by
    one, until `cancel` says so (then `result.cancelled`): the job yields the Progress."""
    for done, move in enumerate(moves):
        if cancel is not None and cancel.cancelled:
            result.cancelled = True
            return
        yield Progress(done, len(moves), f"moving {os.path.basename(move[1])}"), move


def move_one(store: Store, path: str, target: str, result: MoveResult) -> bool:
    """Move one loop's file to `target`, noting in `result` why when it does not (a file of
    that name there, or a loop of the library at that path whose file is gone)."""
    if not os.path.lexists(path):
        result.gone.append(path)
    elif store.sample_ids_for_paths([target]):  # a loop of the library whose file is gone
        result.taken.append(path)
    else:
        try:
            move_file(path, target)
        except FileExistsError:
            result.taken.append(path)
        except OSError as error:
            result.failed[path] = os_reason(error)
        else:
            result.moved.append((path, target))
            return True
    return False


def _note_move(store: Store, sample_id: int, result: MoveResult, **fields: object) -> None:
    """The library's row of the loop `result` moved last, at its new path."""
    target = result.moved[-1][1]
    try:
        _follow(store, sample_id, target, **fields)
    except (sqlite3.Error, AnomalizerError):
        result.not_recorded.append(target)


def _follow(store: Store, sample_id: int, path: str, **fields: object) -> None:
    """The loop's row at its file's new path, with the modification time a scan compares (a
    file copied across drives may keep it only to the microsecond)."""
    with contextlib.suppress(OSError):  # (a link that leads nowhere has none)
        fields["mtime_ns"] = os.stat(path).st_mtime_ns
    store.update_sample(sample_id, path=path, **fields)


def renamed_path(path: str, name: str) -> str:
    """Where `path` goes when renamed `name`, in its own folder; the file's extension stays
    (a WAV named "kick.mp3" would not become an MP3: "kick.mp3.wav"). Raises MoveError for a
    name that is empty or names another folder."""
    name = name.strip()
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        raise MoveError(f"{name!r} cannot be a file's name (a name, without folders)")
    extension = os.path.splitext(path)[1]
    if extension and not name.lower().endswith(extension.lower()):
        name += extension
    return os.path.join(os.path.dirname(path), name)


def rename_loop(store: Store, sample_id: int, path: str, name: str) -> str:
    """Rename a loop's file in its folder (`renamed_path`), the library following it with its
    flag, note, tags, vector and scores; returns the new path. Raises MoveError when the
    name is not usable or is taken (a file there, or a library loop whose file is gone), and
    OSError when the system refuses (the file then as it was)."""
    target = renamed_path(path, name)
    if target == path:
        return path
    taken = store.sample_ids_for_paths([target])
    case_only = os.path.normcase(target) == os.path.normcase(path) or _same_file(path, target)
    if taken or (os.path.lexists(target) and not case_only):
        raise MoveError(f"{os.path.basename(target)} is taken in that folder")
    if case_only:  # "kick.wav" -> "Kick.wav" on a drive that ignores case: one file
        os.rename(path, target)
    else:
        move_file(path, target)
    try:
        _follow(store, sample_id, target)
    except (sqlite3.Error, AnomalizerError) as error:
        raise MoveError(
            f"renamed {os.path.basename(target)}, but the library file could not be written"
            f" ({error}): a rescan finds it under its new name"
        ) from None
    follow_moves(store, [(path, target)])
    return target


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def move_file(source: str, target: str) -> None:
    """Move `source` to `target` without ever replacing a file there (FileExistsError); see
    the module docstring for how. Raises OSError with the system's reason otherwise, the file
    then where it was."""
    if os.path.islink(source):
        _move_link(source, target)
        return
    try:
        os.link(source, target)  # the new name first: raises when one is there
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno == errno.EXDEV:
            _copy_to(source, target)
        else:  # a drive without hard links (FAT, exFAT, a share): rename, after looking
            _rename_unless_there(source, target)
            return
    try:
        os.unlink(source)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(target)  # the file stays where it was, once
        raise


def _rename_unless_there(source: str, target: str) -> None:
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "File exists", target)
    os.rename(source, target)


#: a copy across drives is written under a hidden name of this form ("_copy_to")
PARTIAL_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.partial$")
#: a partial copy this much older than now was left by a move that was killed (a crash, a
#: power cut): the next move into its folder deletes it. One younger may be another move's
STALE_PARTIAL_S = 3600.0


def clear_stale_partials(folder: str) -> list[str]:
    """Delete the partial copies a killed move left in `folder` (hidden, never scanned, but
    as big as the loops they copied); returns their names. In 5 moves across drives killed
    with SIGKILL, none lost a loop or left one in both folders, and 5 left a partial each."""
    cleared = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not PARTIAL_NAME.match(entry.name):
                continue
            with contextlib.suppress(OSError):  # (made changes the inode's time, copy2 not)
                if time.time() - entry.stat(follow_symlinks=False).st_ctime > STALE_PARTIAL_S:
                    os.unlink(entry.path)
                    cleared.append(entry.name)
    return cleared


def _copy_to(source: str, target: str) -> None:
    """Copy `source` to `target` on another drive, whole and synced before it takes its name
    (a hidden partial name meanwhile, which scans pass by)."""
    partial = os.path.join(
        os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex[:8]}.partial"
    )
    try:
        shutil.copy2(source, partial)
        _sync(partial)
        try:
            os.link(partial, target)
        except FileExistsError:
            raise
        except OSError:
            _rename_unless_there(partial, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(partial)


def _sync(path: str) -> None:
    """Make the copy at `path` durable before its original is deleted. It has its original's
    mode, often read-only in a sample pack: fsync through a read-only handle where the system
    allows it (POSIX); Windows wants one that writes, so the mode is lifted for it."""
    if os.name != "nt":
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
        return
    mode = os.stat(path).st_mode
    os.chmod(path, mode | stat.S_IWRITE)
    try:
        with open(path, "rb+") as copy:
            os.fsync(copy.fileno())
    finally:
        os.chmod(path, mode)


def _move_link(source: str, target: str) -> None:
    """A link moves as a link to the same file (a relative one would lead nowhere from its
    new folder)."""
    leads_to = os.readlink(source)
    if not os.path.isabs(leads_to):
        leads_to = os.path.normpath(os.path.join(os.path.dirname(source), leads_to))
    os.symlink(leads_to, target)  # raises FileExistsError when a file is there
    try:
        os.unlink(source)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise
