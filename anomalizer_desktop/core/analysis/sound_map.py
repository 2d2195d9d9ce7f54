"""The sound map: a 2-D map on which loops that sound alike sit together (t-SNE).

The PCA map (`projection`) shows the two directions along which the library varies most; on
the 501 loops of the shared scenarios it kept 20 % of each loop's 10 nearest loops (L1, in the
detectors' standardised space) among its 10 nearest on the map. A t-SNE of the same space,
with the same L1 distance, kept 66 % (Euclidean t-SNE 60 %): packs and kinds of sound become
islands, and a loop that fits nowhere sits alone. That is the map sample browsers draw.

t-SNE is openTSNE's (FFT-accelerated, Annoy neighbours, deterministic for a seed), not
scikit-learn's, whose Barnes-Hut t-SNE takes many minutes at 100,000 loops where openTSNE
takes about three on two cores, and cannot be stopped between iterations. It runs as a job
(cancellable between chunks of iterations) and the positions are kept in the library
(`map_points`), so a library's map is drawn once. Loops embedded after it are placed beside
their nearest drawn loops until so many are that the map is due to be drawn again.

A map drawn again is turned (rotated, or mirrored) as a whole to lie as close as it can to the
map drawn until then (each loop where it was drawn): a t-SNE's map comes out turned
any way, and a producer who knew where the kicks were would look for them on the wrong side
after a pack came in. Turning changes no distance on the map. (Starting the t-SNE from the map
shown, the other way to keep it in place, moved the loops more: see `turned_like`.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.analysis.nearest import nearest_rows
from anomalizer_desktop.core.analysis.projection import (
    MAX_LOOPS_FOR_SCALING,
    MapProjection,
)
from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.embedding.base import UnknownEmbedderError
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.gc_freeze import freeze_after_imports
from anomalizer_desktop.core.jobs import WHOLE, CancelToken, Job, Progress, as_part, parts_of
from anomalizer_desktop.core.library.map_points import (
    read_map_points,
    save_map_points,
    usable_ids,
)
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.parallel import default_workers
from anomalizer_desktop.core.text import quantity

#: below this many loops there is no sound map (t-SNE needs neighbours to keep): the PCA map
MIN_LOOPS = 10
#: t-SNE's perplexity (about how many neighbours each loop keeps close); less for tiny libraries
PERPLEXITY = 30.0
#: openTSNE's usual schedule: iterations with early exaggeration, then without
EARLY_ITERATIONS, ITERATIONS = 250, 500
#: iterations between progress reports and chances to cancel
CHUNK = 25
#: the loops placed beside their neighbours (embedded after the map was drawn) may make up this
#: share of the map before it is due to be drawn again
REDRAW_SHARE = 0.2
#: a loop drawn after the map goes to the mean position of this many nearest drawn loops
NEIGHBOURS = 3
#: the seed of every drawing: the same loops give the same map
SEED = 0
#: from this many loops on, the FFT-interpolated gradient instead of Barnes-Hut (openTSNE
#: switches at 10,000; on 2 cores BH took 8.4 s against FFT's 9.0 s at 3,000 loops, and 25.2 s
#: against 13.0 s at 8,000, FFT's fixed cost being some 8 s)
FFT_FROM = 4_000


def gradient_threads(loops: int) -> int:
    """Threads for the t-SNE's gradient: one for Barnes-Hut (below FFT_FROM loops), every core
    for the FFT gradient.

    openTSNE runs each of its 750 iterations as an OpenMP loop whose threads meet at a
    barrier, spinning while they wait. Barnes-Hut's iterations are short, so when another
    program keeps a core busy (a DAW playing, the window itself) every iteration waits for a
    thread the system has put aside. `anomalizer bench map --rows N --busy 1` on 2 cores,
    drawn on both cores / on one: 584 loops 3.0 / 1.6 s, 1,500 loops 9.5 / 4.8 s, 3,000 loops
    16.8 / 10.6 s; with no core busy (`--busy 0`) 1.4 / 1.7 s, 3.7 / 4.5 s, 6.6 / 9.5 s. A
    map of 43 loops beside a process spinning in the kernel took 25-40 s on both cores,
    0.05-0.9 s on one. The FFT gradient's longer iterations lose less: in the window at 8,000
    loops, 19.4 s on both cores against 15.9-16.3 s on one with a core busy, 10.1-10.4 s
    against 14.9-15.3 s without."""
    return 1 if loops < FFT_FROM else default_workers()


#: what the drawing says it is doing, in its two phases
NEIGHBOURS_MESSAGE = "finding each loop's nearest loops"
PLACING_MESSAGE = "placing the loops"


class SoundMapError(AnomalizerError):
    """The sound map cannot be drawn (nothing or too little embedded, or t-SNE gone astray)."""


@dataclass
class SoundMapDrawn:
    """What a drawing did."""

    embedder: str
    loops: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def summary(self) -> str:
        if self.cancelled:
            return "drawing the sound map was cancelled; the map is as it was"
        return f"drew the sound map of {quantity(self.loops, 'loop')} in {self.seconds:.1f} s"


def perplexity_for(loops: int) -> float:
    """PERPLEXITY, or less where a library is too small for it (openTSNE needs at least
    3 x perplexity + 1 loops, and says so on stdout when it has to lower it)."""
    return float(min(PERPLEXITY, max(1.0, (loops - 1) / 3)))


#: up to this many loops each loop's neighbours are found exactly (every L1 distance); above,
#: with an Annoy index (openTSNE's own choice of approximate search)
EXACT_UP_TO = 2_000
#: loops whose neighbours one task of the search finds (between checks for Cancel)
QUERY_CHUNK = 1_000


def _exact_neighbours(z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.metrics import pairwise_distances

    distances = pairwise_distances(z, metric="manhattan")
    np.fill_diagonal(distances, np.inf)  # not its own neighbour (a copy elsewhere still is)
    rows = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return rows, np.take_along_axis(distances, rows, axis=1)


def _neighbours(
    z: np.ndarray, k: int, cancel: CancelToken | None
) -> Job[tuple[np.ndarray, np.ndarray] | None]:
    """Each row's `k` nearest other rows by L1 distance, and those distances; None when
    cancelled. Above EXACT_UP_TO rows through an Annoy index whose queries run a chunk at a
    time on the cores (at 100,000 x 308 on 2 cores: the index 6 s, the search 84-111 s), so
    Cancel is heard within a second or two rather than after the whole search."""
    if len(z) <= EXACT_UP_TO:
        return _exact_neighbours(z, k)
    from concurrent.futures import ThreadPoolExecutor

    from openTSNE.dependencies.annoy import AnnoyIndex

    index = AnnoyIndex(z.shape[1], "manhattan")
    index.set_seed(SEED + 1)
    for i, row in enumerate(z):
        index.add_item(i, row)
    index.build(50, n_jobs=default_workers())  # openTSNE's 50 trees
    rows = np.zeros((len(z), k), np.int64)
    distances = np.zeros((len(z), k), np.float64)

    def query(start: int) -> int:
        for i in range(start, min(start + QUERY_CHUNK, len(z))):
            found, far = index.get_nns_by_item(i, k + 1, include_distances=True)
            if found and found[0] == i:  # itself first, as a rule
                found, far = found[1:], far[1:]
            rows[i], distances[i] = found[:k], far[:k]
        return min(start + QUERY_CHUNK, len(z))

    starts = list(range(0, len(z), QUERY_CHUNK))
    with ThreadPoolExecutor(default_workers()) as pool:
        for done in pool.map(query, starts):
            if cancel is not None and cancel.cancelled:
                pool.shutdown(cancel_futures=True)
                return None
            yield Progress(done, len(z), NEIGHBOURS_MESSAGE)
    return rows, distances


def draw(z: np.ndarray, cancel: CancelToken | None = None) -> Job[np.ndarray | None]:
    """The (n, 2) float32 t-SNE positions of the rows of `z` (standardised vectors; L1
    distances), or None when cancelled. One progress bar (in WHOLE units) across its two
    phases: finding each loop's neighbours, then the t-SNE's iterations."""
    from openTSNE import TSNE  # a second's import, in the job's thread only

    # what the imports built out of the collector's full passes now, not after the job: one
    # such pass during the drawing held the window's thread 100 ms (`core.gc_freeze`)
    freeze_after_imports()

    z = np.ascontiguousarray(z, dtype=np.float32)
    if not len(z) or np.ptp(z, axis=0).max() <= 0:  # every loop the same sound: one point
        return np.zeros((len(z), 2), np.float32)  # (t-SNE's start, a PCA, would divide by 0)
    search, iterations = parts_of(list(_phase_seconds(len(z))))
    yield Progress(0, WHOLE, NEIGHBOURS_MESSAGE)
    perplexity = perplexity_for(len(z))
    k = min(len(z) - 1, int(3 * perplexity))
    found = yield from as_part(_neighbours(z, k, cancel), search)
    if found is None:
        return None
    tsne = TSNE(
        negative_gradient_method="bh" if len(z) < FFT_FROM else "fft",
        n_jobs=gradient_threads(len(z)),
        random_state=SEED,
        verbose=False,
    )
    xy = yield from as_part(_iterate(tsne, z, found, perplexity, cancel), iterations)
    if xy is not None and not np.isfinite(xy).all():  # never seen; NaN would draw nothing
        raise SoundMapError("the sound map could not be drawn (t-SNE went astray)")
    return xy


def _phase_seconds(loops: int) -> tuple[float, float]:
    """About how long each phase takes on 2 cores (measured: at 100,000 loops 84 s and 70 s,
    at 5,000 some 1.5 s and 12 s, at 500 under a second each), to share out the progress bar."""
    search = loops / 1_200 if loops > EXACT_UP_TO else loops**2 / 5e7
    placing = 8 + loops / 1_400 if loops >= FFT_FROM else loops / 430
    return max(search, 0.01), max(placing, 0.01)


def turned_like(xy: np.ndarray, before: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`xy` (a map drawn again) turned and moved as a whole so that its `rows` (indices) lie
    as close as they can to `before` (where those loops were drawn until then): the rotation
    or mirroring that brings them nearest (orthogonal Procrustes, scipy's), about their
    centre, then their centre on the one before. No distance between two loops changes.

    Measured on the shared and held-out scenarios' 1,085 loops (DSP), the map drawn on 501 or
    707 of them then again on all: turned, a loop moved on average 0.29 / 0.24 of the map's
    radius from where it was drawn (not turned, 0.49 / 0.38); a t-SNE started from the map
    shown instead moved them 0.40 / 0.27, and kept no more of each loop's 10 nearest loops
    (61 % either way). The loops placed beside their neighbours since (a fifth of the map by
    then) are left out of the fit: they add nothing to it (0.29 / 0.24 with them), and their
    places took 30 s to find at 100,000 loops."""
    from scipy.linalg import orthogonal_procrustes

    xy = np.asarray(xy, dtype=np.float64)
    before = np.asarray(before, dtype=np.float64)
    if len(before) < 2 or not np.isfinite(xy).all() or not np.isfinite(before).all():
        return xy.astype(np.float32)
    centre, centre_before = xy[rows].mean(axis=0), before.mean(axis=0)
    turn, _ = orthogonal_procrustes(xy[rows] - centre, before - centre_before)
    return ((xy - centre) @ turn + centre_before).astype(np.float32)


