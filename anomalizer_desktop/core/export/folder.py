"""Export a selection as a folder of symbolic links (copies where links are not allowed), or
of copies when asked (at the project's tempo and key, with a `Project`: core.export.conformed)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from anomalizer_desktop.core.export.atomic import atomic_build_folder
from anomalizer_desktop.core.export.conformed import (
    CannotConform,
    Project,
    conformed_name,
    write_conformed,
)
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError
from anomalizer_desktop.core.library.walk import EXPORT_MARKER


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem (2).ext`, `stem (3).ext`... whichever is free (case-insensitively)."""
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.casefold())
    return candidate


#: written into each exported folder: the names the export made, one per line, so that
#: replacing an export (`--overwrite`, Replace in the window) never deletes a file of the user's,
#: and a scan of the folders around it leaves it out
MARKER = EXPORT_MARKER


def not_made_by_an_export(folder: Path) -> list[str]:
    """The names in `folder` that no export made: anything but links and the files its marker
    lists (folders exported before the marker hold links only)."""
    made = {MARKER}
    with contextlib.suppress(OSError, UnicodeDecodeError):  # (no marker: links only)
        made.update((folder / MARKER).read_text(encoding="utf-8").splitlines())
    try:
        names = os.listdir(folder)
    except OSError as error:
        return [f"(cannot list it: {error.strerror})"]
    return sorted(n for n in names if n not in made and not (folder / n).is_symlink())


def _linked(source: str, link: Path) -> bool:
    """Make `link` a symbolic link to `source`; False on a file system or OS without them."""
    try:
        os.symlink(source, link)
    except OSError:
        return False
    return True


def _conformed(entry: ExportEntry, project: Project, folder: Path, taken: set[str]) -> bool:
    """Write the loop into `folder` as it plays at `project`; False when it plays as it is
    there, or cannot be decoded to be stretched (then it is copied as it is, as a folder of
    copies would hold it)."""
    name = conformed_name(entry, project)
    if name is None:
        return False
    claimed = unique_name(name, taken)
    try:
        write_conformed(entry, project, folder / claimed)
    except CannotConform:
        taken.discard(claimed.casefold())  # (its copy goes under its own name: this one is free)
        return False
    return True


def write_link_folder(
    entries: list[ExportEntry],
    target: str | os.PathLike[str],
    overwrite: bool = False,
    copy: bool = False,
    progress: Callable[[int, int], None] | None = None,
    project: Project | None = None,
) -> tuple[Path, int]:
    """Fill `target` with one link per entry (with `copy`, a copy of each file; with a
    `project` too, each loop as it plays at the project's tempo and key); return (folder, how
    many were copied). `progress(done, total)` is called after each file; what it raises stops
    the export, and nothing of it is left (the folder is built aside)."""
    copies = 0

    def build(folder: Path) -> None:
        nonlocal copies
        taken: set[str] = set()
        for done, entry in enumerate(entries, 1):
            if not os.path.exists(entry.path):
                raise ExportError(f"cannot export {entry.path}: the file is missing")
            if copy and project and _conformed(entry, project, folder, taken):
                copies += 1
                if progress is not None:
                    progress(done, len(entries))
                continue
            link = folder / unique_name(os.path.basename(entry.path), taken)
            if copy or not _linked(entry.path, link):
                shutil.copy2(entry.path, link)
                copies += 1
            if progress is not None:
                progress(done, len(entries))
        made = "".join(f"{n}\n" for n in sorted(os.listdir(folder)))
        (folder / MARKER).write_text(made, encoding="utf-8")

    folder = atomic_build_folder(target, build, overwrite, foreign=not_made_by_an_export)
    return folder, copies
