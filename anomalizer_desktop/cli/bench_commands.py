"""`anomalizer bench ...`: benchmarks that print figures (embedding, training, the library's
safety nets, the GUI).

Each takes parsed args (and an open Store where it works on a library) and returns an exit code.
"""

from __future__ import annotations

import argparse

from anomalizer_desktop.cli.clap_args import clap_options
from anomalizer_desktop.cli.output import print_json
from anomalizer_desktop.core.text import quantity


def cmd_bench_embed(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.bench import bench_embed

    embedders = args.embedder or ["dsp"]
    report = bench_embed(
        args.folder,
        embedders,
        workers=args.workers,
        repeats=args.repeats,
        clap_options=clap_options(args) or None,
    )
    if args.json:
        print_json(report)
        return 0
    print(f"{quantity(report['files'], 'file')}, {quantity(report['workers'], 'worker')}")
    for key, value in report.items():
        if isinstance(value, dict) and "files_per_s" in value:
            ratio = value.get("ratio_to_decode_only")
            passes = value.get("files_per_s_all", [])
            print(
                f"  {key:12s} {value['files_per_s']:8.1f} files/s"
                + (f" (median of {', '.join(f'{r:.0f}' for r in passes)})" if passes else "")
                + (f"  {ratio:.2f}x decode-only" if ratio else "")
            )
    if "speedup" in report:
        print(
            f"  CLAP ({report['version']}, {report['device']}, batch {report['batch_size']}): "
            f"{report['clap']['files_per_s']} files/s; the paper's way (seed_shape) "
            f"{report['seed_shape']['files_per_s']} files/s: {report['speedup']}x"
        )
    if "gpu" in report:
        gpu = report["gpu"]
        print(
            f"  GPU {gpu['name']}: peak memory {gpu['peak_allocated_mb']} MB allocated, "
            f"{gpu['peak_reserved_mb']} MB reserved; "
            + (
                f"{report['decode_processes']} decoding processes"
                if report["decode_processes"]
                else f"{report['decode_threads']} decoding threads"
            )
        )
    if "clap_steady" in report:
        steady = report["clap_steady"]
        print(f"  one long pass ({steady['entries']} entries): {steady['files_per_s']} files/s")
    profile = report.get("dsp_profile_single_process")
    if profile:
        print(
            f"  dsp profile (one process, median per file): decode {profile['decode_ms_median']}"
            f" ms, describe {profile['describe_ms_median']} ms"
        )
    rss = report["peak_rss_mb"]
    worker = rss["largest_worker"]
    print(
        f"  peak RSS: main {rss['main']} MB, largest worker "
        + (f"{worker} MB" if worker is not None else "not known here (Linux only)")
    )
    return 0


def cmd_bench_train(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.detector.bench import bench_train

    report = bench_train(args.n, args.dim, args.epochs, args.network, default_n=args.default_n)
    if args.json:
        print_json(report)
        return 0
    print(
        f"Deep SVDD ({args.network}) on {args.n} x {args.dim}, {args.epochs}+{args.epochs} "
        f"epochs, {report['torch_threads']} torch threads"
    )
    for device in ("cpu", "cuda"):
        if device in report:
            r = report[device]
            print(
                f"  {device:5s} total {r['total_s']:.2f} s, per epoch: pretrain "
                f"{r['pretrain_epoch_s']:.3f} s, one-class {r['svdd_epoch_s']:.3f} s; "
                f"scoring {r['score_s']:.3f} s"
            )
    if "speedup_cuda_vs_cpu" in report:
        print(f"  speed-up cuda vs cpu: {report['speedup_cuda_vs_cpu']}x")
    for key in ("default", "default_cuda"):
        if key in report:
            print(default_detector_line(report[key]))
    if "default_speedup_cuda_vs_cpu" in report:
        print(
            f"  speed-up of the fit, cuda vs cpu: {report['default_speedup_cuda_vs_cpu']}x; "
            f"scores differ by at most {report['default_cuda_max_score_diff']:.2g}"
        )
    return 0


def default_detector_line(default: dict) -> str:
    """One device's figures of the default detector's part of `bench train`."""
    return (
        f"Default detector (L1 kNN + aspects, searched on {default['device']}) on "
        f"{default['n']} x {default['dim']} DSP-shaped vectors, {default['flags']} flagged "
        f"unusual: fit {default['fit_s']:.2f} s, scoring {default['score_s']:.2f} s; fit again "
        f"with {default['flags']} more flagged (Retrain with flags, from the first fit's "
        f"neighbour lists) {default['refit_more_flags_s']:.2f} s, "
        f"{quantity(default['refit_loops_searched_again'], 'loop')} searched again"
    )


def cmd_bench_library(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.library.bench import bench_library

    report = bench_library(args.rows, args.dim, args.damaged_pages)
    if args.json:
        print_json(report)
        return 0
    print(f"Library of {report['rows']} made-up loops ({report['file_mb']} MB):")
    for key, value in report.items():
        if key not in ("rows", "file_mb"):
            print(f"  {key:20s} {value}")
    return 0


def cmd_bench_scan(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.library.scan_bench import bench_scan

    report = bench_scan(args.folder, args.files, loop_seconds=args.loop_seconds)
    if args.json:
        print_json(report)
        return 0
    cache = "dropped from the page cache before each" if report["cold_cache"] else "cached"
    print(f"Scanning {quantity(report['files'], 'file')} ({report['mb']} MB; {cache}):")
    for key, label in (
        ("first_scan", "first scan"),
        ("rescan", "rescan"),
        ("edge_hash_upgrade", "older hashes"),
    ):
        run = report[key]
        print(
            f"  {label:13s} {run['s']:8.4f} s  {run['files_per_s']:6d} files/s"
            f"  {run['mb_per_s']:5d} MB/s  ({run['new']} new, {run['unchanged']} unchanged,"
            f" {run['errors']} errors)"
        )
    if "after_a_move" in report:
        move = report["after_a_move"]
        after = "a scan needed" if move["scan_needed"] else "no scan needed"
        print(
            f"  after moving {move['moved']} loops into a new folder: the watch's look"
            f" {move['look_s'] * 1000:.1f} ms ({after}); the rescan it used to start"
            f" {move['rescan_s']:.3f} s"
        )
    if "after_a_new_pack" in report:
        pack = report["after_a_new_pack"]
        print(
            f"  after a pack is unpacked into the library folder: the watch's look"
            f" {pack['look_s'] * 1000:.1f} ms, then a scan of it {pack['scan_s'] * 1000:.1f} ms"
            f" ({pack['scan_found_new']} new; {pack['left']} packs beside it left as they are);"
            f" the rescan of the library folder it used to start {pack['rescan_s']:.3f} s"
            f" ({pack['rescan_found_new']} new)"
        )
    return 0


def cmd_bench_map(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.analysis.map_bench import bench_map

    return _print_report(
        args, bench_map(args.rows, args.busy), "Sound map of {rows} made-up loops:"
    )


def cmd_bench_same_audio(args: argparse.Namespace) -> int:
    if args.corpus:
        from anomalizer_desktop.core.library.same_audio_copies import copies_report

        report = copies_report(args.corpus)
        if args.json:
            print_json(report)
            return 0
        print(
            f"A 16-bit FLAC 3 dB down and an Ogg of {report['share']:.0%} of each scenario's"
            " loops (default detector, library protocol, every file):"
        )
        for name, s in report["scenarios"].items():
            print(
                f"  {name}: {s['joined']} of {s['copies']} copies joined to their loop"
                f" ({s['other_loops_grouped']} other loops grouped), {s['compared']} pairs"
                f" compared in {s['check_s']} s; AUC {s['auc_apart']} with the copies as"
                f" read, {s['auc_as_train_sees_them']} as train sees them"
            )
        print(
            f"  all: {report['joined_share']:.1%} joined; mean AUC {report['mean_auc_apart']}"
            f" as read, {report['mean_auc_as_train_sees_them']} as train sees them"
        )
        return 0
    from anomalizer_desktop.core.library.same_audio_bench import bench_same_audio

    return _print_report(
        args, bench_same_audio(args.rows), "Same audio among {rows} made-up loops:"
    )


def cmd_bench_stretch(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.audio.stretch_bench import bench_stretch

    report = bench_stretch(args.corpus, args.files)
    return _print_report(
        args, report, "Loops stretched to a project's tempo ({loops} loops, {audio_s} s):"
    )


def cmd_bench_tempo(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.audio.tempo_bench import bench_tempo

    r = bench_tempo(args.folder)
    if args.json:
        print_json(r)
        return 0
    print(
        f"Tempos heard in {r['files']} files ({r['unreadable']} unreadable,"
        f" {r['too_long']} longer than a loop):"
    )
    print(
        f"  declaring a tempo: {r['declared']}, heard {r['declared_heard']}:"
        f" {r['declared_same']} at it, {r['declared_half']} at half, {r['declared_double']}"
        f" at double, {r['declared_other']} at another tempo"
    )
    print(f"  declaring none: {r['undeclared']}, heard {r['undeclared_heard']}")
    print(
        f"  per file (median): decoding {r['decode_ms_median']} ms, listening"
        f" {r['listen_ms_median']} ms (longest {r['listen_ms_max']} ms)"
    )
    for line in r["disagreements"]:
        print(f"  ! {line}")
    return 0


def cmd_bench_robustness(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.embedding.robustness_bench import robustness_report

    report = robustness_report(args.corpus)
    if args.json:
        print_json(report)
        return 0
    print(
        f"The same loop saved another way, {report['files']} files: how far its DSP vector"
        " moves, as a share of the way to its nearest other loop (median / 90th percentile;"
        " share of files moved more than half the way)"
    )
    for name, form in report["forms"].items():
        print(
            f"  {name:24s} {form['median']:.3f} / {form['p90']:.3f}  {form['over_half']:.1%}"
            f"  ({form['files']} files)"
        )
    return 0


def cmd_bench_gui(args: argparse.Namespace) -> int:
    import importlib

    # The GUI bench needs Qt; it is imported only when asked for, so the CLI stays headless.
    bench_gui = importlib.import_module("anomalizer_desktop.ui.bench_gui").bench_gui
    report = bench_gui(args.rows, args.embed_files, args.map_loops)
    return _print_report(args, report, "GUI with {rows} rows:")


def _print_report(args: argparse.Namespace, report: dict, title: str) -> int:
    """A bench's figures: one JSON document with --json, else `title` (formatted with the
    report) and a line per figure."""
    if args.json:
        print_json(report)
        return 0
    print(title.format(**report))
    width = max(len(key) for key in report) + 2
    for key, value in report.items():
        if key != "rows":
            print(f"  {key:{width}s} {value}")
    return 0
