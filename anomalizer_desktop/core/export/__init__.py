"""Export tagged sets for a DAW: M3U8, XSPF, CSV, folders of links and folders of copies,
written atomically."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from anomalizer_desktop.core.export.atomic import FolderNotEmptyError, atomic_write_text
from anomalizer_desktop.core.export.conformed import Project
from anomalizer_desktop.core.export.folder import write_link_folder
from anomalizer_desktop.core.export.formats import to_csv, to_m3u8, to_xspf
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError, select_entries
from anomalizer_desktop.core.replacing import refuse_replacing_another_kind

#: "folder" links to the loops where they are (a DAW on this computer); "copies" copies them
#: (a set to take elsewhere: a USB stick, a collaborator, a laptop on stage)
FORMATS = ("m3u8", "xspf", "csv", "folder", "copies")
#: the formats that write a folder
FOLDER_FORMATS = ("folder", "copies")


#: the file names each playlist format may replace (any letter case)
FILE_SUFFIXES = {"m3u8": (".m3u8", ".m3u"), "xspf": (".xspf",), "csv": (".csv",)}


def write_export(
    entries: list[ExportEntry],
    fmt: str,
    target: str | os.PathLike[str],
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    project: Project | None = None,
) -> Path:
    """Write `entries` as `fmt` to `target` atomically; raise ExportError when it cannot.
    `progress(done, total)`: after each file of a folder export (see `write_link_folder`).
    `project`: a folder of copies holds each loop at the project's tempo and key."""
    if fmt in FILE_SUFFIXES:  # (`export --format csv kick.wav` wrote CSV over the loop)
        refuse_replacing_another_kind(target, FILE_SUFFIXES[fmt], ExportError)
    if fmt == "m3u8":
        return atomic_write_text(target, to_m3u8(entries))
    if fmt == "xspf":
        return atomic_write_text(target, to_xspf(entries, title=Path(target).stem))
    if fmt == "csv":
        return atomic_write_text(target, to_csv(entries))
    if fmt in FOLDER_FORMATS:
        copy = fmt == "copies"
        at = project if copy else None
        return write_link_folder(entries, target, overwrite, copy, progress, at)[0]
    raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def files_size(entries: list[ExportEntry]) -> int:
    """The bytes the entries' files take (what a folder of copies needs; missing ones
    count 0)."""
    total = 0
    for entry in entries:
        with contextlib.suppress(OSError):
            total += os.path.getsize(entry.path)
    return total


__all__ = [
    "FOLDER_FORMATS",
    "FORMATS",
    "ExportEntry",
    "ExportError",
    "FolderNotEmptyError",
    "Project",
    "files_size",
    "select_entries",
    "write_export",
]
