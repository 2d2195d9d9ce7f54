"""Commands that read and change what the library holds: list, flag, tags, trash, move,
rename, forget (scan, embed and start are in scan_commands; export in export_commands; info
and repair in info_commands).

Each takes parsed args (and an open Store where it works on a library) and returns an exit code.
"""

from __future__ import annotations

import argparse
import os

from anomalizer_desktop.cli.output import (
    drive,
    format_table,
    print_json,
    print_problems,
    warn,
)
from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.library.folder_tree import in_any_folder
from anomalizer_desktop.core.library.lookup import held_name, library_names
from anomalizer_desktop.core.library.move_loops import (
    MoveResult,
    library_folder_id,
    move_loops,
    moved_path,
    rename_loop,
)
from anomalizer_desktop.core.library.same_audio import with_same_audio
from anomalizer_desktop.core.library.scanner import ScanError
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.trash import TrashResult, links_in_store, move_to_trash
from anomalizer_desktop.core.library.user_tags import merged_into, stored_tags
from anomalizer_desktop.core.library.views import came_in_since, declared_by
from anomalizer_desktop.core.library.walk import UNUSABLE_FILE_NAME, has_a_usable_name, shown_path
from anomalizer_desktop.core.loop_names import lasts_bars, tempo_text, within_unusual
from anomalizer_desktop.core.text import (
    length_text,
    quantity,
    score_text,
    unusual_percent,
)


def cmd_list(args: argparse.Namespace, store: Store) -> int:
    sort = "score" if args.top is not None and args.sort is None else args.sort
    records = store.list_samples(
        sort=sort,
        descending=sort in ("score", "added"),  # the oddest, the newest first
        flag=args.flag,
        status=args.status,
        tag=args.tag,
    )
    if args.copies:  # the files the library holds more than once
        copied = store.copied_files()
        records = [r for r in records if r.path in copied]
        if args.sort is None:  # each file's copies side by side
            records.sort(key=lambda r: (copied[r.path], r.path))
    found = [(r, declared_by(r)) for r in records]
    found = [(r, d) for r, d in found if d.matches(args.bpm, args.key)]
    if args.bars is not None:
        found = [(r, d) for r, d in found if lasts_bars(r.duration, d.tempo, args.bars)]
    if args.added is not None:
        found = [(r, d) for r, d in found if came_in_since(r, args.added)]
    if args.unusual_percent is not None:
        kept = within_unusual([r.percentile for r, _ in found], args.unusual_percent)
        found = [pair for pair, keep in zip(found, kept, strict=True) if keep]
    if args.crossed is not None:
        moved = store.crossed_the_cut(args.crossed)
        found = [(r, d) for r, d in found if r.id in moved]
    if args.folder is not None:
        found = [(r, d) for r, d in found if in_any_folder(r.path, args.folder)]
        if not found and not any(in_any_folder(r.path, args.folder) for r in records):
            warn(f"the library holds no loop in {shown_path(args.folder[0])}")
    if args.top is not None:
        found = _most_unusual(found, args.top)
    if args.json:
        new, fell = (set(ids) for ids in store.unusual_crossings())
        print_json(
            [
                {
                    **r.as_json(),
                    "tempo": d.tempo,
                    "tempo_from": d.tempo_from,
                    "key": d.key,
                    # which way the latest training moved it across the unusual cut
                    "crossed": "new" if r.id in new else "fell" if r.id in fell else None,
                }
                for r, d in found
            ]
        )
        return 0
    rows = [
        [
            r.flag or "",
            "" if r.percentile is None else unusual_percent(r.percentile),
            "" if r.score is None else score_text(r.score),
            "" if r.duration is None else length_text(r.duration, unit=""),
            tempo_text(d),
            d.key or "",
            stored_tags(r.tags) or "",
            r.status,
            r.path,
            (r.error or "") + (f"  [{r.note}]" if r.note else ""),
        ]
        for r, d in found
    ]
    header = ["flag", "unusual %", "score", "dur s", "bpm", "key", "tags", "status", "path"]
    header += ["error / note"]
    print(format_table(rows, header))
    return 0


