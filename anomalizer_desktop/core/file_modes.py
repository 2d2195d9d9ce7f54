"""Permissions for files we write through a temporary file and a rename.

`tempfile.mkstemp` and `mkdtemp` make private files (0600) and folders (0700). That is right for
scratch space and wrong for what the user takes elsewhere: a playlist, a folder of links or a
features file would be unreadable to a DAW running as another user or to a colleague on a share.
`as_if_created` gives such a file the mode a plain `open(..., "w")` or `mkdir` would have given it.
"""

from __future__ import annotations

import os
from pathlib import Path


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask would set it, for a moment, for
    every thread, and the workers create files too); 0o022 where the system does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def as_if_created(path: str | os.PathLike[str], base_mode: int) -> None:
    """chmod `path` to `base_mode` (0o666 for a file, 0o777 for a folder) less the umask."""
    os.chmod(Path(path), base_mode & ~current_umask())
