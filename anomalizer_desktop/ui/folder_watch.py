"""Watch the library's folders while the window is open, so new loops come in by themselves.

A producer keeps the app open and drops a pack into a loop folder, or a download lands there:
without this, those loops waited for Rescan or the next start. The system's file watcher
(QFileSystemWatcher: inotify on Linux, FSEvents on macOS, change notifications on Windows)
tells when something in a folder came, went or was renamed. After QUIET_MS without more news
the folders it named are compared with what the last scan saw there
(`core.library.folder_changes`, in a worker): only a change to the loops or the subfolders
counts (their names, or a loop saved again: written aside and renamed over the old one), and
a folder still being written to is looked at again later; a folder that holds
just what the library lists there (the app moved, renamed or trashed loops in it) is taken as
it is now, and a new one a move made is watched. Then `changed` names the folders whose loops
changed; the window scans those folders again (`rescan_scope`: the library folder around them
only where a link leads into it), when it can (not in the middle of another job).

What the watch compares with comes from the scans themselves (`ScanSummary.folders`): a folder
changed while a scan walked it is either in what the scan found or noticed afterwards, never
lost between the two. The system may limit how many folders one program watches (Linux's
inotify limit; `MAX_FOLDERS` sets one of our own where watching costs more); the folders over
it are counted in `unwatched`, and Rescan still finds their loops.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from anomalizer_desktop.core.library.folder_changes import (
    check_folders,
    folders_to_rescan,
    inside_any,
    list_folders,
)
from anomalizer_desktop.core.library.scanner import is_within
from anomalizer_desktop.ui.workers import JobRunner

#: wait this long after the last change before looking: an unpacking sends hundreds
QUIET_MS = 1500
#: folders handed to the system's watcher per turn of the event loop. 10,000 at once held the
#: window 0.24 s; Qt's cost per folder grows with the folders it watches, so batches of 1,000
#: took up to 80 ms each, and batches of 250 take at most 11 ms (10,101 folders, this machine)
SYNC_BATCH = 250
#: at most this many folders are watched, where the system's watcher costs more per folder:
#: Qt on Windows waits on 63 folders per thread (4,000 folders: 64 threads). The shallowest
#: folders are watched first (the library folders themselves, then their packs)
MAX_FOLDERS = {"win32": 4000}


class FolderWatch(QObject):
    """Emits `changed(folders)` when loops came, went or were renamed in those folders."""

    changed = Signal(list)
    #: the system refused to watch some folders (watched, wanted): said once per shortfall
    limited = Signal(int, int)

    def __init__(self, runner: JobRunner, parent=None, quiet_ms: int = QUIET_MS) -> None:
        super().__init__(parent)
        self.runner = runner
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._noticed)
        #: folder -> its signature as the last scan (or listing) saw it: the folders watched
        self._seen: dict[str, int] = {}
        #: the folders among them reached through a link (`walk.iter_audio_files`)
        self._linked: set[str] = set()
        self._noticed_folders: set[str] = set()
        #: folders noticed since the last scan began to be what the watch compares with: looked
        #: at again after it (the scan may have walked them before the change)
        self._since_scan: set[str] = set()
        self._quiet = QTimer(self, singleShot=True, interval=quiet_ms)
        self._quiet.timeout.connect(self._look)
        self._sync = QTimer(self, singleShot=True, interval=0)
        self._sync.timeout.connect(self._sync_step)
        self._to_remove: list[str] = []  # what `_sync_step` has still to hand over
        self._to_add: list[str] = []
        self.active = False
        #: folders the system would not watch (over its limit): Rescan still finds their loops
        self.unwatched = 0

    # ------------------------------------------------------------------ what to watch
    def start(self, roots: list[str]) -> None:
        """Watch `roots` from what they hold now (used when no scan ran as the library opened;
        a scan's summary does the same through `scanned`)."""
        self.active = True
        linked: set[str] = set()
        handle = self.runner.start(
            "watch", lambda _store, cancel: list_folders(roots, cancel, linked)
        )
        if handle is None:  # a look is running: try again in a moment
            QTimer.singleShot(500, self, lambda: self.active and self.start(roots))
            return
        handle.finished.connect(lambda folders: self._replace(roots, folders or {}, linked))

    def scanned(self, summary) -> None:
        """A scan walked `summary.roots`: what it saw there is what the watch compares with."""
        if not self.active or summary is None or summary.cancelled:
            return
        # a folder new to the watch is watched from now on: what came into it after the scan
        # walked it and before then went unnoticed (a pack still being unpacked), so it is
        # looked at once more (not at the first scan: the check as the library opens)
        new = {f for f in summary.folders if f not in self._seen} if self._seen else set()
        self._replace(summary.roots, summary.folders, summary.linked, summary.left)
        self._noticed_folders |= self._since_scan | new
        self._since_scan.clear()
        if self._noticed_folders:
            self._quiet.start()

    def forget(self, root: str) -> None:
        """`root` left the library: stop watching its folders."""
        self._seen = {f: s for f, s in self._seen.items() if not is_within(f, root)}
        self._linked = {f for f in self._linked if not is_within(f, root)}
        if self.active:
            self._sync_watcher()

    def stop(self) -> None:
        self.active = False
        self._quiet.stop()
        self._sync.stop()
        self._to_remove, self._to_add = [], []
        self._noticed_folders.clear()
        self._since_scan.clear()
        self._seen.clear()
        self._linked.clear()
        watched = self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        self.unwatched = 0

    def watched(self) -> list[str]:
        return self._watcher.directories()

    def rescan_scope(self, changed, roots: list[str]) -> tuple[list[str], set[str]]:
        """The folders to scan again for the `changed` ones, in the library folders `roots`,
        and the folders below them the scan can leave as they are
        (`folder_changes.folders_to_rescan`): only folders the system watches now (one deleted
        and made again, a pack unpacked over itself, is no longer watched until the watch
        catches up), and none while some are over the system's limit or not handed to it
        yet, as a change there goes unnoticed."""
        if self.unwatched or self.syncing():
            return folders_to_rescan(changed, roots, self._linked)
        watched = set(self._watcher.directories())
        seen = [folder for folder in self._seen if folder in watched]
        return folders_to_rescan(changed, roots, self._linked, seen)

    def _replace(
        self, roots: list[str], folders: dict[str, int], linked=(), left=frozenset()
    ) -> None:
        """The folders below `roots` (library folders, or folders in them a scan walked) are
        now `folders` (each with what it holds), but those below `left` (a scan left them as
        they were); those of them reached through a link are `linked`."""
        if not self.active:
            return
        below = [f for f in self._seen if any(is_within(f, root) for root in roots)]
        for folder in [f for f in below if not inside_any(f, left)] if left else below:
            del self._seen[folder]
        self._seen.update(folders)
        self._linked = {f for f in self._linked if not any(is_within(f, r) for r in roots)}
        self._linked.update(linked)
        self._sync_watcher()

    def _sync_watcher(self) -> None:
        """Bring the system's watcher to the folders in `_seen`, a batch per turn of the event
        loop (`_sync_step`)."""
        watched = set(self._watcher.directories())
        wanted = set(self._seen)
        most = MAX_FOLDERS.get(sys.platform)
        if most is not None and len(wanted) > most:
            wanted = set(sorted(wanted, key=lambda f: (f.count(os.sep), f))[:most])
        self._to_remove = sorted(watched - wanted)
        self._to_add = sorted(wanted - watched)
        self._sync.start()

    def syncing(self) -> bool:
        """Whether folders are still being handed to the system's watcher."""
        return self._sync.isActive()

    def _sync_step(self) -> None:
        if not self.active:
            return
        if self._to_remove:
            batch, self._to_remove = self._to_remove[:SYNC_BATCH], self._to_remove[SYNC_BATCH:]
            self._watcher.removePaths(batch)
        elif self._to_add:
            batch, self._to_add = self._to_add[:SYNC_BATCH], self._to_add[SYNC_BATCH:]
            self._watcher.addPaths(batch)  # returns the folders refused: counted at the end
        if self._to_remove or self._to_add:
            self._sync.start()  # the next batch in the next turn
            return
        short_before = self.unwatched
        self.unwatched = len(self._seen) - len(self._watcher.directories())
        if self.unwatched and not short_before:
            self.limited.emit(len(self._seen) - self.unwatched, len(self._seen))

    # ------------------------------------------------------------------ noticing
    def look_again(self, folders: list[str]) -> None:
        """Look at these folders as if the system had said they changed: a loop written over
        in place (an audio editor's save) sends its folder nothing. Only folders watched are
        looked at; one whose loops are as the library holds them starts no scan."""
        for folder in folders:
            if folder in self._seen:
                self._noticed(folder)

    def _noticed(self, folder: str) -> None:
        if not self.active:
            return
        self._noticed_folders.add(folder)
        self._since_scan.add(folder)
        self._quiet.start()  # (again: wait until the changes pause)

    def _look(self) -> None:
        if not self.active or not self._noticed_folders:
            return
        folders, self._noticed_folders = self._noticed_folders, set()
        seen = {folder: self._seen[folder] for folder in folders if folder in self._seen}
        handle = self.runner.start("watch", lambda store, _cancel: _check_job(store, seen, folders))
        if handle is None:  # the listing is still running: look once it is done
            self._noticed_folders |= folders
            self._quiet.start()
            return
        handle.finished.connect(self._looked)

    def _looked(self, check) -> None:
        if not self.active or check is None:
            return
        self._adopt(check.as_listed)
        if check.settling:  # still being written: look at those again after a pause
            self._noticed_folders.update(check.settling)
            self._quiet.start()
        done = [folder for folder in check.changed if folder not in check.settling]
        if done:
            self.changed.emit(done)

    def _adopt(self, as_listed: dict[str, int]) -> None:
        """Folders that hold just what the library lists (the app moved, renamed or trashed
        loops there): compared from now on with what they hold now; a new one (made by a
        move) is watched, unless its library folder left the watch meanwhile."""
        new = False
        for folder in sorted(as_listed, key=len):  # a new folder's parent first
            if folder in self._seen or os.path.dirname(folder) in self._seen:
                new = new or folder not in self._seen
                self._seen[folder] = as_listed[folder]
        if new:
            self._sync_watcher()


def _check_job(store, seen: dict[str, int], folders: set[str]):
    """The worker's look at the folders noticed (a generator job, as the runner expects)."""
    yield from ()
    return check_folders(seen, folders, listed=store.names_listed_in, stamps=store.stamps_listed_in)
