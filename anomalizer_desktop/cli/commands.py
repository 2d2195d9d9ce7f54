"""The CLI's commands. Each takes parsed args and an open Store and returns an exit code."""

from __future__ import annotations

import argparse
import os
import sys

from anomalizer_desktop.cli.output import (
    drive,
    format_table,
    print_json,
    print_problems,
    warn,
)
from anomalizer_desktop.core.embedding.job import embed as embed_job
from anomalizer_desktop.core.export import select_entries, write_export
from anomalizer_desktop.core.library.scanner import ScanError
from anomalizer_desktop.core.library.scanner import scan as scan_job
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity, quantity_with_verb


def clap_options(args: argparse.Namespace) -> dict:
    """checkpoint/output/device/batch size/decode threads for the CLAP embedder (ignored by
    dsp). `bench embed` takes a list of embedders."""
    embedder = getattr(args, "embedder", None)
    if embedder != "clap" and "clap" not in (embedder or []):
        return {}
    return {
        "checkpoint": args.checkpoint,
        "output": args.output,
        "device": args.device,
        "batch_size": args.batch_size,
        "decode_threads": args.decode_threads,
    }


SCAN_KEYS = ("found", "new", "changed", "unchanged", "moved", "missing", "errors")


def cmd_scan(args: argparse.Namespace, store: Store) -> int:
    summary = drive(scan_job(store, args.paths), "scanning", args.quiet)
    if args.json:
        print_json(summary.as_json())
    else:
        print(", ".join(f"{k} {getattr(summary, k)}" for k in SCAN_KEYS))
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
        print_problems(summary.problems)
    return 0


def cmd_start(args: argparse.Namespace, store: Store) -> int:
    """The quick start: scan the folders, embed every loop, bring the scores up to date (train
    the default detector, or score just the new loops), print where things stand."""
    from anomalizer_desktop.core.detector.training import refresh_scores

    scanned = drive(scan_job(store, args.paths), "scanning", args.quiet)
    print(", ".join(f"{k} {getattr(scanned, k)}" for k in SCAN_KEYS))
    print_problems(scanned.problems)
    embedded = drive(embed_job(store, "dsp"), "embedding (dsp)", args.quiet)
    print(f"embedded {embedded.embedded}, skipped {embedded.skipped}, errors {embedded.errors}")
    print_problems(embedded.problems)
    if not args.no_train:
        print(drive(refresh_scores(store, "dsp"), "scoring", args.quiet))
    print(f"library: {store.path}  — try `anomalizer list --sort score` or `anomalizer info`")
    return 0


def cmd_list(args: argparse.Namespace, store: Store) -> int:
    records = store.list_samples(
        sort=args.sort, descending=args.sort == "score", flag=args.flag, status=args.status
    )
    if args.json:
        print_json([r.as_json() for r in records])
        return 0
    rows = [
        [
            r.flag or "",
            "" if r.score is None else f"{r.score:.4g}",
            "" if r.duration is None else f"{r.duration:.2f}",
            r.status,
            r.path,
            (r.error or "") + (f"  [{r.note}]" if r.note else ""),
        ]
        for r in records
    ]
    print(format_table(rows, ["flag", "score", "dur s", "status", "path", "error / note"]))
    return 0


def cmd_flag(args: argparse.Namespace, store: Store) -> int:
    wanted = {}
    for path in args.paths:
        for candidate in (os.path.realpath(path), os.path.abspath(path)):
            wanted.setdefault(candidate, path)
    ids = store.sample_ids_for_paths(wanted)
    matched = {wanted[p] for p in ids}
    unknown = [p for p in args.paths if p not in matched]
    for path in unknown:
        warn(f"not in the library: {path} (scan its folder first)")
    if not ids:
        return 1
    with store.transaction():
        if args.typical or args.unusual or args.clear:
            store.set_flag(
                ids.values(), "typical" if args.typical else "unusual" if args.unusual else None
            )
        if args.note is not None:
            store.set_note(ids.values(), args.note)
    if args.json:
        print_json({"flagged": len(set(ids.values())), "unknown": unknown})
    else:
        print(f"updated {quantity(len(set(ids.values())), 'loop')}")
    return 0


def cmd_export(args: argparse.Namespace, store: Store) -> int:
    entries = select_entries(
        store,
        flag=args.flag,
        top=args.top,
        min_score=args.min_score,
        max_score=args.max_score,
        paths=args.paths,
    )
    target = write_export(entries, args.format, args.out, overwrite=args.overwrite)
    if args.json:
        print_json({"format": args.format, "path": str(target), "entries": len(entries)})
    else:
        print(f"wrote {quantity(len(entries), 'loop')} to {target}")
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
        raise ScanError(f"{folder} is not a folder of this library (its folders: {known})")
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
        "scores": scores.as_json(),
    }
    if args.json:
        print_json(info)
        return 0
    print(f"library   {info['library']}")
    print(f"folders   {', '.join(info['roots']) or '(none yet: anomalizer scan FOLDER)'}")
    print("samples   " + ", ".join(f"{k} {v}" for k, v in info["samples"].items()))
    print("embedders " + (", ".join(f"{k} ({v})" for k, v in info["embedders"].items()) or "none"))
    print("flags     " + ", ".join(f"{k} {v}" for k, v in info["flags"].items()))
    if scores.run_id is None:
        print(f"scores    none yet: {scores.message}")
    else:
        state = "current" if scores.current else "out of date"
        print(f"scores    run {scores.run_id}, {scores.scored} of {scores.embedded} loops, {state}")
        if not scores.current:
            print(f"          {scores.message}")
    return 0


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
            f"{gpu['peak_reserved_mb']} MB reserved; {report['decode_threads']} decoding threads"
        )
    profile = report.get("dsp_profile_single_process")
    if profile:
        print(
            f"  dsp profile (one process, median per file): decode {profile['decode_ms_median']}"
            f" ms, describe {profile['describe_ms_median']} ms"
        )
    rss = report["peak_rss_mb"]
    print(f"  peak RSS: main {rss['main']} MB, largest worker {rss['largest_worker']} MB")
    return 0


