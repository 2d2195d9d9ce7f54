"""Commands that build and read the library: scan, embed, start, list, flag, export, forget, info,
repair.

Each takes parsed args (and an open Store where it works on a library) and returns an exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

from anomalizer_desktop.cli.clap_args import clap_options
from anomalizer_desktop.cli.output import (
    counting_bar,
    drive,
    format_table,
    print_json,
    print_problems,
    warn,
)
from anomalizer_desktop.core.audio.formats import unread_formats_text
from anomalizer_desktop.core.detector.neighbour_lists import FILE_NAME as NEIGHBOURS_FILE
from anomalizer_desktop.core.detector.run_models import (
    KEEP_RUN_MODELS,
    detectors_folder,
    run_model_files,
)
from anomalizer_desktop.core.embedding.job import embed as embed_job
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.export import (
    FolderNotEmptyError,
    Project,
    select_entries,
    write_export,
)
from anomalizer_desktop.core.export.selection import copies_left_out, left_out_text
from anomalizer_desktop.core.export.tag_sets import export_tag_sets, tag_sets
from anomalizer_desktop.core.library.damaged_file import find_damage
from anomalizer_desktop.core.library.flag_backup import backup_path, read_flag_backup
from anomalizer_desktop.core.library.folder_tree import in_any_folder
from anomalizer_desktop.core.library.library_files import LIBRARY_SUFFIXES, damaged_copies
from anomalizer_desktop.core.library.lookup import held_name, library_names
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.same_audio import same_audio_groups, with_same_audio
from anomalizer_desktop.core.library.scanner import UNREACHABLE_FOLDER, ScanError, reachable_roots
from anomalizer_desktop.core.library.scanner import scan as scan_job
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.trash import TrashResult, links_in_store, move_to_trash
from anomalizer_desktop.core.library.user_tags import merged_into, stored_tags
from anomalizer_desktop.core.library.views import came_in_since, declared_by
from anomalizer_desktop.core.library.walk import UNUSABLE_FILE_NAME, has_a_usable_name, shown_path
from anomalizer_desktop.core.loop_names import lasts_bars, tempo_text, within_unusual
from anomalizer_desktop.core.paths import resolve_library_path
from anomalizer_desktop.core.text import (
    file_size,
    length_text,
    quantity,
    score_text,
    unusual_percent,
)

SCAN_KEYS = ("found", "new", "changed", "unchanged", "moved", "missing", "errors")


def scan_line(summary) -> str:
    """ "found 12, new 0, ..." (and "back 1" when missing loops' files returned, "not added 2"
    when files or folders were passed by: a name that is not UTF-8, a folder that cannot be
    read or that is an export of the library; each listed below with the errors), then a line
    for the files it passed by in formats it does not read (a folder of .m4a or REX files
    "found 0": this says why) and one for each library folder the scan forgot."""
    line = ", ".join(f"{k} {getattr(summary, k)}" for k in SCAN_KEYS)
    line += f", back {summary.returned}" if summary.returned else ""
    passed_by = len(summary.problems) - summary.errors
    line += f", not added {passed_by}" if passed_by > 0 else ""
    if unread := unread_formats_text(summary.unread_formats):
        line += f"\npassed by {unread}"
    for folder in summary.forgotten_folders:
        line += f"\nforgot the folder {folder}: it is gone, and its loops are in other folders now"
    return line


def folders_to_scan(args: argparse.Namespace, store: Store) -> list[str]:
    """The folders named, else every folder of the library that is there now (as the window's
    Rescan: a drive not mounted must not turn its loops into "missing"); the others are named
    on stderr."""
    if args.paths:
        return args.paths
    reachable, away = reachable_roots(store)
    if not reachable and not away:
        raise AnomalizerError("the library has no folders yet: `anomalizer scan FOLDER` adds one")
    for folder in away:
        warn(f"  ! {folder}: {UNREACHABLE_FOLDER}")
    if not reachable:
        raise AnomalizerError("none of the library's folders can be reached now; nothing scanned")
    return reachable


def cmd_scan(args: argparse.Namespace, store: Store) -> int:
    summary = drive(scan_job(store, folders_to_scan(args, store)), "scanning", args.quiet)
    if args.json:
        print_json(summary.as_json())
    else:
        print(scan_line(summary))
        print_problems(summary.problems)
    return 0


def cmd_embed(args: argparse.Namespace, store: Store) -> int:
    job = embed_job(
        store,
        args.embedder,
        workers=args.workers,
        retry_errors=args.retry_errors,
        **clap_options(args),
    )
    summary = drive(job, f"embedding ({args.embedder})", args.quiet)
    if args.json:
        print_json(summary.as_json())
    else:
        print(f"embedded {summary.embedded}, skipped {summary.skipped}, errors {summary.errors}")
        print_heard(summary)
        if summary.unreachable:
            warn(
                f"{quantity(summary.unreachable, 'loop')} left for later: their folder is not"
                " reachable now (a drive not mounted?)"
            )
        print_problems(summary.problems)
    return 0


def print_heard(summary) -> None:
    """Say how many loops this embed heard a tempo in (`core.embedding.tempo_job`)."""
    if summary.tempos_heard:
        print(
            f"heard a tempo in {quantity(summary.tempos_heard, 'loop')} (shown, marked ≈,"
            " where a loop's name and loop tags declare none)"
        )


def cmd_start(args: argparse.Namespace, store: Store) -> int:
    """The quick start: scan the folders, embed every loop, bring the scores up to date (train
    the default detector, or score just the new loops), print where things stand (with
    --json, one object: what the scan and the embedding found, what scoring did, the scores'
    status after it)."""
    from anomalizer_desktop.core.detector.freshness import score_status
    from anomalizer_desktop.core.detector.training import refresh_scores

    text = not args.json  # lines as each step ends, or one object at the end
    scanned = drive(scan_job(store, folders_to_scan(args, store)), "scanning", args.quiet)
    if text:
        print(scan_line(scanned))
        print_problems(scanned.problems)
    embedded = drive(embed_job(store, "dsp"), "embedding (dsp)", args.quiet)
    if text:
        print(f"embedded {embedded.embedded}, skipped {embedded.skipped}, errors {embedded.errors}")
        print_heard(embedded)
        print_problems(embedded.problems)
    scored = None if args.no_train else drive(refresh_scores(store, "dsp"), "scoring", args.quiet)
    if text:
        if scored is not None:
            print(scored)
        print(f"library: {store.path}  — try `anomalizer list --sort score` or `anomalizer info`")
        return 0
    print_json(
        {
            "library": str(store.path),
            "scan": scanned.as_json(),
            "embed": embedded.as_json(),
            "scoring": scored,
            "scores": score_status(store, "dsp").as_json(),
        }
    )
    return 0


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


def cmd_trash(args: argparse.Namespace, store: Store) -> int:
    """Move loops' files to the desktop's trash and forget them (the window's Move to Trash):
    the loops named, and with --flag or --tag every loop flagged or tagged so (both given:
    the loops that are both). --dry-run only lists them."""
    if not (args.paths or args.flag or args.tag):
        raise AnomalizerError(
            "trash: name the loops (PATH ...), --flag typical|unusual or --tag NAME"
        )
    chosen, unknown = _named_loops(store, args.paths)
    if args.flag or args.tag:
        chosen.update((r.path, r.id) for r in store.list_samples(flag=args.flag, tag=args.tag))
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


def info_without_library(args: argparse.Namespace, path: os.PathLike[str]) -> int:
    """`info` where no library exists yet: where it would be, without making it."""
    where = os.path.abspath(path)
    if args.json:
        print_json({"library": where, "exists": False})
    else:
        print(f"library   {where} (none yet: anomalizer scan FOLDER makes it)")
    return 0


def _flag_backup_info(library: str) -> dict | None:
    """Where the flags' backup is, how many loops it holds and when it was written; None
    when there is none (yet)."""
    loops, written_at = read_flag_backup(library)
    if written_at is None:
        return None
    return {"path": str(backup_path(library)), "loops": len(loops), "written_at": written_at}


def _copies_info(store: Store) -> dict[str, int]:
    """How many files the library holds more than once, and in how many loops."""
    copied = store.copied_files()
    return {"files": len(set(copied.values())), "loops": len(copied)}


def _same_audio_info(store: Store) -> dict[str, int]:
    """How many recordings the library holds in files with other bytes, in how many loops."""
    groups = same_audio_groups(store)
    return {"recordings": len(set(groups.values())), "loops": len(groups)}


def _sound_maps_info(store: Store) -> list[dict]:
    """Per embedder, how many loops its sound map places and when it was drawn."""
    rows = store.execute(
        "SELECT embedder, COUNT(*), MAX(drawn_at) FROM map_points GROUP BY embedder"
        " ORDER BY embedder"
    ).fetchall()
    return [{"embedder": e, "loops": n, "drawn_at": at} for e, n, at in rows]


def cmd_info(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.detector.freshness import score_status

    scores = score_status(store)
    info = {
        "library": os.path.abspath(store.path),
        "exists": True,
        "roots": [path for _, path in store.roots()],
        "samples": store.counts_by_status(),
        "embedders": store.embedder_counts(),
        "flags": store.flag_counts(),
        "tags": store.tag_counts(),
        "set_by_hand": store.set_by_hand_counts(),
        "copies": _copies_info(store),
        "same_audio": _same_audio_info(store),
        "scores": scores.as_json(),
        "flag_backup": _flag_backup_info(store.path),
        "run_models": _run_models_info(store),
        "sound_maps": _sound_maps_info(store),
        "damaged_copies": _damaged_copies_info(store.path),
    }
    if args.json:
        print_json(info)
        return 0
    print(f"library   {info['library']}")
    print(f"folders   {', '.join(info['roots']) or '(none yet: anomalizer scan FOLDER)'}")
    print("samples   " + ", ".join(f"{k} {v}" for k, v in info["samples"].items()))
    print("embedders " + (", ".join(f"{k} ({v})" for k, v in info["embedders"].items()) or "none"))
    print("flags     " + ", ".join(f"{k} {v}" for k, v in info["flags"].items()))
    tags = list(info["tags"].items())
    if tags:
        shown = ", ".join(f"{tag} {n}" for tag, n in tags[:8])
        more = f" and {len(tags) - 8} more (anomalizer tags)" if len(tags) > 8 else ""
        print(f"tags      {shown}{more}")
    by_hand = info["set_by_hand"]
    if any(by_hand.values()):
        print(f"by hand   tempo {by_hand['tempo']}, key {by_hand['key']} (loops you set them for)")
    copies = info["copies"]
    if copies["files"]:
        print(
            f"copies    {quantity(copies['files'], 'file')} in the library more than once"
            f" ({quantity(copies['loops'], 'loop')}; anomalizer list --copies)"
        )
    same = info["same_audio"]
    if same["recordings"]:
        print(
            f"same audio {quantity(same['recordings'], 'recording')} in files with other bytes"
            f" ({quantity(same['loops'], 'loop')}; anomalizer same-audio)"
        )
    backup = info["flag_backup"]
    if backup is not None:
        written = time.strftime("%Y-%m-%d %H:%M", time.localtime(backup["written_at"]))
        print(
            f"          backed up in {backup['path']} ({quantity(backup['loops'], 'loop')},"
            f" written {written})"
        )
    if scores.run_id is None:
        print(f"scores    none yet: {scores.message}")
    else:
        state = "current" if scores.current else "out of date"
        print(f"scores    run {scores.run_id}, {scores.scored} of {scores.embedded} loops, {state}")
        if not scores.current:
            print(f"          {scores.message}")
    models = info["run_models"]
    if models["files"]:
        print(
            f"models    {quantity(models['files'], 'run model')} (the newest {KEEP_RUN_MODELS}"
            f" are kept), {file_size(models['bytes'])} in {', '.join(models['folders'])}"
        )
    if models["neighbour_lists_bytes"]:
        print(
            f"          and the last training's neighbour lists, "
            f"{file_size(models['neighbour_lists_bytes'])}: a retrain with other flags starts"
            " from them (deleting them loses nothing)"
        )
    for drawn in info["sound_maps"]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(drawn["drawn_at"]))
        print(
            f"sound map {drawn['embedder']}: {quantity(drawn['loops'], 'loop')}, drawn {when}"
            " (anomalizer map)"
        )
    damaged = info["damaged_copies"]
    if damaged:
        size = file_size(sum(copy["bytes"] for copy in damaged))
        print(
            f"damaged   {quantity(len(damaged), 'copy', 'copies')} that repairs set aside, {size},"
            " kept for recovery (delete when the repaired library is as it should be):"
        )
        for copy in damaged:
            print(f"          {copy['path']}")
    return 0


def _damaged_copies_info(library: str) -> list[dict]:
    """The damaged files repairs set aside beside the library, with their size (and their
    SQLite journal's, when one was moved with them)."""
    copies = []
    for path in damaged_copies(Path(os.path.abspath(library))):
        size = 0
        for suffix in LIBRARY_SUFFIXES:
            with contextlib.suppress(OSError):
                size += Path(f"{path}{suffix}").stat().st_size
        copies.append({"path": str(path), "bytes": size})
    return copies


def _run_models_info(store: Store) -> dict:
    """How many model files the library's runs have left, their size and the folders they
    are in (this library's own, and the `detectors/` older versions shared), and the size of
    the last training's neighbour lists (0 when there are none)."""
    files = run_model_files(store)
    size = 0
    for path in files:
        with contextlib.suppress(OSError):
            size += path.stat().st_size
    folders = sorted({str(path.parent) for path in files})
    lists = 0
    with contextlib.suppress(OSError):
        lists = (detectors_folder(store.path) / NEIGHBOURS_FILE).stat().st_size
    return {
        "folders": folders or [str(detectors_folder(store.path))],
        "files": len(files),
        "bytes": size,
        "neighbour_lists_bytes": lists,
    }


def cmd_repair(args: argparse.Namespace) -> int:
    """Check the library with SQLite's quick check; when it is damaged (and not --check), set
    it aside and make it again from what can be read."""
    path = resolve_library_path(args.library)
    if not path.exists():
        raise AnomalizerError(f"no library at {path}")
    damage = find_damage(path)
    report: dict = {"library": os.path.abspath(path), "damage": damage, "repaired": False}
    if damage is None or args.check:
        if args.json:
            print_json(report)
        elif damage is None:
            print(f"the library {path} is sound (SQLite's check found nothing wrong)")
        else:
            print(f"the library {path} is damaged:\n  " + damage.replace("\n", "\n  "))
            print("`anomalizer repair` rebuilds it from what can be read")
        return 0 if damage is None else 1
    warn(f"the library {path} is damaged: {damage.splitlines()[0]}")
    outcome = drive(repair_library(path), "repairing", args.quiet)
    if args.json:
        report |= {
            "repaired": True,
            "kept_as": str(outcome.kept_as),
            "rebuilt_folders": outcome.rebuilt_folders,
            "tables": {name: vars(table) for name, table in outcome.tables.items()},
        }
        print_json(report)
    else:
        print(outcome.summary())
    return 0
