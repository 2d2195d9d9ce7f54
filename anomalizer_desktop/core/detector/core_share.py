"""Share the CPU's cores among the torch trainings running at once on this computer.

Each torch process uses every core by default. Two Deep SVDD trainings at once (the window
training while `anomalizer train` runs in a terminal, or two libraries) then ask for twice the
cores there are, and torch's threads spin waiting for each other: on 2 cores each took 35 s
instead of 8 s (`bench train --n 10000 --dim 512 --epochs 3`, two at once). With one thread
each they took 9 s, while a training alone is 1.3-1.5x faster on both cores. So each training
registers itself while it runs, and before each epoch takes its share of the cores: all of
them when it is alone, half when another runs, all again when that one is done.

A training is registered as a file it holds a lock on (`fcntl.flock`) in a folder of this
user's in the system's temporary folder: a training that crashed or was killed leaves a file
nobody holds, which the next count deletes. Where there is no `fcntl` (Windows), each training
counts itself alone, as before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

#: where running trainings register (tests point it elsewhere)
FOLDER_ENV = "ANOMALIZER_TRAININGS_DIR"


def registry_folder() -> Path:
    override = os.environ.get(FOLDER_ENV)
    if override:
        return Path(override)
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"anomalizer-desktop-{user}" / "trainings"


class CoreShare:
    """One running training's share of the cores (`apply` before each epoch)."""

    def __init__(self, folder: Path, all_threads: int) -> None:
        self.folder = folder
        self.all_threads = all_threads

    def running(self) -> int:
        """How many trainings hold their registration now (this one included; at least 1)."""
        if fcntl is None:
            return 1
        live = 0
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                live += _held(Path(entry.path))
        return max(1, live)

    def threads(self) -> int:
        return max(1, self.all_threads // self.running())

    def apply(self) -> int:
        """Set torch's threads to this training's share; return it."""
        import torch

        threads = self.threads()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        return threads


def _held(path: Path) -> bool:
    """Whether a running training holds this registration; one nobody holds is deleted."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:  # deleted meanwhile: its training is done
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True  # locked: its training runs
    else:
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    finally:
        os.close(handle)


@contextlib.contextmanager
def sharing_cores(folder: Path | None = None) -> Iterator[CoreShare]:
    """Register a training for as long as the block runs; torch's threads are set back to
    what they were when it ends."""
    import torch

    before = torch.get_num_threads()
    folder = folder or registry_folder()
    handle = None
    mine = folder / f"{os.getpid()}-{uuid.uuid4().hex}"
    if fcntl is not None:
        with contextlib.suppress(OSError):  # cannot register: counted alone, as before
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(mine, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        yield CoreShare(folder, before)
    finally:
        if handle is not None:
            with contextlib.suppress(OSError):
                mine.unlink()
            os.close(handle)
        torch.set_num_threads(before)