def _most_unusual(found: list, top: int) -> list:
    """The `top` highest-scored of `found` (record, declared) pairs, in the order they came
    (the list's sort); loops without a score are not among them."""
    scored = [pair for pair in found if pair[0].score is not None]
    if found and not scored:
        raise AnomalizerError("no scores yet: `anomalizer train` scores the loops")
    kept = {id(pair) for pair in sorted(scored, key=lambda p: -p[0].score)[:top]}
    return [pair for pair in found if id(pair) in kept]


def cmd_flag(args: argparse.Namespace, store: Store) -> int:
    """Flag loops, write their note, tag them: whatever the options say, in one transaction."""
    tagging = bool(args.tag or args.untag) or args.tags is not None
    timing = args.bpm is not None or args.key is not None
    flagging = args.typical or args.unusual or args.clear
    if not (flagging or args.note is not None or tagging or timing):
        # `flag loop.wav unusual` used to read "unusual" as a path and print "updated 1 loop"
        words = [p for p in args.paths if p in ("typical", "unusual", "clear")]
        hint = f" (did you mean --{words[0]}?)" if words else ""
        raise AnomalizerError(
            "flag: say what to do with the loops: --typical, --unusual, --clear, --note"
            f" TEXT, --tag TAGS, --untag TAGS, --tags TAGS, --bpm TEMPO or --key KEY{hint}"
        )
    if args.tags is not None and (args.tag or args.untag):
        raise AnomalizerError("flag: --tags gives the loops exactly those tags: drop --tag/--untag")
    ids, unknown = _named_loops(store, args.paths)
    if not ids:
        return 1
    loops = list(dict.fromkeys(ids.values()))
    # a flag, a tempo and a key are about the sound: the detector takes a flag for every copy
    # of the file, and so does the library, as the window's T and U do (and for the files the
    # same audio was found in, `same-audio`); notes and tags are the file's own
    sounds = with_same_audio(store, store.ids_with_copies(loops)) if flagging or timing else []
    copies = max(0, len(sounds) - len(loops))
    with store.transaction():
        if flagging:
            store.set_flag(
                sounds, "typical" if args.typical else "unusual" if args.unusual else None
            )
        if args.note is not None:
            store.set_note(ids.values(), args.note)
        if args.tags is not None:
            store.set_tags(ids.values(), args.tags)
        elif args.tag or args.untag:
            store.edit_tags(ids.values(), add=args.tag, remove=args.untag)
        if args.bpm is not None:  # "none": what the loop says again
            store.set_tempo(sounds, args.bpm or None)
        if args.key is not None:
            store.set_key(sounds, args.key or None)
    if args.json:
        print_json({"flagged": len(loops), "copies_flagged": copies, "unknown": unknown})
    else:
        also = ""
        if copies:
            of = "it" if len(loops) == 1 else "them"
            what = "the flag of " if flagging and not timing else ""
            also = f" and {what}{quantity(copies, 'copy', 'copies')} of {of}"
        print(f"updated {quantity(len(loops), 'loop')}{also}")
    return 0


def cmd_tags(args: argparse.Namespace, store: Store) -> int:
    """The tags on the library's loops, most used first, with how many loops carry each;
    --rename OLD NEW and --delete TAG change a tag on every loop first."""
    if args.rename or args.delete:
        old, new = args.rename or (args.delete, None)
        known = store.tag_counts()
        if not any(t.casefold() == old.casefold() for t in known):
            raise AnomalizerError(f"no loop is tagged {old!r} (`anomalizer tags` lists the tags)")
        # a name another tag has merges the two (the spelling in use stays), as in the window
        other = merged_into(known, old, new)
        changed = store.rename_tag(old, other or new)
        if other:
            verb = f"merged {old!r} into {other!r} on"
        else:
            verb = f"renamed {old!r} to {new!r} on" if new else f"took {old!r} off"
        warn(f"{verb} {quantity(changed, 'loop')}")
    counts = store.tag_counts()
    if args.json:
        print_json([{"tag": tag, "loops": count} for tag, count in counts.items()])
    elif not counts:
        print("no tags yet: `anomalizer flag PATH --tag NAME`, or G in the window")
    else:
        print(format_table([[str(n), tag] for tag, n in counts.items()], ["loops", "tag"]))
    return 0


