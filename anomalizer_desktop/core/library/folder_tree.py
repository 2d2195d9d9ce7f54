"""The library's folders as a tree, each with how many of its loops are unusual here.

A producer's loops are filed by pack and kind ("Pack A/Drums", "Pack B/Bass"), and a whole
pack can be what does not fit: a folder of one-shots among loops, a genre bought by mistake.
Each folder of the tree counts the loops in it and below it, how many of them are above the
unusual cut (`above_cut`: about one in ten of the library the model learned from, so a folder of
loops like the rest has about 10 %), their median Unusual %, and
the flags on them. The window's Folders panel and `anomalizer folders` show it; picking a folder
shows its loops (`in_folder`).

The top of the tree is the folders added to the library (its roots); a loop outside all of them
(none, unless a root was removed by hand) has its own folder at the top. Counting is one sort
of the loops by folder: the loops in a folder and below it are then one run of that order (all
the paths that start with "Pack A/" sit together), so each count is two lookups in a cumulative
sum, and a flag's change recounts the flags alone (`count_flags`).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.detector.spec import UNUSUAL_QUANTILE
from anomalizer_desktop.core.library.scanner import is_within
from anomalizer_desktop.core.library.store import Store

#: a loop whose Unusual % is this or more is above the unusual cut (model.UNUSUAL_QUANTILE)
UNUSUAL_PERCENT = 100.0 * UNUSUAL_QUANTILE
#: the share of a library's loops above the cut (about one in ten)
USUAL_SHARE = 1.0 - UNUSUAL_QUANTILE
#: how many loops of the usual share a folder's sort counts in (`Folder.telling_share`)
PRIOR_LOOPS = 10


@dataclass(frozen=True)
class Folder:
    """One folder of the tree (its numbers cover its subfolders too)."""

    path: str
    name: str  # as shown: the folder's own name (a root's, with as many parents as tell it apart)
    parent: int  # index of the parent folder in FolderTree.folders; -1 at the top
    depth: int
    loops: int
    scored: int  # loops with a score
    unusual: int  # of those, how many are above the unusual cut
    median_percent: float  # NaN when none has a score

    @property
    def unusual_share(self) -> float:
        """The share of its scored loops above the cut, 0-1 (NaN when none has a score)."""
        return self.unusual / self.scored if self.scored else float("nan")

    @property
    def telling_share(self) -> float:
        """The share folders sort by: their loops' as if PRIOR_LOOPS loops of the usual share
        were added (NaN when none has a score). A folder of one unusual loop reads 100 %, but
        it says less than a pack of 26 with 22 unusual (85 %): this puts the pack first
        (0.18 against 0.64), and a big folder's share barely moves."""
        if not self.scored:
            return float("nan")
        return (self.unusual + PRIOR_LOOPS * USUAL_SHARE) / (self.scored + PRIOR_LOOPS)


def _under(path: str) -> str:
    """The prefix of everything inside the folder `path`."""
    return path if path.endswith(os.sep) else path + os.sep


