"""Export every tag's loops at once, a set each, into one folder: `Sets/dark/`, `Sets/song-a/`
(folders of links), or `Sets/dark.m3u8`... A DAW's browser with `Sets` among its places then
shows the producer's sets as they tagged them, and exporting again brings them up to date.

One set that cannot be written (a folder of the user's files under a tag's name, a file that
cannot be replaced) is named with its reason; the other sets are still written. The folder
keeps a list of the sets written into it (`MANIFEST`, set name -> tag), so that a set whose
tag has since gone from the library goes to the desktop's trash at the next export instead of
lingering as a set that no longer is; nothing else in the folder is ever touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from anomalizer_desktop.core.export.atomic import FolderNotEmptyError, atomic_write_text
from anomalizer_desktop.core.export.conformed import Project
from anomalizer_desktop.core.export.folder import not_made_by_an_export, unique_name
from anomalizer_desktop.core.export.selection import (
    ExportCancelled,
    ExportEntry,
    ExportError,
    one_per_file,
    select_entries,
)
from anomalizer_desktop.core.library.same_audio import recording_keys
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.trash import move_to_trash

#: what each format's set is named with after the tag's name
SUFFIXES = {"m3u8": ".m3u8", "xspf": ".xspf", "csv": ".csv", "folder": "", "copies": ""}

#: the list of the sets an export wrote into the folder, as JSON {set name: tag}
MANIFEST = ".anomalizer-sets"
#: the file sets' suffixes (a folder set is known by its export's marker)
PLAYLISTS = tuple(suffix for suffix in SUFFIXES.values() if suffix)


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
    #: earlier sets whose tag has gone from the library, moved to the trash
    removed: list[tuple[str, Path]] = field(default_factory=list)
    #: the progress callback stopped the export: the sets before it are written, whole
    cancelled: bool = False

    @property
    def loops(self) -> int:
        return sum(count for _, _, count in self.written)


def tag_sets(
    store: Store, tags: Iterable[str] | None = None, **criteria
) -> dict[str, list[ExportEntry]]:
    """Each tag's loops that are on disk (and meet `criteria`, as `select_entries` takes
    them), most used tag first, each set in the export's order; tags with no such loop left
    out. `tags`: the library's, when the caller has read them (`Store.tag_counts`). The
    library is read once, whatever the number of tags."""
    names = {tag.casefold(): tag for tag in (store.tag_counts() if tags is None else tags)}
    sets: dict[str, list[ExportEntry]] = {name: [] for name in names.values()}
    # copies are left out set by set: a copy tagged dark stands in the dark set even where
    # an untagged copy of the same file comes first in the library
    keep_copies = criteria.pop("keep_copies", False)
    for entry in select_entries(store, keep_copies=True, **criteria):
        for tag in entry.tags:
            if tag.casefold() in names:
                sets[names[tag.casefold()]].append(entry)
    hashes = {} if keep_copies else recording_keys(store)
    return {tag: one_per_file(entries, hashes) for tag, entries in sets.items() if entries}


def export_tag_sets(
    sets: dict[str, list[ExportEntry]],
    fmt: str,
    folder: str | os.PathLike[str],
    overwrite: bool = False,
    library_tags: Iterable[str] | None = None,
    mover: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    project: Project | None = None,
) -> TagSetsResult:
    """Write each set into `folder` (made when needed), named after its tag. With
    `library_tags` (every tag the library has now), the sets an earlier export wrote there for
    a tag that is gone go to the trash (`mover`, as `trash.move_to_trash` takes it).
    `progress(done, total)`: after each file of folder sets, counted over all the sets; when it
    raises ExportCancelled the set being written is left out whole and the export stops
    (`cancelled`), the sets before it written and listed. `project` (core.export.conformed):
    folders of copies hold each loop at the project's tempo and key."""
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
    total, before = sum(len(entries) for entries in sets.values()), 0
    for tag, entries in sets.items():
        target = folder / unique_name(file_name_part(tag) + SUFFIXES[fmt], taken)
        counted = _counted_from(before, total, progress)
        before += len(entries)
        try:
            written = write_export(entries, fmt, target, overwrite, counted, project)
        except ExportCancelled:
            result.cancelled = True
            break
        except FolderNotEmptyError as error:
            if error.foreign:
                result.failed.append((tag, str(error)))
            else:
                result.earlier.append((tag, target))
        except (ExportError, OSError) as error:
            result.failed.append((tag, getattr(error, "strerror", None) or str(error)))
        else:
            result.written.append((tag, written, len(entries)))
    made = {path.name: tag for tag, path, _ in result.written}
    made.update({path.name: tag for tag, path in result.earlier})
    earlier_sets = _read_manifest(folder)
    if library_tags is not None and not result.cancelled:  # (a cancel moves nothing away)
        alive = {tag.casefold() for tag in library_tags}
        stale = {
            n: t for n, t in earlier_sets.items() if n not in made and t.casefold() not in alive
        }
        result.removed = _remove_sets(folder, stale, mover)
        gone = {name for _, path in result.removed for name in [path.name]}
        earlier_sets = {n: t for n, t in earlier_sets.items() if n not in gone}
    with contextlib.suppress(OSError):  # (only the next export's pruning needs it)
        atomic_write_text(folder / MANIFEST, json.dumps({**earlier_sets, **made}, indent=1))
    return result


def _counted_from(before: int, total: int, progress: Callable[[int, int], None] | None):
    """One set's progress as part of all the sets' (`before` files came in earlier sets)."""
    if progress is None:
        return None
    return lambda done, _of: progress(before + done, total)


def _read_manifest(folder: Path) -> dict[str, str]:
    """The sets earlier exports wrote into `folder` ({} when it lists none)."""
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(listed, dict):
        return {}
    # only names of entries in the folder itself: a damaged or edited list leads nowhere else
    return {
        name: tag
        for name, tag in listed.items()
        if isinstance(tag, str) and name == os.path.basename(name) and name not in ("", ".", "..")
    }


def _remove_sets(
    folder: Path, stale: dict[str, str], mover: Callable[[str], None] | None
) -> list[tuple[str, Path]]:
    """Move these earlier sets to the trash: a folder only while it holds nothing but what an
    export made, a file only as a playlist or table of ours; (tag, path) of each moved."""
    going = {}
    for name, tag in stale.items():
        path = folder / name
        ours = (path.is_dir() and not not_made_by_an_export(path)) or (
            path.is_file() and path.suffix.lower() in PLAYLISTS
        )
        if ours and not path.is_symlink():
            going[str(path)] = tag
    moved = move_to_trash(list(going), mover)
    return [(going[p], Path(p)) for p in moved.trashed]
