"""Export a selection as a folder of symbolic links (copies where links are not allowed)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from anomalizer_desktop.core.export.atomic import atomic_build_folder
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem (2).ext`, `stem (3).ext`... whichever is free (case-insensitively)."""
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.casefold())
    return candidate


def write_link_folder(
    entries: list[ExportEntry],
    target: str | os.PathLike[str],
    overwrite: bool = False,
    copy: bool = False,
) -> tuple[Path, int]:
    """Fill `target` with one link per entry; return (folder, how many were copied instead)."""
    copies = 0

    def build(folder: Path) -> None:
        nonlocal copies
        taken: set[str] = set()
        for entry in entries:
            if not os.path.exists(entry.path):
                raise ExportError(f"cannot export {entry.path}: the file is missing")
            link = folder / unique_name(os.path.basename(entry.path), taken)
            if not copy:
                try:
                    os.symlink(entry.path, link)
                    continue
                except OSError:
                    pass  # file system or OS without symlinks: copy instead
            shutil.copy2(entry.path, link)
            copies += 1

    return atomic_build_folder(target, build, overwrite=overwrite), copies