def _past(prefix: str) -> str:
    """The first string after every string that starts with `prefix` (which ends in a
    separator): the separator's next character in its place."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _root_names(roots: list[str]) -> dict[str, str]:
    """Each root's name as shown: its folder's name, with its parents' names while another
    root has the same ("Loops" and "Loops"; "Drive A/Loops" and "Drive B/Loops")."""
    parts = {root: root.rstrip(os.sep).split(os.sep) or [root] for root in roots}
    names = {}
    for root, mine in parts.items():
        depth = 1
        while depth < len(mine) and any(
            other[-depth:] == mine[-depth:] for r, other in parts.items() if r != root
        ):
            depth += 1
        names[root] = os.sep.join(mine[-depth:]) or root
    return names


class FolderTree:
    """The folders of a library's loops, with counts (see the module's docstring).

    `folders` (each loop's folder), `percentile`, `flags` and `above` (`above_cut`) are the
    library's columns (as the window's LibraryData holds them; NaN percentile: no score);
    `roots` the folders added to the library."""

    def __init__(
        self,
        folders: list[str],
        percentile: np.ndarray,
        flags: list[str | None],
        roots: list[str],
        above: np.ndarray,
    ) -> None:
        # sorted by folder, a folder's loops before its subfolders' (sorting the distinct
        # folders and then the loops by their folder's rank: sorting 100,000 paths took longer)
        under = {folder: _under(folder) for folder in set(folders)}
        distinct = sorted(set(under.values()))
        position = {key: i for i, key in enumerate(distinct)}
        rank = {folder: position[key] for folder, key in under.items()}
        ranks = np.fromiter((rank[f] for f in folders), dtype=np.int64, count=len(folders))
        self._order = np.argsort(ranks, kind="stable")
        starts = np.searchsorted(ranks[self._order], np.arange(len(distinct)))
        self._keys = distinct
        self._starts = np.append(starts, len(folders))
        percent = np.asarray(percentile, dtype=np.float64)[self._order]
        self._scored_sum = _running_sum(~np.isnan(percent))
        self._above_sum = _running_sum(np.asarray(above, dtype=bool)[self._order])
        self.folders: list[Folder] = []
        self._ranges: list[tuple[int, int]] = []
        self._children: dict[int, list[int]] = {}
        self._index: dict[str, int] = {}
        self._build(list(under), roots, percent)
        self.loops = len(folders)  # how many loops the tree counts (all of the library's)
        self.count_flags(flags)

    def __len__(self) -> int:
        return len(self.folders)

    def _build(self, folders: list[str], roots: list[str], percent: np.ndarray) -> None:
        """The tree: every root, every folder with loops, and the folders between them, each
        folder's children in name order."""
        roots = sorted({r.rstrip(os.sep) or r for r in roots}, key=len, reverse=True)
        tops: set[str] = set()  # the top folders: roots, and folders of loops under none
        children: dict[str, set[str]] = {}
        linked: set[str] = set()  # folders whose parent knows them
        outside: list[str] = []  # tops of loops under no root, the outermost first
        for folder in sorted(folders):  # a folder before the folders in it
            top = next((r for r in roots if folder == r or folder.startswith(_under(r))), None)
            if top is None:
                top = next((t for t in outside if folder.startswith(_under(t))), folder)
                if top == folder:
                    outside.append(folder)
            tops.add(top)
            node = folder
            while node != top and node not in linked:  # up to a folder already in the tree
                linked.add(node)
                children.setdefault(os.path.dirname(node), set()).add(node)
                node = os.path.dirname(node)
            children.setdefault(top, set())
        for root in roots:  # a root with no loops (yet) is shown too
            if not any(root.startswith(_under(t)) for t in tops if t != root):
                tops.add(root)
                children.setdefault(root, set())
        self.roots = set(roots)  # the folders added to the library
        names = _root_names(list(tops))
        stack = [(top, -1, 0) for top in sorted(tops, key=lambda t: names[t].casefold())][::-1]
        while stack:
            path, parent, depth = stack.pop()
            index = len(self.folders)
            name = names[path] if parent < 0 else os.path.basename(path)
            self.folders.append(self._folder(path, name, parent, depth, percent))
            self._children.setdefault(parent, []).append(index)
            self._index[path] = index
            below = sorted(children.get(path, ()), key=lambda p: os.path.basename(p).casefold())
            stack.extend((child, index, depth + 1) for child in reversed(below))

    def _folder(self, path: str, name: str, parent: int, depth: int, percent) -> Folder:
        prefix = _under(path)
        first = bisect.bisect_left(self._keys, prefix)
        past = bisect.bisect_left(self._keys, _past(prefix), first)
        lo, hi = int(self._starts[first]), int(self._starts[past])
        self._ranges.append((lo, hi))
        scored = int(self._scored_sum[hi] - self._scored_sum[lo])
        if scored == 0:
            median = float("nan")
        else:
            values = percent[lo:hi]
            median = float(np.median(values if scored == hi - lo else values[~np.isnan(values)]))
        return Folder(
            path=path,
            name=name,
            parent=parent,
            depth=depth,
            loops=hi - lo,
            scored=scored,
            unusual=int(self._above_sum[hi] - self._above_sum[lo]),
            median_percent=median,
        )

    def count_flags(self, flags: list[str | None]) -> None:
        """Count the flags on each folder's loops again (after a flag changed): `typical` and
        `flagged_unusual` hold one count per folder."""
        codes = np.array([f == "typical" for f in flags], dtype=bool)[self._order]
        typical = _running_sum(codes)
        codes = np.array([f == "unusual" for f in flags], dtype=bool)[self._order]
        unusual = _running_sum(codes)
        ranges = np.array(self._ranges, dtype=np.int64).reshape(-1, 2)
        lo, hi = ranges[:, 0], ranges[:, 1]
        self.typical = typical[hi] - typical[lo]
        self.flagged_unusual = unusual[hi] - unusual[lo]

    def children(self, index: int) -> list[int]:
        """Indexes of the folders right under folder `index` (-1: the top folders)."""
        return self._children.get(index, [])

    def rows_in(self, index: int) -> np.ndarray:
        """The library rows of the loops in folder `index` and below it, in path order."""
        lo, hi = self._ranges[index]
        return self._order[lo:hi]

    def index_of(self, path: str) -> int:
        """The index of the folder at `path`, or -1 when the tree has none there."""
        return self._index.get(path, -1)


