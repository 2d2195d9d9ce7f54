"""The export command: a set of loops (flagged, tagged, the most unusual...) as a folder of
links or copies, a playlist or a CSV for a DAW; one set per tag with --each-tag.
"""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.output import (
    counting_bar,
    print_json,
    print_problems,
    warn,
)
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.export import (
    FolderNotEmptyError,
    Project,
    select_entries,
    write_export,
)
from anomalizer_desktop.core.export.selection import copies_left_out, left_out_text
from anomalizer_desktop.core.export.tag_sets import export_tag_sets, tag_sets
from anomalizer_desktop.core.library.followed_exports import remember_exports
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import (
    quantity,
)


def _project(args: argparse.Namespace) -> Project | None:
    """export --at-tempo / --at-key: the project a folder of copies is written at."""
    if args.at_tempo is None and args.at_key is None:
        return None
    if args.format != "copies":
        raise AnomalizerError(
            "--at-tempo and --at-key write the loops themselves: use them with --format copies"
        )
    return Project(args.at_tempo, args.at_key)


def cmd_export(args: argparse.Namespace, store: Store) -> int:
    project = _project(args)
    if args.each_tag:
        return _export_each_tag(args, store, project)
    entries = select_entries(
        store, top=args.top, paths=args.paths, tag=args.tag, **_export_criteria(args)
    )
    try:
        with counting_bar("copying", args.quiet or args.format != "copies") as progress:
            target = write_export(entries, args.format, args.out, args.overwrite, progress, project)
    except FolderNotEmptyError as error:
        if error.foreign:
            raise
        raise AnomalizerError(
            f"{error.target} holds an earlier export: --overwrite replaces it"
        ) from None
    remember_exports(store, args.format, [target])  # (its links follow the loops' moves)
    if args.json:
        print_json(
            {
                "format": args.format,
                "path": str(target),
                "entries": len(entries),
                "copies_left_out": copies_left_out(entries),
            }
        )
    else:
        at = f" at {project.describe()}" if project else ""
        print(f"wrote {quantity(len(entries), 'loop')} to {target}{at}{left_out_text(entries)}")
    return 0


def _export_criteria(args: argparse.Namespace) -> dict:
    """What `export` selects loops by, besides --top, --path and --tag (`select_entries`)."""
    return {
        "flag": args.flag,
        "min_score": args.min_score,
        "max_score": args.max_score,
        "tempo": args.bpm,
        "bars": args.bars,
        "added": args.added,
        "unusual": args.unusual_percent,
        "crossed": args.crossed,
        "folder": args.folder,
        "key": args.key,
        "keep_copies": args.keep_copies,
    }


def _export_each_tag(args: argparse.Namespace, store: Store, project: Project | None) -> int:
    """export --each-tag: a set per tag in the folder OUT; a set that cannot be written is
    named (exit 0 when any was written, as a scan with bad files)."""
    if args.tag or args.paths or args.top:
        raise AnomalizerError("export --each-tag: one set per tag; drop --tag, --path and --top")
    tags = list(store.tag_counts())
    sets = tag_sets(store, tags, **_export_criteria(args))
    with counting_bar("copying", args.quiet or args.format != "copies") as progress:
        result = export_tag_sets(
            sets,
            args.format,
            args.out,
            overwrite=args.overwrite,
            library_tags=tags,
            progress=progress,
            project=project,
        )
    remember_exports(store, args.format, [path for _, path, _ in result.written])
    if args.json:
        print_json(
            {
                "format": args.format,
                "folder": str(result.folder),
                "sets": [{"tag": t, "path": str(p), "entries": n} for t, p, n in result.written],
                "earlier_exports_kept": [{"tag": t, "path": str(p)} for t, p in result.earlier],
                "failed": [{"tag": t, "why": why} for t, why in result.failed],
                "removed": [{"tag": t, "path": str(p)} for t, p in result.removed],
            }
        )
    else:
        for tag, path, count in result.written:
            print(f"{tag}: {quantity(count, 'loop')} to {path}{left_out_text(sets[tag])}")
        at = f" at {project.describe()}" if project else ""
        print(
            f"wrote {quantity(len(result.written), 'set')}"
            f" ({quantity(result.loops, 'loop')}) to {result.folder}{at}"
        )
        for tag, path in result.removed:
            print(f"{tag}: no loop is tagged so any more: moved {path} to the trash")
    for tag, path in result.earlier:
        warn(f"{tag}: {path} holds an earlier export: --overwrite replaces it")
    print_problems([(tag, why) for tag, why in result.failed])
    return 0 if result.written or not (result.failed or result.earlier) else 1