def _iterate(tsne, z: np.ndarray, found, perplexity: float, cancel) -> Job[np.ndarray | None]:
    """openTSNE's schedule (early exaggeration, then without), CHUNK iterations at a time
    with Progress and a check for Cancel between them."""
    from openTSNE.affinity import PerplexityBasedNN
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    affinities = PerplexityBasedNN(
        perplexity=perplexity,
        knn_index=PrecomputedNeighbors(*found),
        n_jobs=default_workers(),
        random_state=SEED,
    )
    embedding = tsne.prepare_initial(z, affinities=affinities)
    total = EARLY_ITERATIONS + ITERATIONS
    done = 0
    for iterations, exaggeration, momentum in (
        (EARLY_ITERATIONS, tsne.early_exaggeration, tsne.initial_momentum),
        (ITERATIONS, tsne.exaggeration, tsne.final_momentum),
    ):
        for _ in range(0, iterations, CHUNK):
            if cancel is not None and cancel.cancelled:
                return None
            embedding = embedding.optimize(
                n_iter=CHUNK, exaggeration=exaggeration, momentum=momentum, inplace=True
            )
            done += CHUNK
            yield Progress(done, total, PLACING_MESSAGE)
    return np.asarray(embedding, dtype=np.float32)


def draw_sound_map(
    store: Store, embedder: str = "dsp", cancel: CancelToken | None = None
) -> Job[SoundMapDrawn]:
    """Draw the sound map of every usable loop embedded by `embedder` and keep it in the
    library (replacing the one before, in one transaction), turned to lie like the one before
    where there is one (`turned_like`)."""
    started = time.perf_counter()
    try:
        info = embedder_info(store, embedder)
    except UnknownEmbedderError:
        raise SoundMapError(f"no loops are embedded with {embedder} yet: embed them") from None
    ids, x = store.feature_matrix(info.id, info.version)
    if len(ids) < MIN_LOOPS:
        raise SoundMapError(
            f"a sound map needs at least {MIN_LOOPS} embedded loops ({len(ids)} are)"
        )
    standardizer = Standardizer.fit_on_sample(x, info.groups, MAX_LOOPS_FOR_SCALING)
    z = standardizer.transform(x, in_place=True)  # the raw vectors are not needed again
    del x
    drawn_ids, drawn_xy = read_map_points(store, info.id, info.version)
    xy = yield from draw(z, cancel)
    if xy is None:
        return SoundMapDrawn(info.id, cancelled=True)
    kept = np.isin(drawn_ids, ids)  # (a loop may have gone meanwhile)
    xy = turned_like(xy, drawn_xy[kept], np.searchsorted(ids, drawn_ids[kept]))
    save_map_points(store, info.id, info.version, ids, xy)
    return SoundMapDrawn(info.id, len(ids), time.perf_counter() - started)


