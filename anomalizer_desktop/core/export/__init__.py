"""Export tagged sets for a DAW: M3U8, XSPF, CSV and folders of links, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

from anomalizer_desktop.core.export.atomic import FolderNotEmptyError, atomic_write_text
from anomalizer_desktop.core.export.folder import write_link_folder
from anomalizer_desktop.core.export.formats import to_csv, to_m3u8, to_xspf
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError, select_entries
from anomalizer_desktop.core.replacing import refuse_replacing_another_kind

FORMATS = ("m3u8", "xspf", "csv", "folder")


#: the file names each playlist format may replace (any letter case)
FILE_SUFFIXES = {"m3u8": (".m3u8", ".m3u"), "xspf": (".xspf",), "csv": (".csv",)}


def write_export(
    entries: list[ExportEntry], fmt: str, target: str | os.PathLike[str], overwrite: bool = False
) -> Path:
    """Write `entries` as `fmt` to `target` atomically; raise ExportError when it cannot."""
    if fmt in FILE_SUFFIXES:  # (`export --format csv kick.wav` wrote CSV over the loop)
        refuse_replacing_another_kind(target, FILE_SUFFIXES[fmt], ExportError)
    if fmt == "m3u8":
        return atomic_write_text(target, to_m3u8(entries))
    if fmt == "xspf":
        return atomic_write_text(target, to_xspf(entries, title=Path(target).stem))
    if fmt == "csv":
        return atomic_write_text(target, to_csv(entries))
    if fmt == "folder":
        return write_link_folder(entries, target, overwrite=overwrite)[0]
    raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "ExportEntry",
    "ExportError",
    "FolderNotEmptyError",
    "select_entries",
    "write_export",
]
