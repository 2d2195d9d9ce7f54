"""`anomalizer bench scan`: what scanning costs per file, first and again.

Scans a folder (made-up loops by default: WAV files of the size of a 4-bar stereo loop) into a
temporary library three times: the first scan (every file is new: listed, probed and hashed
whole), a rescan (nothing changed: only listed and stat'ed), and the one-off scan of a library
whose hashes an earlier version took from the files' edges only (each file read once more).
Before each, the files are dropped from the page cache where the system allows it (so the
reads come from the drive, not memory), and the report says whether it did.

On made-up loops it then moves 10 loops into a new folder, as the window's Move does, and
times the folder watch's look at the folders that changed (they hold what the library lists:
no scan follows) against the rescan of the library folder that look started before. Last it
unpacks a new pack into the library folder, as a producer would, and times the look and the
scan that follow (the new pack, the packs beside it left as they are) against the rescan of
the whole library folder that followed before.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.audio.identity import content_hashes
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.folder_changes import check_folders, folders_to_rescan
from anomalizer_desktop.core.library.move_loops import move_loops
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import iter_audio_files

#: a made-up loop: 8 s of 16-bit stereo at 44.1 kHz (4 bars at 120 BPM), 1.4 MB
LOOP_SECONDS = 8.0


def bench_scan(
    folder: str | None = None,
    files: int = 2000,
    seed: int = 0,
    loop_seconds: float = LOOP_SECONDS,
) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        root = (
            Path(folder)
            if folder
            else _made_up_loops(Path(scratch) / "loops", files, seed, loop_seconds)
        )
        paths = list(iter_audio_files(str(root.resolve()), lambda path, why: None))
        total_mb = sum(os.path.getsize(p) for p in paths) / 1e6
        report: dict = {"files": len(paths), "mb": round(total_mb, 1)}
        with Store(Path(scratch) / "bench.sqlite") as store:
            report["cold_cache"] = _drop_from_cache(paths)
            report["first_scan"] = _timed_scan(store, root, total_mb)
            _drop_from_cache(paths)
            report["rescan"] = _timed_scan(store, root, total_mb)
            with store.transaction() as db:
                for path in paths:
                    db.execute(
                        "UPDATE samples SET content_hash = ? WHERE path = ?",
                        (content_hashes(path).edges, path),
                    )
            _drop_from_cache(paths)
            report["edge_hash_upgrade"] = _timed_scan(store, root, total_mb)
            if not folder:  # (never the producer's own loops)
                report["after_a_move"] = _after_a_move(store, root)
                report["after_a_new_pack"] = _after_a_new_pack(store, root)
    return report


def _after_a_move(store: Store, root: Path) -> dict:
    """Move 10 loops of the first pack into a new folder beside it (the library following);
    time the watch's look at the folders that changed, then the rescan it used to start."""
    seen = run_job(scan(store, [str(root)])).folders  # what the watch compares with
    source = min(p for p in root.iterdir() if p.is_dir())
    names = sorted(os.listdir(source))[:10]
    loops = store.sample_ids_for_paths([str(source / name) for name in names])
    run_job(move_loops(store, loops, str(root / "moved here")))
    start = time.perf_counter()
    check = check_folders(seen, [str(source), str(root)], listed=store.names_listed_in)
    look = time.perf_counter() - start
    start = time.perf_counter()
    summary = run_job(scan(store, [str(root)]))
    return {
        "moved": len(loops),
        "look_s": round(look, 6),
        "scan_needed": bool(check.changed),
        "rescan_s": round(time.perf_counter() - start, 6),
        "rescan_found_new": summary.new,
    }


def _after_a_new_pack(store: Store, root: Path) -> dict:
    """Unpack a pack of one loop into the library folder, beside the others; time the watch's
    look at the library folder, the scan that follows now (the new pack and the library
    folder's own files, the packs beside left as they are) and the rescan of the whole library
    folder that followed before."""
    seen = run_job(scan(store, [str(root)])).folders
    source = next(p for p in sorted(root.iterdir()) if p.is_dir())
    loop = sorted(source.iterdir())[0].read_bytes()

    def unpack(name: str, tail: bytes) -> None:
        pack = root / name
        pack.mkdir()
        (pack / "loop.wav").write_bytes(loop[:-4] + tail)  # (other audio: a new loop)
        old = time.time() - 3600  # (unpacked long ago: not settling)
        os.utime(pack / "loop.wav", (old, old))

    unpack("new pack", b"\x01\x02\x03\x04")
    start = time.perf_counter()
    check = check_folders(seen, [str(root)], listed=store.names_listed_in)
    folders, unchanged = folders_to_rescan(check.changed, [str(root)], seen=seen)
    look = time.perf_counter() - start
    start = time.perf_counter()
    summary = run_job(scan(store, folders, unchanged=unchanged))
    scan_s = time.perf_counter() - start
    unpack("another new pack", b"\x01\x02\x03\x05")  # the same again, for the rescan before
    start = time.perf_counter()
    whole = run_job(scan(store, [str(root)]))
    return {
        "look_s": round(look, 6),
        "left": len(summary.left),
        "scan_s": round(scan_s, 6),
        "scan_found_new": summary.new,
        "rescan_s": round(time.perf_counter() - start, 6),
        "rescan_found_new": whole.new,
    }


def _timed_scan(store: Store, root: Path, total_mb: float) -> dict:
    start = time.perf_counter()
    summary = run_job(scan(store, [str(root)]))
    seconds = time.perf_counter() - start
    return {
        # to the microsecond: a rescan of a few files takes well under a millisecond
        "s": round(seconds, 6),
        "files_per_s": round(summary.found / seconds),
        "mb_per_s": round(total_mb / seconds),
        "new": summary.new,
        "unchanged": summary.unchanged,
        "errors": summary.errors,
    }


def _drop_from_cache(paths: list[str]) -> bool:
    """Ask the kernel to forget the files' cached pages (POSIX_FADV_DONTNEED; no rights
    needed); False where the system has no such call."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
    return True


def _made_up_loops(folder: Path, files: int, seed: int, seconds: float = LOOP_SECONDS) -> Path:
    """`files` WAV files of noise, each `seconds` of 16-bit stereo at 44.1 kHz, in packs of
    100 (written as raw bytes behind a header: quick to make, and a scan never decodes)."""
    rng = np.random.default_rng(seed)
    frames = max(1, int(seconds * 44_100))
    data_bytes = frames * 4
    header = (
        b"RIFF"
        + (36 + data_bytes).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (2).to_bytes(2, "little")
        + (44_100).to_bytes(4, "little")
        + (44_100 * 4).to_bytes(4, "little")
        + (4).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + data_bytes.to_bytes(4, "little")
    )
    for index in range(files):
        pack = folder / f"pack {index // 100:03d}"
        pack.mkdir(parents=True, exist_ok=True)
        (pack / f"loop {index:05d}.wav").write_bytes(header + rng.bytes(data_bytes))
    return folder
