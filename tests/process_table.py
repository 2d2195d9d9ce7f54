"""Which processes a test started are still there (Linux: `ps` and /proc)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def children(pid: int) -> set[int]:
    """The ids of `pid`'s child processes."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
