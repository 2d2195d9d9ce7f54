"""`anomalizer folders`: the library's folders as a tree, with how unusual each one's loops are
(which pack does not fit?)."""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.output import format_table, print_json
from anomalizer_desktop.core.library.folder_tree import (
    Folder,
    FolderTree,
    library_folder_tree,
    sorted_folders,
)
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path


def tree_order(tree: FolderTree, sort: str, depth: int | None = None) -> list[int]:
    """The folders' indexes as a tree lists them (each folder, then the folders in it), the
    folders under each one in the `sort` order (high to low, names A to Z), down to `depth`
    (0: the added folders only; None: all)."""
    descending = sort != "name"
    order: list[int] = []
    stack = [sorted_folders(tree, tree.children(-1), sort, descending)[::-1]]
    while stack:
        if not stack[-1]:
            stack.pop()
            continue
        index = stack[-1].pop()
        order.append(index)
        if depth is None or tree.folders[index].depth < depth:
            stack.append(sorted_folders(tree, tree.children(index), sort, descending)[::-1])
    return order


def _share(folder: Folder) -> str:
    if not folder.scored:
        return "-"
    return f"{folder.unusual} ({100 * folder.unusual_share:.0f} %)"


def cmd_folders(args: argparse.Namespace, store: Store) -> int:
    tree = library_folder_tree(store)
    order = tree_order(tree, args.sort, args.depth)
    if args.json:
        print_json(
            [
                {
                    "path": shown_path(f.path),
                    "name": shown_path(f.name),
                    "depth": f.depth,
                    "parent": shown_path(tree.folders[f.parent].path) if f.parent >= 0 else None,
                    "loops": f.loops,
                    "scored": f.scored,
                    "unusual": f.unusual,
                    "unusual_share": None if not f.scored else round(f.unusual_share, 4),
                    "median_percent": None if not f.scored else round(f.median_percent, 2),
                    "flagged_typical": int(tree.typical[i]),
                    "flagged_unusual": int(tree.flagged_unusual[i]),
                }
                for i, f in ((i, tree.folders[i]) for i in order)
            ]
        )
        return 0
    if not order:
        print("No folders yet: `anomalizer start FOLDER` adds one.")
        return 0
    rows = [
        [
            "  " * f.depth + shown_path(f.name),
            str(f.loops),
            _share(f),
            "-" if not f.scored else f"{f.median_percent:.0f}",
            str(tree.typical[i] or ""),
            str(tree.flagged_unusual[i] or ""),
        ]
        for i, f in ((i, tree.folders[i]) for i in order)
    ]
    header = ["folder", "loops", "unusual", "median %", "typical", "flagged unusual"]
    print(format_table(rows, header))
    print(
        "\nunusual: the loops above the unusual cut, as `train` counts them: about one in ten of"
        " the library, so about 10 % of a folder like the rest. A folder counts the loops in its"
        " subfolders too."
    )
    return 0