#: what the folders can be sorted by: the Folders panel's columns, `folders --sort`
SORTS = ("unusual", "median", "loops", "name")


def sort_key(folder: Folder, by: str):
    """A folder's place in the order `by` (SORTS), low to high; None when it has no score
    to sort by (such folders go last, whichever way the sort goes). "unusual" is the share
    above the cut weighed by size (`telling_share`), the median Unusual % between equals."""
    if by == "unusual":
        return (folder.telling_share, folder.median_percent) if folder.scored else None
    if by == "median":
        return folder.median_percent if folder.scored else None
    if by == "loops":
        return folder.loops
    return folder.name.casefold()


def sorted_folders(tree: FolderTree, indexes: list[int], by: str, descending: bool) -> list[int]:
    """These folders of `tree` in the order `by`, those without a score to sort by last
    (equals keep their order: the tree's is by name)."""
    keys = {i: sort_key(tree.folders[i], by) for i in indexes}
    known = [i for i in indexes if keys[i] is not None]
    known.sort(key=keys.__getitem__, reverse=descending)
    return known + [i for i in indexes if keys[i] is None]


def _running_sum(values: np.ndarray) -> np.ndarray:
    """[0, v0, v0+v1, ...]: the sum of any run [lo, hi) is s[hi] - s[lo]."""
    sums = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=sums[1:])
    return sums


def in_folder(paths: list[str], folder: str) -> np.ndarray:
    """Which of `paths` are in `folder` or below it: `scanner.is_within` over many paths,
    its prefix made once (the window's folder filter)."""
    prefix = _under(folder)
    return np.fromiter((p.startswith(prefix) for p in paths), dtype=bool, count=len(paths))


def above_cut(scores: np.ndarray, percentile: np.ndarray, cut: float | None) -> np.ndarray:
    """Which loops are above the unusual cut: a score over the run's `cut` (its threshold, as
    `train` counts them), or without one an Unusual % of UNUSUAL_PERCENT or more."""
    with np.errstate(invalid="ignore"):  # NaN: no score, never above
        if cut is None:
            return np.asarray(percentile, dtype=np.float64) >= UNUSUAL_PERCENT
        return np.asarray(scores, dtype=np.float64) > cut


def library_folder_tree(store: Store) -> FolderTree:
    """The tree of a library's folders with its latest scores and the flags (the command
    line's; the window builds its own from the columns it already read)."""
    records = store.list_samples()
    percentile = np.array([np.nan if r.percentile is None else r.percentile for r in records])
    scores = np.array([np.nan if r.score is None else r.score for r in records])
    return FolderTree(
        [os.path.dirname(r.path) for r in records],
        percentile,
        [r.flag for r in records],
        [path for _, path in store.roots()],
        above_cut(scores, percentile, store.unusual_cut()),
    )


def folder_paths(folder: str) -> tuple[str, ...]:
    """The ways a folder named on the command line can stand in the library: as given (made
    absolute) and with its links resolved, as a scan stores the folders added."""
    given = os.path.abspath(os.path.expanduser(folder))
    return tuple(dict.fromkeys((given, os.path.realpath(given))))


def in_any_folder(path: str, folders: tuple[str, ...]) -> bool:
    """Whether `path` is in one of `folders` or below it."""
    return any(is_within(path, folder) for folder in folders)
