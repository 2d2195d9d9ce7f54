"""Which loops go into an export: by flag, tag, score (top N or a range), tempo, key, or by
explicit paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.folder_tree import in_any_folder
from anomalizer_desktop.core.library.lookup import held_name
from anomalizer_desktop.core.library.same_audio import recording_keys
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.views import came_in_since, declared_by
from anomalizer_desktop.core.loop_names import lasts_bars, within_unusual
from anomalizer_desktop.core.text import quantity


class ExportError(AnomalizerError):
    """An export that cannot be written (with a message for people)."""


class ExportCancelled(ExportError):
    """The user stopped an export (its progress callback raises it): what it was writing is
    not left half made."""


@dataclass(frozen=True, slots=True)
class ExportEntry:
    path: str
    title: str
    duration: float | None
    score: float | None
    percentile: float | None
    flag: str | None
    note: str | None
    #: the tempo and key the loop declares (its name or its loop tags: core.loop_names), or
    #: the tempo heard in its sound when it declares none (`tempo_from`)
    tempo: float | None = None
    key: str | None = None
    #: the producer's own tags (`user_tags`)
    tags: tuple[str, ...] = ()
    #: copies of this very file (the same bytes elsewhere) that the set leaves out for it
    copies_left_out: int = 0
    #: where the tempo was read (`Declared.tempo_from`; "heard": heard in its sound)
    tempo_from: str = ""


def select_entries(
    store: Store,
    flag: str | None = None,
    top: int | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    paths: list[str] | None = None,
    tempo: tuple[float, float] | None = None,
    key: str | None = None,
    tag: str | None = None,
    keep_copies: bool = False,
    bars: tuple[float, float] | None = None,
    added: float | None = None,
    folder: tuple[str, ...] | None = None,
    unusual: tuple[float, float] | None = None,
    crossed: str | None = None,
) -> list[ExportEntry]:
    """The existing (not missing) samples matching every given criterion, most unusual first
    when scores exist, else by path. `top` needs scores and keeps the N highest (of those at
    the `tempo` range and in the `key` asked for: the tempo and key loops declare; of those
    tagged `tag`; of those a scan found since the moment `added`; of those in `folder` or below
    it, one or more ways of naming it: `folder_tree.folder_paths`; of those the latest
    training moved across the unusual cut, `crossed` "new" or "fell"). A file the library holds
    more than once (the same bytes in two folders, or its recording in a file with other
    bytes: `same_audio.recording_keys`) goes in once, unless `keep_copies`: the
    first copy in that order stands for the others, and says how many it left out (a set for
    a DAW gains nothing from the same loop twice, and the top 10 are ten loops)."""
    records = store.list_samples(sort="score", descending=True, flag=flag, tag=tag)
    records = [r for r in records if r.status != "missing"]
    if tempo is not None or key is not None:
        records = [r for r in records if _declared(r).matches(tempo, key)]
    if bars is not None:  # loops that last that many whole bars at their tempo
        records = [r for r in records if lasts_bars(r.duration, _declared(r).tempo, bars)]
    if added is not None:  # loops a scan found since then
        records = [r for r in records if came_in_since(r, added)]
    if unusual is not None:  # loops whose Unusual % (as shown) is within the span
        kept = within_unusual([r.percentile for r in records], unusual)
        records = [r for r, keep in zip(records, kept, strict=True) if keep]
    if folder is not None:
        records = [r for r in records if in_any_folder(r.path, folder)]
    if crossed is not None:  # loops the latest training moved across the unusual cut
        moved = store.crossed_the_cut(crossed)
        records = [r for r in records if r.id in moved]
    if paths is not None:
        held = {r.path for r in records}
        wanted = {held_name(p, held) for p in paths}
        records = [r for r in records if r.path in wanted]
    if min_score is not None or max_score is not None or top is not None:
        if all(r.score is None for r in records) and records:
            raise ExportError("no scores yet: train a detector before selecting by score")
        records = [r for r in records if r.score is not None]
        if min_score is not None:
            records = [r for r in records if r.score >= min_score]
        if max_score is not None:
            records = [r for r in records if r.score <= max_score]
    left_out: dict[int, int] = {}
    if not keep_copies:
        records, left_out = _first_copies(records, recording_keys(store))
    if top is not None:
        records = records[: max(top, 0)]
    # the entries last, for the records kept (the top 50 of 100,000 loops: 0.6 s less)
    return [_entry(r, _declared(r), left_out.get(place, 0)) for place, r in enumerate(records)]


def _declared(record):
    """The tempo and key the loop declares (its name or its loop tags), or the tempo heard
    in it; the producer's own where they set one."""
    return declared_by(record)


def _entry(r, says, copies: int) -> ExportEntry:
    return ExportEntry(
        path=r.path,
        title=os.path.splitext(os.path.basename(r.path))[0],
        duration=r.duration,
        score=r.score,
        percentile=r.percentile,
        flag=r.flag,
        note=r.note,
        tempo=says.tempo,
        tempo_from=says.tempo_from,
        key=says.key,
        tags=r.tags,
        copies_left_out=copies,
    )


def _first_copies(items: list, hashes: dict[str, str]) -> tuple[list, dict[int, int]]:
    """`items` (anything with a path) with each file once, the first copy of a file (same
    content hash) standing for the later ones; and, by place in that list, how many copies
    each kept item stands for."""
    kept: list = []
    first: dict[str, int] = {}  # content hash -> its place in kept
    left_out: dict[int, int] = {}
    for item in items:
        content = hashes.get(item.path)
        if content is not None and content in first:
            left_out[first[content]] = left_out.get(first[content], 0) + 1
            continue
        if content is not None:
            first[content] = len(kept)
        kept.append(item)
    return kept, left_out


def one_per_file(entries: list[ExportEntry], hashes: dict[str, str]) -> list[ExportEntry]:
    """`entries` with each file once: the first copy of a file (same content hash) stands for
    the later ones, which are left out, and counts them in `copies_left_out`."""
    kept, left_out = _first_copies(entries, hashes)
    for place, count in left_out.items():
        kept[place] = replace(kept[place], copies_left_out=count)
    return kept


def copies_left_out(entries: list[ExportEntry]) -> int:
    """How many copies of files already in `entries` the selection left out."""
    return sum(e.copies_left_out for e in entries)


def left_out_text(entries: list[ExportEntry]) -> str:
    """ "" or " (2 copies of files already in it left out)": what a set's message adds."""
    copies = copies_left_out(entries)
    if not copies:
        return ""
    return f" ({quantity(copies, 'copy', 'copies')} of files already in it left out)"
