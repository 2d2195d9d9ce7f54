"""Which loops go into an export: by flag, tag, score (top N or a range), tempo, key, or by
explicit paths."""

from __future__ import annotations

import os
from dataclasses import dataclass

from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.lookup import held_name
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.loop_names import declared


class ExportError(AnomalizerError):
    """An export that cannot be written (with a message for people)."""


@dataclass(frozen=True, slots=True)
class ExportEntry:
    path: str
    title: str
    duration: float | None
    score: float | None
    percentile: float | None
    flag: str | None
    note: str | None
    #: the tempo and key the loop declares (its name or its loop tags: core.loop_names)
    tempo: float | None = None
    key: str | None = None
    #: the producer's own tags (`user_tags`)
    tags: tuple[str, ...] = ()


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
) -> list[ExportEntry]:
    """The existing (not missing) samples matching every given criterion, most unusual first
    when scores exist, else by path. `top` needs scores and keeps the N highest (of those at
    the `tempo` range and in the `key` asked for: the tempo and key loops declare; and of
    those tagged `tag`)."""
    records = store.list_samples(sort="score", descending=True, flag=flag, tag=tag)
    records = [r for r in records if r.status != "missing"]
    says = {r.id: declared(r.path, r.file_tempo, r.file_key) for r in records}
    records = [r for r in records if says[r.id].matches(tempo, key)]
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
        if top is not None:
            records = records[: max(top, 0)]
    return [
        ExportEntry(
            path=r.path,
            title=os.path.splitext(os.path.basename(r.path))[0],
            duration=r.duration,
            score=r.score,
            percentile=r.percentile,
            flag=r.flag,
            note=r.note,
            tempo=says[r.id].tempo,
            key=says[r.id].key,
            tags=r.tags,
        )
        for r in records
    ]