def _named_loops(store: Store, paths: list[str]) -> tuple[dict[str, int], list[str]]:
    """({the library's path of each loop named: its id}, paths the library does not hold),
    saying which on stderr. A link's own loop comes before the loop it points to."""
    found = store.sample_ids_for_paths({n for p in paths for n in library_names(p)})
    ids, unknown = {}, []
    for path in paths:
        name = held_name(path, found)
        if name is None:
            unknown.append(path)
        else:
            ids[name] = found[name]
    for path in unknown:
        if has_a_usable_name(path):
            warn(f"not in the library: {path} (scan its folder first)")
        else:
            warn(f"not in the library: {shown_path(path)}: {UNUSABLE_FILE_NAME}")
    return ids, unknown


def _chosen_loops(args: argparse.Namespace, store: Store) -> tuple[dict[str, int], list[str]]:
    """The loops a command on loops' files names (trash, move): the paths, and with --flag or
    --tag every loop flagged or tagged so (both given: the loops that are both); with the
    paths the library does not hold."""
    if not (args.paths or args.flag or args.tag):
        raise AnomalizerError(
            f"{args.command}: name the loops (PATH ...), --flag typical|unusual or --tag NAME"
        )
    chosen, unknown = _named_loops(store, args.paths)
    if args.flag or args.tag:
        chosen.update((r.path, r.id) for r in store.list_samples(flag=args.flag, tag=args.tag))
    return chosen, unknown


def cmd_trash(args: argparse.Namespace, store: Store) -> int:
    """Move loops' files to the desktop's trash and forget them (the window's Move to Trash):
    the loops named, and with --flag or --tag every loop flagged or tagged so (both given:
    the loops that are both). --dry-run only lists them."""
    chosen, unknown = _chosen_loops(args, store)
    if not chosen:
        if not unknown:
            print("no loops to move to the trash")
        return 1 if unknown else 0
    paths = sorted(chosen)
    left_behind = links_in_store(store, paths)
    if args.dry_run:
        result = TrashResult(trashed=paths)
    else:
        result = move_to_trash(paths)
        store.forget_samples([chosen[p] for p in result.forgotten])
        left_behind = [link for link in left_behind if not os.path.exists(link)]
    if args.json:
        print_json(
            {
                "trashed": result.trashed,
                "gone": result.gone,
                "failed": [{"path": p, "why": result.why[p]} for p in result.failed],
                "unknown": unknown,
                "links_left_behind": left_behind,
                "dry_run": args.dry_run,
            }
        )
    else:
        for path in result.trashed if args.dry_run else ():
            print(path)
        verb = "would move" if args.dry_run else "moved"
        line = f"{verb} {quantity(len(result.trashed), 'loop')} to the trash"
        if result.gone:
            line += f"; forgot {quantity(len(result.gone), 'loop')} whose file was gone"
        print(line + (" (nothing moved)" if args.dry_run else ""))
        for link in left_behind:
            print(
                f"note: {link} is a link to one of these files and would lead nowhere"
                if args.dry_run
                else f"note: {link} is a link to a file moved to the trash: it leads nowhere now"
            )
    print_problems([(p, f"not moved to the trash: {result.why[p]}") for p in result.failed])
    return 0


