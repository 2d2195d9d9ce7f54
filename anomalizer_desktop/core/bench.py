"""`anomalizer bench embed`: how fast decoding and each embedder go on a folder of real files.

Decode-only and embedding are measured the same way (the same worker pool over the same files),
so their ratio is fair. A single-process profile splits the embedder's time per file into decode
and describe.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np

from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio
from anomalizer_desktop.core.embedding.base import get_embedder
from anomalizer_desktop.core.library.walk import iter_audio_files
from anomalizer_desktop.core.parallel import default_workers, parallel_map

_bench_embedder = None

#: entries in the CLAP bench's long pass on a GPU (the folder's files repeated)
STEADY_ENTRIES = 2_000


def _init_embedder(name: str) -> None:
    global _bench_embedder
    _bench_embedder = get_embedder(name)


def peak_rss_mb() -> float | None:
    """This process's peak resident memory since its program started (Linux's VmHWM), or None
    elsewhere. Not getrusage: a spawned worker's figure there includes the moment between fork
    and exec, when it still mapped all of its parent, so every worker read as big as the main
    process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _decode_only(path: str) -> tuple[bool, float | None]:
    """Decode as the DSP embedder does (mono, resampled, bounded window), nothing more; with
    the worker's peak memory so far."""
    from anomalizer_desktop.core.embedding.dsp import ANALYSIS_SECONDS, DspEmbedder

    try:
        load_audio(path, DspEmbedder.sample_rate, max_seconds=ANALYSIS_SECONDS)
    except AudioDecodeError:
        return False, peak_rss_mb()
    return True, peak_rss_mb()


def _embed(path: str) -> tuple[bool, float | None]:
    try:
        _bench_embedder.embed_file(path)
    except AudioDecodeError:
        return False, peak_rss_mb()
    return True, peak_rss_mb()


def _throughput(func, files, workers, initializer=None, initargs=(), repeats=3) -> dict:
    """Median files/s over `repeats` passes (each pass starts its own pool, as a real job does),
    and the largest peak memory a worker reported."""
    rates, ok, peaks = [], 0, []
    for _ in range(repeats):
        start = time.perf_counter()
        results = parallel_map(func, files, workers, initializer, initargs, min_items_for_pool=1)
        answers = [r for _, r in results]
        ok = sum(isinstance(r, tuple) and r[0] is True for r in answers)
        if workers > 1:  # (with one, the files run in this process: no worker to measure)
            peaks += [r[1] for r in answers if isinstance(r, tuple) and r[1] is not None]
        rates.append(len(files) / (time.perf_counter() - start))
    return {
        "files": len(files),
        "ok": ok,
        "files_per_s": round(float(np.median(rates)), 2),
        "files_per_s_all": [round(r, 2) for r in rates],
        "worker_peak_rss_mb": max(peaks, default=None),
    }


def _profile_dsp(files: list[str], limit: int = 40) -> dict:
    """Median ms per file for decode and describe, in this process (no pool)."""
    from anomalizer_desktop.core.embedding import dsp_features
    from anomalizer_desktop.core.embedding.dsp import ANALYSIS_SECONDS

    decode_ms, describe_ms = [], []
    for path in files[:limit]:
        t0 = time.perf_counter()
        try:
            audio = load_audio(path, dsp_features.SAMPLE_RATE, max_seconds=ANALYSIS_SECONDS)
        except AudioDecodeError:
            continue
        t1 = time.perf_counter()
        dsp_features.describe(audio.samples, audio.info.duration)
        t2 = time.perf_counter()
        decode_ms.append((t1 - t0) * 1000)
        describe_ms.append((t2 - t1) * 1000)
    return {
        "files": len(decode_ms),
        "decode_ms_median": round(float(np.median(decode_ms)), 2) if decode_ms else None,
        "describe_ms_median": round(float(np.median(describe_ms)), 2) if describe_ms else None,
    }


def _gpu_report(device) -> dict | None:
    """The GPU's name and the peak memory torch allocated/reserved on it since the last reset."""
    import torch

    if device.type != "cuda":
        return None
    return {
        "name": torch.cuda.get_device_name(device),
        "peak_allocated_mb": round(torch.cuda.max_memory_allocated(device) / 2**20, 1),
        "peak_reserved_mb": round(torch.cuda.max_memory_reserved(device) / 2**20, 1),
    }


