"""Commands about one loop: why it is unusual (`explain`) and which loops are like it
(`similar`)."""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.output import print_json
from anomalizer_desktop.core.library.store import Store


def cmd_explain(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.explain import explain, spreads_text

    result = explain(store, args.path, args.embedder, args.neighbours)
    if args.json:
        print_json(result.as_json())
        return 0
    print(result.summary)
    print("\nWhat deviates most:")
    for d in result.deviations:
        tops = ", ".join(f"{t['name']} {spreads_text(t['z'])}" for t in d.top_descriptors)
        print(f"  {d.words:34s} more than {d.percentile:5.1f}% of loops   ({tops})")
    print("\nNearest typical loops:")
    for n in result.neighbours:
        print(f"  {n['distance']:7.2f}  {n['path']}" + (f"  [{n['flag']}]" if n["flag"] else ""))
    if result.copies:
        print("\nThe same audio, elsewhere:")
        for path in result.copies:
            print(f"  {path}")
    return 0


def cmd_similar(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.analysis.likeness import likeness

    result = likeness(store, args.path, args.embedder)
    nearest = result.nearest(args.count)
    if args.json:
        print_json({"path": result.path, "embedder": args.embedder, "nearest": nearest})
        return 0
    if not nearest:
        print(f"No other embedded loop to compare {result.path} with yet.")
        return 0
    print(f"Loops like {result.path}, nearest first:")
    for n in nearest:
        print(f"  {n['distance']:7.2f}  {n['path']}" + (f"  [{n['flag']}]" if n["flag"] else ""))
    return 0
