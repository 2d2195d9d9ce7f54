"""The GUI's job factories: core jobs plus the two loads the window needs (library, map)."""

from __future__ import annotations

from dataclasses import dataclass

from anomalizer_desktop.core.analysis.explain import explain
from anomalizer_desktop.core.analysis.projection import MapProjection, library_map
from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import Progress
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.library_data import LibraryData


@dataclass
class Snapshot:
    """Everything the window shows, read from the store in one go."""

    library: LibraryData
    projection: MapProjection
    problems: list[tuple[str, str]]
    counts: dict[str, int]
    embedded: int


def load_snapshot(store: Store, embedder: str = "dsp") -> Snapshot:
    records = store.list_samples()
    library = LibraryData.from_records(records)
    problems = [(r.path, r.error) for r in records if r.error]
    projection = library_map(store, embedder)
    return Snapshot(library, projection, problems, store.counts_by_status(), len(projection.ids))


def snapshot_job(embedder: str):
    def factory(store, _cancel):
        yield Progress(0, 0, "reading the library")
        return load_snapshot(store, embedder)

    return factory


def scan_job(paths: list[str]):
    return lambda store, cancel: scan(store, paths, cancel)


def rescan_job():
    def factory(store, cancel):
        roots = [path for _, path in store.roots()]
        if not roots:
            return None
        return (yield from scan(store, roots, cancel))

    return factory


def embed_job(embedder: str):
    return lambda store, cancel: embed(store, embedder, cancel)


def train_job(spec: ModelSpec, embedder: str):
    return lambda store, cancel: train(store, spec, embedder, cancel=cancel)


def explain_job(path: str, embedder: str):
    def factory(store, _cancel):
        yield Progress(0, 0, "explaining")
        return explain(store, path, embedder)

    return factory
