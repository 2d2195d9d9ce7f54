"""Export every tag's loops at once, a set each, into one folder: `Sets/dark/`, `Sets/song-a/`
(folders of links), or `Sets/dark.m3u8`... A DAW's browser with `Sets` among its places then
shows the producer's sets as they tagged them, and exporting again brings them up to date.

One set that cannot be written (a folder of the user's files under a tag's name, a file that
cannot be replaced) is named with its reason; the other sets are still written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from anomalizer_desktop.core.export.atomic import FolderNotEmptyError
from anomalizer_desktop.core.export.folder import unique_name
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError, select_entries
from anomalizer_desktop.core.library.store import Store

#: what each format's set is named with after the tag's name
SUFFIXES = {"m3u8": ".m3u8", "xspf": ".xspf", "csv": ".csv", "folder": ""}


def file_name_part(text: str, empty: str = "tagged") -> str:
    """`text` fit for a file name on any system: what Windows, macOS or Linux refuse (and
    spaces) becomes "-"; `empty` when nothing is left."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", text).strip("-. ") or empty


@dataclass
class TagSetsResult:
    """What an export of every tag wrote: (tag, where, how many loops) per set written, and
    (tag, why) per set that was not."""

    folder: Path
    written: list[tuple[str, Path, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: sets left as they were: an earlier export, not replaced without `overwrite`
    earlier: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def loops(self) -> int:
        return sum(count for _, _, count in self.written)


def tag_sets(store: Store, **criteria) -> dict[str, list[ExportEntry]]:
    """Each tag's loops that are on disk (and meet `criteria`, as `select_entries` takes
    them), most used tag first, each set in the export's order; tags with no such loop left
    out. The library is read once, whatever the number of tags."""
    names = {tag.casefold(): tag for tag in store.tag_counts()}
    sets: dict[str, list[ExportEntry]] = {name: [] for name in names.values()}
    for entry in select_entries(store, **criteria):
        for tag in entry.tags:
            if tag.casefold() in names:
                sets[names[tag.casefold()]].append(entry)
    return {tag: entries for tag, entries in sets.items() if entries}


def export_tag_sets(
    sets: dict[str, list[ExportEntry]],
    fmt: str,
    folder: str | os.PathLike[str],
    overwrite: bool = False,
) -> TagSetsResult:
    """Write each set into `folder` (made when needed), named after its tag."""
    from anomalizer_desktop.core.export import write_export  # (the package imports this one)

    if not sets:
        raise ExportError("no loop on disk is tagged yet: tag loops first (G, or flag --tag)")
    folder = Path(folder).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot make the folder {folder}: {error.strerror}") from None
    result = TagSetsResult(folder)
    taken: set[str] = set()
    for tag, entries in sets.items():
        target = folder / unique_name(file_name_part(tag) + SUFFIXES[fmt], taken)
        try:
            written = write_export(entries, fmt, target, overwrite=overwrite)
        except FolderNotEmptyError as error:
            if error.foreign:
                result.failed.append((tag, str(error)))
            else:
                result.earlier.append((tag, target))
        except (ExportError, OSError) as error:
            result.failed.append((tag, getattr(error, "strerror", None) or str(error)))
        else:
            result.written.append((tag, written, len(entries)))
    return result