def cmd_move(args: argparse.Namespace, store: Store) -> int:
    """Move loops' files into a folder (the window's Move to Folder): into a folder the
    library scans they keep their flags, notes and tags; outside its folders they leave the
    library (`core.library.move_loops`). --dry-run only lists them."""
    chosen, unknown = _chosen_loops(args, store)
    if not chosen:
        if not unknown:
            print("no loops to move")
        return 1 if unknown else 0
    loops = dict(sorted(chosen.items()))
    folder = os.path.realpath(os.path.expanduser(args.to))
    left_behind = links_in_store(store, list(loops))
    if args.dry_run:
        inside = library_folder_id(store, folder) is not None
        result = MoveResult(folder, inside, moved=[(p, moved_path(p, folder)) for p in loops])
        if inside:  # (the library's links to them would follow them)
            left_behind = []
    else:
        result = drive(move_loops(store, loops, folder), "moving", args.quiet)
        left_behind = [link for link in left_behind if not os.path.exists(link)]
    if args.json:
        print_json(
            {
                "folder": result.folder,
                "in_library": result.in_library,
                "moved": [{"from": old, "to": new} for old, new in result.moved],
                "in_it_already": result.here,
                "name_taken": result.taken,
                "gone": result.gone,
                "failed": [{"path": p, "why": why} for p, why in result.failed.items()],
                "not_recorded": result.not_recorded,
                "links_left_behind": left_behind,
                "unknown": unknown,
                "dry_run": args.dry_run,
            }
        )
        return 0
    for old, new in result.moved if args.dry_run else ():
        print(f"{old} -> {new}")
    if args.dry_run:
        leave = "" if result.in_library else " (outside the library's folders: they would leave it)"
        loops_text = quantity(len(result.moved), "loop")
        print(f"would move {loops_text} to {folder}{leave}; nothing moved")
    else:
        print(result.report())
    for link in left_behind:
        print(
            f"note: {link} is a link to one of these files and would lead nowhere"
            if args.dry_run
            else f"note: {link} is a link to a file moved away: it leads nowhere now"
        )
    if args.dry_run:
        return 0
    print_problems(result.stayed())
    return 0


def cmd_rename(args: argparse.Namespace, store: Store) -> int:
    """Rename one loop's file in its folder (the window's Loop > Rename…)."""
    chosen, unknown = _named_loops(store, [args.path])
    if unknown:
        return 1
    ((path, sample_id),) = chosen.items()
    try:
        new = rename_loop(store, sample_id, path, args.name)
    except OSError as error:
        raise AnomalizerError(f"{path}: not renamed: {os_reason(error)}") from None
    if args.json:
        print_json({"from": path, "to": new})
    else:
        print(f"renamed {path} -> {os.path.basename(new)}" if new != path else "name unchanged")
    return 0


def cmd_forget(args: argparse.Namespace, store: Store) -> int:
    if args.folder:
        return _forget_folder(args, store)
    missing, annotated = store.missing_summary()
    forgotten = 0 if args.dry_run else store.forget_missing()
    if args.json:
        print_json({"missing": missing, "with_flags_or_notes": annotated, "forgotten": forgotten})
    elif args.dry_run:
        missing_loops = quantity(missing, "missing loop")
        print(f"{missing_loops}, {annotated} with flags or notes (nothing forgotten)")
    else:
        print(f"forgot {quantity(forgotten, 'missing loop')}, {annotated} with flags or notes")
    return 0


def _forget_folder(args: argparse.Namespace, store: Store) -> int:
    folder = os.path.realpath(os.path.expanduser(args.folder))
    roots = dict((path, root_id) for root_id, path in store.roots())
    if folder not in roots:
        known = ", ".join(roots) or "none"
        raise ScanError(
            f"{shown_path(folder)} is not a folder of this library (its folders: {known})"
        )
    loops, annotated = store.root_summary(roots[folder])
    removed = 0 if args.dry_run else store.remove_root(roots[folder])
    if args.json:
        print_json(
            {
                "folder": folder,
                "loops": loops,
                "with_flags_or_notes": annotated,
                "forgotten": removed,
            }
        )
    elif args.dry_run:
        print(
            f"{folder}: {quantity(loops, 'loop')}, {annotated} with flags or notes"
            " (nothing forgotten)"
        )
    else:
        print(
            f"forgot {folder}: {quantity(removed, 'loop')}, {annotated} with flags or notes;"
            " the files are untouched"
        )
    return 0
