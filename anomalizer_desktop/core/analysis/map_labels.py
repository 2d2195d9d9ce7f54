"""Names on the sound map: a folder whose loops make an island of their own is named there.

A sound map's islands say "these sound alike" but not what they are; hovering point after point
to find out is slow. Producers keep packs and kinds of sound in folders, so where a folder's
loops sit among each other (most of each one's nearest points on the map are of the same
folder), its name goes on them: "Snare Kit", "Sonic Drums". Every level counts, a pack and
the folders in it; the biggest folder that makes an island names it. A folder spread over the
map (a folder of everything, kinds that mingle, or a pack whose folders each sit elsewhere) gets
no name, and a loop far from its folder's name is one that does not sound like the rest of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.library.folder_tree import FolderTree

#: a folder with fewer loops on the map gets no name
MIN_LOOPS = 5
#: at most this many names, the biggest folders first (more would cover the points)
MAX_LABELS = 12
#: how many nearest points on the map each loop's company is judged by
NEIGHBOURS = 10
#: a folder makes an island when on average this share of its loops' nearest points are its
#: own (of those it could fill: a folder of 6 loops has 5 others)
ISLAND_SHARE = 0.6
#: a folder holding more than this share of the map's loops is the library, not an island
MOST = 0.8
#: names closer than this share of the map's extent to a bigger one are left out (one island
#: is named once: by the pack, not again by its folder of kicks)
APART = 0.08


@dataclass(frozen=True)
class MapLabel:
    """A folder's name at its island on the map."""

    text: str
    x: float
    y: float
    loops: int  # its loops on the map
    folder: str  # the folder's path


#: above this many points the islands are judged on an even sample of them (at 100,000 loops
#: 0.36 s a reload, in the worker, on every point; the names are the same for big folders)
SAMPLE = 20_000


def island_labels(xy: np.ndarray, rows: np.ndarray, tree: FolderTree) -> list[MapLabel]:
    """Names for the folders (of `tree`, the library's folder tree) whose loops make islands
    on the map: `xy` the points, `rows` each point's library row. Biggest first, at most
    MAX_LABELS; a label's `loops` is how many of the map's loops the folder holds."""
    from scipy.spatial import cKDTree

    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) != len(xy) or not len(tree):
        return []
    on_map = np.zeros(tree.loops, dtype=bool)
    on_map[rows] = True
    step = max(1, -(-len(xy) // SAMPLE))
    xy, rows = xy[::step], rows[::step]
    n = len(xy)
    if n <= NEIGHBOURS:
        return []
    extent = float(np.ptp(xy, axis=0).max())
    if extent <= 0:
        return []
    _, near = cKDTree(xy).query(xy, k=NEIGHBOURS + 1)
    near = near[:, 1:]  # not itself
    ancestors = _ancestors(tree, rows)
    shares = []  # per level, per point: the share of its nearest points in its folder there
    candidates = []  # (points, folder, level)
    for depth, level in enumerate(ancestors.T):  # one level of folders (the top first)
        present = level >= 0
        counts = np.bincount(level[present], minlength=len(tree))
        own = np.where(present[:, None], level[near] == level[:, None], False).sum(axis=1)
        # of the nearest points its folder could fill: a folder of 6 has 5 others
        room = np.minimum(NEIGHBOURS, np.where(present, counts[level] - 1, 1)).clip(min=1)
        share = own / room
        shares.append(share)
        sums = np.bincount(level[present], weights=share[present], minlength=len(tree))
        for folder in np.flatnonzero((counts >= MIN_LOOPS) & (counts <= MOST * n)):
            if sums[folder] / counts[folder] >= ISLAND_SHARE:
                candidates.append((int(counts[folder]), int(folder), depth))
    paths = [folder.path for folder in tree.folders]
    candidates.sort(key=lambda c: (-c[0], paths[c[1]]))
    placed: list[tuple[int, np.ndarray]] = []
    for points, folder, depth in candidates:
        members = ancestors[:, depth] == folder
        spot = _island_spot(xy, members, shares[depth])
        # in one place, too: an island holding a share p of the map's loops spans about
        # sqrt(p) of its extent (a pack spread over many islands is not one)
        reach = np.sqrt(points / n) * extent
        if np.mean(np.linalg.norm(xy[members] - spot, axis=1) <= reach) < ISLAND_SHARE:
            continue
        if any(np.linalg.norm(spot - other) < APART * extent for _, other in placed):
            continue  # a bigger folder's name is there already
        placed.append((folder, spot))
        if len(placed) == MAX_LABELS:
            break
    texts = _short_names([paths[folder] for folder, _ in placed])
    return [
        MapLabel(
            text,
            float(spot[0]),
            float(spot[1]),
            int(on_map[tree.rows_in(folder)].sum()),
            paths[folder],
        )
        for text, (folder, spot) in zip(texts, placed, strict=True)
    ]


def _ancestors(tree: FolderTree, rows: np.ndarray) -> np.ndarray:
    """Per point (library row `rows`), the index in `tree` of its folder at each depth, (n,
    depths), -1 below its own folder's depth: the tree already holds each folder's loops."""
    point_of_row = np.full(tree.loops, -1, dtype=np.int64)
    point_of_row[rows] = np.arange(len(rows))
    levels = np.full((len(rows), 1 + max(f.depth for f in tree.folders)), -1, dtype=np.int64)
    for index, folder in enumerate(tree.folders):
        points = point_of_row[tree.rows_in(index)]
        levels[points[points >= 0], folder.depth] = index
    return levels


def _island_spot(xy: np.ndarray, members: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Where the name goes: on the folder's loop nearest the middle of its loops that sit
    among their own (so on the island, not in a gap between two of its parts)."""
    inside = members & (share >= 0.5)
    points = xy[inside] if inside.any() else xy[members]
    middle = np.median(points, axis=0)
    return points[np.argmin(np.linalg.norm(points - middle, axis=1))]


def _short_names(paths: list[str]) -> list[str]:
    """Each folder's own name, with its parent's before it where two names would be the same
    ("Pack A/Drums", "Pack B/Drums")."""
    own = [os.path.basename(p.rstrip(os.sep)) or p for p in paths]
    parents = [os.path.basename(os.path.dirname(p.rstrip(os.sep))) for p in paths]
    return [
        f"{parent}/{name}" if own.count(name) > 1 and parent else name
        for parent, name in zip(parents, own, strict=True)
    ]
