"""Find audio files under a folder without hanging on symlink loops or dying on locked folders."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from anomalizer_desktop.core.audio.formats import is_audio_path


def iter_audio_files(root: str, on_error: Callable[[str, str], None]) -> Iterator[str]:
    """Yield the audio files below `root` (following folder symlinks once), in a stable order.

    Hidden folders (".git", ".Trash") and macOS AppleDouble files ("._loop.wav") are skipped.
    Each folder that cannot be read is reported through `on_error(path, reason)` and skipped.
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
        key = (stat.st_dev, stat.st_ino)
        if key in seen_dirs:  # a symlink loop, or a second link to a folder we already walked
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("._") and is_audio_path(name):
                yield os.path.join(dirpath, name)
