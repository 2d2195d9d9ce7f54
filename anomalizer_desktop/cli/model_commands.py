"""Commands about detectors, vectors and checkpoints: train, score, evaluate, features, models.

Each takes parsed args (and an open Store where it works on a library) and returns an exit code.
"""

from __future__ import annotations

import argparse
import sys

from anomalizer_desktop.cli.output import drive, print_json, print_problems, warn
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity, quantity_with_verb


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
        print(f"{result.summary()}; try `anomalizer list --sort score`")
    _say_what_is_still_out_of_date(store, args.embedder)
    return 0


def _say_what_is_still_out_of_date(store: Store, embedder: str) -> None:
    """After training, on stderr: what leaves the new scores out of date all the same (the
    vectors of an older DSP version after an upgrade, loops not embedded yet), since `train`
    learns from the vectors the library holds and does not compute any."""
    from anomalizer_desktop.core.detector.freshness import EMBED, score_status

    status = score_status(store, embedder)
    if status.action == EMBED:
        warn(f"note: {status.message} (`anomalizer embed`, then `anomalizer train`)")


def cmd_score(args: argparse.Namespace, store: Store) -> int:
    from anomalizer_desktop.core.detector.training import score

    job = score(store, args.run, device=args.device, only_new=args.new)
    result = drive(job, "scoring", args.quiet)
    if args.json:
        print_json(result)
    else:
        print(
            f"run {result['run_id']}: scored"
            f" {quantity(result['scored'], 'new loop' if args.new else 'loop')},"
            f" {result['unusual']} above the unusual cut"
        )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from anomalizer_desktop.core.analysis.auc_interval import format_intervals
    from anomalizer_desktop.core.analysis.evaluation import (
        PROTOCOLS,
        EvaluationError,
        chosen_detectors,
        evaluate,
        evaluate_features,
        format_table,
    )
    from anomalizer_desktop.core.export.atomic import atomic_write_text
    from anomalizer_desktop.core.replacing import (
        refuse_replacing_another_kind,
        refuse_unwritable_place,
    )

    if args.json_out:  # before the minutes of evaluating, not after
        refuse_replacing_another_kind(args.json_out, (".json",), EvaluationError)
        refuse_unwritable_place(args.json_out, EvaluationError)
    protocols = PROTOCOLS if args.protocol == "all" else (args.protocol,)
    detectors, assisted_only = chosen_detectors(args.detectors)
    if not detectors and "assisted" not in protocols:
        raise EvaluationError("the sad-* detectors learn from flags: add --protocol assisted")
    if args.features:
        job = evaluate_features(
            args.features,
            protocols,
            detectors,
            device=args.device,
            epochs=args.epochs,
            assisted_only=assisted_only,
            ci=args.ci,
        )
    elif args.corpus:
        job = evaluate(
            args.corpus,
            protocols,
            args.embedder,
            detectors,
            device=args.device,
            epochs=args.epochs,
            save_features=args.save_features,
            assisted_only=assisted_only,
            checkpoint=args.checkpoint,
            output=args.output,
            ci=args.ci,
        )
    else:
        raise EvaluationError("name a CORPUS folder or --features DIR")
    result = drive(job, "evaluating", args.quiet)
    for name, files in result.get("left_out", {}).items():
        warn(f"{name}: {quantity(len(files), 'file')} left out of the AUCs:")
        print_problems([(f["path"], f["why"]) for f in files])
    print(format_table(result))
    if "intervals" in result:
        print(format_intervals(result))
    if args.json_out:
        atomic_write_text(args.json_out, json.dumps(result, indent=2) + "\n")
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
    from anomalizer_desktop.core.embedding.clap.store import remove_model

    print(f"removed {remove_model(args.name)}")
    return 0