def place_beside(drawn_xy: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
    """(n, 2) float32 positions: each at the mean position of its neighbours (rows of
    `drawn_xy`); one without neighbours at the map's centre. A loop whose nearest loops sit on
    two islands lands between them, which is what it is."""
    centre = drawn_xy.mean(axis=0) if len(drawn_xy) else np.zeros(2, np.float32)
    placed = np.empty((len(neighbours), 2), np.float32)
    for i, rows in enumerate(neighbours):
        placed[i] = drawn_xy[rows].mean(axis=0) if len(rows) else centre
    return placed


def sound_map(store: Store, embedder: str = "dsp") -> MapProjection | None:
    """The library's sound map for `embedder`'s current version, or None when it has not been
    drawn (or none of its points is current). Loops without a current point (embedded after
    the drawing) are placed beside their NEIGHBOURS nearest drawn loops; the map's `placed`
    says how many."""
    try:
        info = embedder_info(store, embedder)
    except UnknownEmbedderError:
        return None
    drawn_ids, drawn_xy = read_map_points(store, info.id, info.version)
    if len(drawn_ids) == 0:
        return None
    ids = usable_ids(store, info.id, info.version)
    if np.array_equal(ids, drawn_ids):  # every loop drawn: no vector needs reading
        return MapProjection(ids, drawn_xy, (0.0, 0.0), kind="sound")
    ids, x = store.feature_matrix(info.id, info.version)

    def standardised() -> np.ndarray:  # (only when some loop has no point)
        standardizer = Standardizer.fit_on_sample(x, info.groups, MAX_LOOPS_FOR_SCALING)
        return standardizer.transform(x, in_place=True)

    xy, placed = current_positions(ids, standardised, drawn_ids, drawn_xy)
    return MapProjection(ids, xy, (0.0, 0.0), kind="sound", placed=placed)


def current_positions(
    ids: np.ndarray,
    standardised: Callable[[], np.ndarray],
    drawn_ids: np.ndarray,
    drawn_xy: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Each loop's place on the map drawn (`drawn_ids`, ascending, at `drawn_xy`): where it was
    drawn, or for one embedded after the drawing beside its NEIGHBOURS nearest drawn loops
    (by the rows of `standardised()`, the loops' standardised vectors, asked for only then);
    and how many were placed so."""
    at = np.searchsorted(drawn_ids, ids).clip(max=len(drawn_ids) - 1)
    has_point = drawn_ids[at] == ids
    xy = np.zeros((len(ids), 2), np.float32)
    xy[has_point] = drawn_xy[at[has_point]]
    new = np.flatnonzero(~has_point)
    if len(new):
        reference = np.flatnonzero(has_point)
        z = standardised()
        found = nearest_rows(z[reference], z[new], NEIGHBOURS)
        xy[new] = place_beside(xy[reference], [rows for rows, _ in found])
    return xy, len(new)


def due_for_drawing(projection: MapProjection | None, loops: int) -> bool:
    """Whether the sound map should be drawn (again): there is none yet, or the loops placed
    beside their neighbours since the drawing make up more than REDRAW_SHARE of it."""
    if loops < MIN_LOOPS:
        return False
    if projection is None or projection.kind != "sound":
        return True
    return projection.placed > REDRAW_SHARE * max(1, len(projection.ids))
