"""`anomalizer bench train`: Deep SVDD time per epoch on synthetic vectors, per device, and
the fit and scoring time of the app's default (kNN) detector on DSP-shaped vectors."""

from __future__ import annotations

import time

import numpy as np
import torch

from anomalizer_desktop.core.detector.model import AnomalyModel
from anomalizer_desktop.core.detector.networks import NetworkConfig
from anomalizer_desktop.core.detector.spec import ModelSpec
from anomalizer_desktop.core.detector.svdd import DeepSVDD, SvddConfig
from anomalizer_desktop.core.embedding.dsp_features import feature_groups
from anomalizer_desktop.core.jobs import run_job


def bench_default(n: int = 10_000, flags: int = 10, device: str = "cpu") -> dict:
    """Fit and score the default detector on n Gaussian vectors laid out like the DSP
    embedder's (its dimension and descriptor groups), with `flags` loops flagged unusual; then
    fit again with `flags` more, from the first fit's neighbour lists (Retrain with flags).
    `device`: where its neighbour searches run ("cuda": on the GPU, `gpu_search`). The fit's
    scores are returned under "_scores" (for comparing devices; not printed)."""
    groups = feature_groups()
    dim = max(part.stop for part in groups.values())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    labels = np.zeros(n)
    labels[rng.choice(n, size=min(flags, n // 10), replace=False)] = -1
    spec = ModelSpec("default", device=device)
    model = AnomalyModel(spec)
    t0 = time.perf_counter()
    run_job(model.fit(x, labels, groups))
    t1 = time.perf_counter()
    model.score(x)
    t2 = time.perf_counter()
    more = labels.copy()
    more[rng.choice(np.flatnonzero(labels == 0), size=min(flags, n // 10), replace=False)] = -1
    again = AnomalyModel(spec)
    run_job(again.fit(x, more, groups, earlier=lambda key: model.neighbour_lists))
    t3 = time.perf_counter()
    searches = len(model.neighbour_lists.searches) if model.neighbour_lists else 0
    return {
        "n": n,
        "dim": dim,
        "device": device,
        "flags": int((labels < 0).sum()),
        "fit_s": round(t1 - t0, 3),
        "score_s": round(t2 - t1, 3),
        "refit_more_flags_s": round(t3 - t2, 6),
        "refit_loops_searched_again": searches * n - again.reused,
        "_scores": model.fit_scores,
    }


def bench_default_devices(n: int = 10_000) -> dict:
    """`bench_default` on the CPU and, where there is one, on a CUDA GPU: each's figures, the
    speed-up of the fit and how far the GPU's scores lie from the CPU's."""
    cpu = bench_default(n, device="cpu")
    report = {"default": cpu}
    if torch.cuda.is_available():
        cuda = bench_default(n, device="cuda")
        report["default_cuda"] = cuda
        report["default_speedup_cuda_vs_cpu"] = round(cpu["fit_s"] / cuda["fit_s"], 2)
        report["default_cuda_max_score_diff"] = float(
            np.max(np.abs(cpu["_scores"] - cuda["_scores"]))
        )
        del cuda["_scores"]
    del cpu["_scores"]
    return report


def bench_train(
    n: int = 10_000,
    dim: int = 1024,
    epochs: int = 5,
    network: str = "AE",
    devices: list[str] | None = None,
    default_n: int | None = None,
) -> dict:
    """Pretrain + fine-tune `epochs` each on n x dim Gaussian vectors; seconds per epoch. Then
    the default detector on `default_n` (None: n) DSP-shaped vectors, per device."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((n, dim)).astype(np.float32)
    if devices is None:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    report: dict = {
        "n": n,
        "dim": dim,
        "epochs": epochs,
        "network": network,
        "torch_threads": torch.get_num_threads(),
    }
    for device in devices:
        config = SvddConfig(
            network=NetworkConfig(network),
            pretrain_epochs=epochs,
            epochs=epochs,
            patience=epochs + 1,
            val_fraction=0.0,
            device=device,
        )
        model = DeepSVDD(config)
        stamps = [time.perf_counter()]
        for _ in model.fit(z):
            stamps.append(time.perf_counter())
        epoch_s = np.diff(stamps)
        t0 = time.perf_counter()
        model.score(z)
        report[device] = {
            "total_s": round(stamps[-1] - stamps[0], 3),
            "epoch_s_median": round(float(np.median(epoch_s)), 4),
            "pretrain_epoch_s": round(float(np.median(epoch_s[:epochs])), 6),
            "svdd_epoch_s": round(float(np.median(epoch_s[epochs:])), 6),
            "score_s": round(time.perf_counter() - t0, 4),
        }
    if "cpu" in report and "cuda" in report:
        report["speedup_cuda_vs_cpu"] = round(
            report["cpu"]["total_s"] / report["cuda"]["total_s"], 2
        )
    report.update(bench_default_devices(n if default_n is None else default_n))
    return report
