"""How far the sound map's loops move when the map is drawn again after loops came in.

A library's sound map is drawn on the loops it holds; loops embedded later are placed beside
their neighbours until they make up a fifth of it, and then it is drawn again. This draws a map
of some folders of a real corpus (the first drawing), places the loops of other folders beside
their neighbours (the map shown until the drawing again), draws the map of all of them afresh,
and says how far the loops of the first drawing moved, on average, in radii of the map (the
root mean square distance of its loops from its centre): drawn afresh as it comes, and turned to
lie like the first drawing (`sound_map.turned_like`, what the app does). It also says how many of
each loop's 10 nearest loops (L1, standardised vectors) are among its 10 nearest on each map.

    python tests/corpus/map_stability.py CORPUS HOLDOUT [--library FILE]

CORPUS is the output of `shared/corpus/build_corpus.sh`, HOLDOUT that of `build_holdout.py`.
The loops are scanned and embedded (DSP) into FILE (default: a temporary library) once. Not part
of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

import numpy as np

from anomalizer_desktop.core.analysis.nearest import nearest_rows
from anomalizer_desktop.core.analysis.projection import MAX_LOOPS_FOR_SCALING
from anomalizer_desktop.core.analysis.sound_map import current_positions, draw, turned_like
from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store

#: case -> (the folders drawn first, the folders that come in after), below CORPUS / HOLDOUT
CASES = {
    "a fifth more": (["{c}", "{h}/cymbals", "{h}/hihats"], ["{h}/kit_beats", "{h}/kicks"]),
    "twice as many": (["{c}"], ["{h}"]),
}


def _radii(xy: np.ndarray) -> np.ndarray:
    xy = xy - xy.mean(axis=0)
    return xy / np.sqrt((xy**2).sum(axis=1).mean())


def moved(before: np.ndarray, after: np.ndarray) -> float:
    """The mean distance the loops moved, in radii of the map."""
    return float(np.linalg.norm(_radii(before) - _radii(after), axis=1).mean())


def neighbours_kept(z: np.ndarray, xy: np.ndarray, k: int = 10) -> float:
    """The share of each loop's k nearest loops (L1 of `z`) among its k nearest on the map."""
    near = nearest_rows(z, z, k + 1)
    on_map = np.argsort(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1), axis=1)[:, : k + 1]
    shares = [
        len((set(rows.tolist()) - {i}) & (set(mapped.tolist()) - {i})) / k
        for i, ((rows, _), mapped) in enumerate(zip(near, on_map, strict=True))
    ]
    return float(np.mean(shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("holdout")
    parser.add_argument("--library", help="the library to scan and embed into (kept)")
    args = parser.parse_args()
    corpus, holdout = (os.path.realpath(p) for p in (args.corpus, args.holdout))
    with tempfile.TemporaryDirectory() as scratch:
        library = args.library or os.path.join(scratch, "map.sqlite")
        with Store(library) as store:
            if not store.roots():
                run_job(scan(store, [corpus, holdout]))
                run_job(embed(store, "dsp"))
            info = embedder_info(store, "dsp")
            ids, x = store.feature_matrix(info.id, info.version)
            path_of = dict(store.execute("SELECT id, path FROM samples").fetchall())

    def standardised(rows: np.ndarray) -> np.ndarray:
        scaler = Standardizer.fit_on_sample(x[rows], info.groups, MAX_LOOPS_FOR_SCALING)
        return scaler.transform(x[rows].copy())

    def below(folders: list[str]) -> np.ndarray:
        prefixes = [f.format(c=corpus, h=holdout).rstrip("/") + "/" for f in folders]
        return np.array([path_of[i].startswith(tuple(prefixes)) for i in ids.tolist()])

    for case, (first, later) in CASES.items():
        first_rows = np.flatnonzero(below(first))
        every_row = np.flatnonzero(below(first) | below(later))
        drawn = run_job(draw(standardised(first_rows)))
        z = standardised(every_row)
        shown, placed = current_positions(ids[every_row], lambda z=z: z, ids[first_rows], drawn)
        fresh = run_job(draw(z))
        old = np.isin(ids[every_row], ids[first_rows])
        turned = turned_like(fresh, drawn, np.flatnonzero(old))
        report = {
            "drawn_first": len(first_rows),
            "came_in": placed,
            "moved_drawn_afresh": round(moved(drawn, fresh[old]), 3),
            "moved_turned": round(moved(drawn, turned[old]), 3),
            "neighbours_kept_shown": round(neighbours_kept(z, shown), 3),
            "neighbours_kept_drawn_again": round(neighbours_kept(z, turned), 3),
        }
        print(case, json.dumps(report), flush=True)


if __name__ == "__main__":  # (the embedding's worker processes import this file again)
    main()