def bench_clap(files: list[str], options: dict, repeats: int = 1) -> dict:
    """CLAP as this app runs it (batched, decoding in threads while the model works; on a GPU
    with autocast and the mels made there) against `seed_shape`: the same model run the way the
    paper's code does (one file at a time: librosa.load at 48 kHz, the mel on the CPU, then a
    forward pass), on the same files in the same run. `clap` is the median of `repeats` passes."""
    import librosa
    import torch

    from anomalizer_desktop.core.embedding.base import get_embedder

    embedder = get_embedder("clap", **options)
    threads = torch.get_num_threads()
    embedder.embed_file(files[0])  # warm-up: first-call allocations are not throughput
    if embedder.device.type == "cuda":
        # a full batch first: kernels and allocations for that shape are not throughput either
        list(embedder.embed_files(files[: embedder.batch_size]))
        torch.cuda.synchronize(embedder.device)
        torch.cuda.reset_peak_memory_stats(embedder.device)
    rates = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        ok = sum(not isinstance(v, Exception) for _, v in embedder.embed_files(files))
        rates.append(len(files) / (time.perf_counter() - start))
    gpu = _gpu_report(embedder.device)
    steady = None
    if embedder.device.type == "cuda":
        # A pass over a few hundred files is mostly filling and draining the pipeline at GPU
        # speed; a library of thousands runs at the rate of one long pass: the files repeated.
        entries = files * -(-STEADY_ENTRIES // len(files))
        start = time.perf_counter()
        for _ in embedder.embed_files(entries):
            pass
        steady = {
            "entries": len(entries),
            "files_per_s": round(len(entries) / (time.perf_counter() - start), 2),
        }

    torch.set_num_threads(os.cpu_count() or 1)  # the seed code ran with torch's default
    start = time.perf_counter()
    seed_ok = 0
    for path in files:
        try:
            y, _ = librosa.load(path, sr=48_000, mono=True)
        except Exception:  # the seed code would stop; we count it as failed
            continue
        embedder.embed_prepared([embedder.prepare(y, mel_on_host=True)])
        seed_ok += 1
    seed_s = time.perf_counter() - start
    torch.set_num_threads(threads)
    clap_rate = float(np.median(rates))
    report = {
        "checkpoint": str(embedder.checkpoint),
        "version": embedder.version,
        "device": str(embedder.device),
        "batch_size": embedder.batch_size,
        "decode_threads": embedder.decode_threads,
        "decode_processes": embedder.decode_processes,
        "mel_on_device": embedder.mel_on_device,
        "clap": {
            "files": len(files),
            "ok": ok,
            "seconds": round(len(files) / clap_rate, 2),
            "files_per_s": round(clap_rate, 2),
            "files_per_s_all": [round(r, 2) for r in rates],
        },
        "seed_shape": {
            "files": len(files),
            "ok": seed_ok,
            "seconds": round(seed_s, 2),
            "files_per_s": round(len(files) / seed_s, 2),
        },
        "speedup": round(clap_rate * seed_s / len(files), 2),
    }
    if gpu:
        report["gpu"] = gpu
    if steady:
        report["clap_steady"] = steady
    embedder.close()
    return report


def bench_embed(
    folder: str,
    embedders: list[str],
    workers: int | None = None,
    repeats: int = 3,
    clap_options: dict | None = None,
) -> dict:
    """Throughput of decode-only and of each embedder over every audio file below `folder`."""
    files = list(iter_audio_files(os.path.realpath(folder), lambda *_: None))
    if not files:
        raise FileNotFoundError(f"no audio files below {folder}")
    workers = default_workers() if workers is None else workers
    report: dict = {"folder": os.path.realpath(folder), "files": len(files), "workers": workers}
    report["decode_only"] = _throughput(_decode_only, files, workers, repeats=repeats)
    for name in embedders:
        if name == "clap":
            report.update(bench_clap(files, clap_options or {}, repeats))
            continue
        result = _throughput(_embed, files, workers, _init_embedder, (name,), repeats=repeats)
        decode_rate = report["decode_only"]["files_per_s"]
        result["ratio_to_decode_only"] = round(result["files_per_s"] / decode_rate, 3)
        report[name] = result
    if "dsp" in embedders:
        _init_embedder("dsp")
        report["dsp_profile_single_process"] = _profile_dsp(files)
    worker_peaks = [
        r["worker_peak_rss_mb"]
        for r in report.values()
        if isinstance(r, dict) and r.get("worker_peak_rss_mb") is not None
    ]
    report["peak_rss_mb"] = {
        "main": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest_worker": max(worker_peaks, default=None),
    }
    return report
