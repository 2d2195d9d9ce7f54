""" "Loops like this one": the library in order of likeness to one loop, nearest first.

A producer who finds one odd loop wants its look-alikes next, to audition and flag them together
(select the first few rows, press U). The order is by the distance "Why unusual?" lists its
neighbours with (see `loop_space`), so its neighbours come first here too; unlike those
neighbours, loops flagged unusual are not left out: they are often exactly what is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anomalizer_desktop.core.analysis.loop_space import locate
from anomalizer_desktop.core.library.store import Store


@dataclass
class Likeness:
    path: str  # the loop the others are compared with
    ids: np.ndarray  # every embedded loop's sample id, nearest first (the loop itself first)
    distances: np.ndarray  # aligned with ids
    paths: list[str]  # aligned with ids
    flags: list[str | None]  # aligned with ids

    def nearest(self, count: int) -> list[dict]:
        """The `count` nearest other loops: path, distance, flag."""
        return [
            {"path": path, "distance": round(float(distance), 4), "flag": flag}
            for path, distance, flag in zip(
                self.paths[1 : count + 1],
                self.distances[1 : count + 1],
                self.flags[1 : count + 1],
                strict=True,
            )
        ]


def likeness(
    store: Store, path: str, embedder: str = "dsp", generation: int | None = None
) -> Likeness:
    """Every embedded loop of `embedder`, nearest to the loop at `path` first (ties: the order
    of the library's ids, so the same library always gives the same order). `generation`: as
    for `explain`."""
    space = locate(store, path, embedder, generation)
    distances = space.distances()
    distances[space.row] = -1.0  # the loop itself first, even beside an exact copy
    order = np.lexsort((space.ids, distances))
    distances[space.row] = 0.0
    paths = [space.loops.paths[i] for i in order]
    return Likeness(
        paths[0],
        space.ids[order].astype(np.int64),
        distances[order],
        paths,
        [space.loops.flags[i] for i in order],
    )
