"""`anomalizer map`: draw the library's sound map (as the window does, once) and print where
each loop sits on it, or on the PCA map."""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.output import drive, print_json
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import quantity


def cmd_map(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.projection import library_map
    from anomalizer_desktop.core.analysis.sound_map import (
        draw_sound_map,
        due_for_drawing,
        sound_map,
    )

    drawn = None
    if not args.pca:
        shown = sound_map(store, args.embedder)
        if args.redraw or shown is None or due_for_drawing(shown, len(shown.ids)):
            drawn = drive(draw_sound_map(store, args.embedder), "drawing", args.quiet)
    projection = library_map(store, args.embedder, "pca" if args.pca else "sound")
    if args.json:
        paths = dict(store.execute("SELECT id, path FROM samples").fetchall())
        print_json(
            {
                "embedder": args.embedder,
                "kind": projection.kind,
                "placed": projection.placed,
                "drawn": None
                if drawn is None
                else {"loops": drawn.loops, "seconds": round(drawn.seconds, 2)},
                "loops": [
                    {"path": shown_path(paths[i]), "x": round(float(x), 4), "y": round(float(y), 4)}
                    for i, (x, y) in zip(
                        projection.ids.tolist(), projection.xy.tolist(), strict=True
                    )
                ],
            }
        )
        return 0
    if drawn is not None:
        print(drawn.summary[:1].upper() + drawn.summary[1:] + ".")
    name = "sound map" if projection.kind == "sound" else "map of the main directions (PCA)"
    count = quantity(len(projection.ids), "loop")
    print(f"The {name} holds {count}; --json prints where each one sits.")
    if projection.placed:
        print(
            f"{quantity(projection.placed, 'loop')} embedded since it was drawn sit beside the"
            " loops they sound like; --redraw draws it anew."
        )
    return 0