def cmd_train(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.detector.model import ModelSpec
    from anomalizer_desktop.core.detector.training import train

    spec = ModelSpec(
        detector=args.detector,
        network=args.network,
        seed=args.seed,
        device=args.device,
        epochs=args.epochs,
        eta=args.eta,
        ensemble=args.ensemble,
    )
    result = drive(train(store, spec, args.embedder), f"training ({args.detector})", args.quiet)
    if args.json:
        print_json(result.as_json())
    else:
        print(
            f"run {result.run_id}: {result.detector} on {result.trained_on} loops "
            f"({result.embedder}) in {result.seconds:.1f} s; {result.unusual} above the "
            f"unusual cut ({result.threshold:.4g}); try `anomalizer list --sort score`"
        )
    return 0


def cmd_score(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.detector.training import score

    job = score(store, args.run, device=args.device, only_new=args.new)
    result = drive(job, "scoring", args.quiet)
    if args.json:
        print_json(result)
    else:
        print(
            f"run {result['run_id']}: scored {result['scored']} {'new ' if args.new else ''}"
            f"loops, {result['unusual']} above the unusual cut"
        )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from anomalizer_desktop.core.analysis.evaluation import (
        PROTOCOLS,
        EvaluationError,
        evaluate,
        evaluate_features,
        format_table,
    )
    from anomalizer_desktop.core.export.atomic import atomic_write_text

    protocols = PROTOCOLS if args.protocol == "all" else (args.protocol,)
    if args.features:
        job = evaluate_features(args.features, protocols, device=args.device, epochs=args.epochs)
    elif args.corpus:
        job = evaluate(
            args.corpus,
            protocols,
            args.embedder,
            device=args.device,
            epochs=args.epochs,
            save_features=args.save_features,
            checkpoint=args.checkpoint,
            output=args.output,
        )
    else:
        raise EvaluationError("name a CORPUS folder or --features DIR")
    result = drive(job, "evaluating", args.quiet)
    for name, files in result.get("left_out", {}).items():
        warn(f"{name}: {quantity(len(files), 'file')} left out of the AUCs:")
        print_problems([(f["path"], f["why"]) for f in files])
    print(format_table(result))
    if args.json_out:
        atomic_write_text(args.json_out, json.dumps(result, indent=2) + "\n")
    return 0


def cmd_bench_train(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.detector.bench import bench_train

    report = bench_train(args.n, args.dim, args.epochs, args.network)
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
    default = report["default"]
    print(
        f"Default detector (L1 kNN + aspects, CPU) on {default['n']} x {default['dim']} "
        f"DSP-shaped vectors, {default['flags']} flagged unusual: fit {default['fit_s']:.2f} s, "
        f"scoring {default['score_s']:.2f} s"
    )
    return 0


def cmd_bench_gui(args: argparse.Namespace) -> int:
    import importlib

    # The GUI bench needs Qt; it is imported only when asked for, so the CLI stays headless.
    bench_gui = importlib.import_module("anomalizer_desktop.ui.bench_gui").bench_gui
    report = bench_gui(args.rows, args.embed_files)
    if args.json:
        print_json(report)
        return 0
    print(f"GUI with {report['rows']} rows:")
    for key, value in report.items():
        if key != "rows":
            print(f"  {key:30s} {value}")
    return 0


def cmd_features_export(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.embedding.transfer import export_features

    result = export_features(store, args.embedder, args.out)
    if args.json:
        print_json(result)
    else:
        print(
            f"wrote {result['rows']} {args.embedder} vectors ({result['dim']}-d) to "
            f"{result['path']}"
        )
    return 0


def cmd_features_import(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.embedding.transfer import import_features

    summary = import_features(store, args.source, args.embedder)
    if args.json:
        print_json(summary.as_json())
        return 0
    print(
        f"imported {summary.imported} of {summary.rows} vectors as {summary.embedder} "
        f"({summary.dim}-d): {summary.by_hash} matched by content, {summary.by_path} by path"
    )
    if summary.unmatched:
        warn(
            quantity_with_verb(len(summary.unmatched), "row", "matches", "match")
            + " no loop of this library (scan their folder first?):"
        )
        print_problems([(p, "no matching loop") for p in summary.unmatched])
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.embedding.clap.download import list_models

    info = list_models()
    if args.json:
        print_json(info)
        return 0
    print(f"models folder: {info['folder']}")
    print("installed:" if info["installed"] else "installed: none")
    for model in info["installed"]:
        print(f"  {model['name']:48s} {model['size_mb']:8.1f} MB  {model['family']}")
    print("known (anomalizer models download NAME):")
    for model in info["known"]:
        print(f"  {model['name']:48s} ~{model['approx_mb']} MB  {model['family']}: {model['note']}")
    return 0


def cmd_models_download(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from anomalizer_desktop.core.embedding.clap.download import download

    with tqdm(
        unit="B",
        unit_scale=True,
        desc=args.name,
        file=sys.stderr,
        disable=True if args.quiet else None,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total or None
            bar.n = done
            bar.refresh()

        path = download(args.name, progress)
    print(f"installed {path}")
    return 0


def cmd_models_import(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.embedding.clap.download import import_model

    print(f"installed {import_model(args.file)}")
    return 0


def cmd_models_remove(args: argparse.Namespace) -> int:
    from anomalizer_desktop.core.embedding.clap.download import remove_model

    print(f"removed {remove_model(args.name)}")
    return 0
