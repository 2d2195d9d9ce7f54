"""Write over an existing file only when it is a file of the kind being written.

A path typed one word wrong (`anomalizer export --format csv kick.wav`) replaced a loop with
CSV text. Files the program writes (playlists, CSV, Parquet, JSON) replace an existing file
only when its name ends the way theirs do.
"""

from __future__ import annotations

import os
from pathlib import Path

from anomalizer_desktop.core.errors import AnomalizerError


def refuse_replacing_another_kind(
    target: str | os.PathLike[str],
    suffixes: tuple[str, ...],
    error: type[AnomalizerError] = AnomalizerError,
) -> None:
    """Raise `error` when `target` is an existing file whose name does not end in one of
    `suffixes` (any letter case)."""
    path = Path(target).expanduser()
    if path.is_file() and not path.name.lower().endswith(suffixes):
        raise error(
            f"{path} exists and is not a {suffixes[0]} file; it is left as it is:"
            f" choose a name ending in {suffixes[0]}"
        )


def refuse_unwritable_place(target: str | os.PathLike[str], error: type[AnomalizerError]) -> None:
    """Raise `error` when `target` could not be written: its folder is not there, or this
    user may not write into it. For results that come after minutes of work."""
    folder = Path(target).expanduser().absolute().parent
    if not folder.is_dir():
        raise error(f"cannot write {target}: its folder {folder} is not there")
    if not os.access(folder, os.W_OK):
        raise error(
            f"cannot write {target}: {folder} is read-only here (its drive or its permissions)"
        )
