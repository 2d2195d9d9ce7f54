"""Commands that say where the library is and what it holds, and mend it: info, repair.

`info` also answers for a library file that cannot be opened (`info_without_library`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

from anomalizer_desktop.cli.output import (
    drive,
    print_json,
    warn,
)
from anomalizer_desktop.core.detector.neighbour_lists import FILE_NAME as NEIGHBOURS_FILE
from anomalizer_desktop.core.detector.run_models import (
    KEEP_RUN_MODELS,
    detectors_folder,
    run_model_files,
)
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.damaged_file import find_damage
from anomalizer_desktop.core.library.flag_backup import backup_path, read_flag_backup
from anomalizer_desktop.core.library.library_files import LIBRARY_SUFFIXES, damaged_copies
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.same_audio import same_audio_groups
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.paths import resolve_library_path
from anomalizer_desktop.core.text import (
    file_size,
    quantity,
)


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
    # (under the flags, tags and settings by hand: what the backup holds)
    backup = info["flag_backup"]
    if backup is not None:
        written = time.strftime("%Y-%m-%d %H:%M", time.localtime(backup["written_at"]))
        print(
            f"          backed up in {backup['path']} ({quantity(backup['loops'], 'loop')},"
            f" written {written})"
        )
    copies = info["copies"]
    if copies["files"]:
        print(
            f"copies    {quantity(copies['files'], 'file')} in the library more than once"
            f" ({quantity(copies['loops'], 'loop')}; anomalizer list --copies)"
        )
    same = info["same_audio"]
    if same["recordings"]:  # copies too, of a recording: under the copies, in their column
        label = "          " if copies["files"] else "copies    "
        print(
            f"{label}{quantity(same['recordings'], 'recording')} in files with other bytes"
            f" ({quantity(same['loops'], 'loop')}; anomalizer same-audio)"
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
