"""`anomalizer bench robustness --corpus DIR`: how far the DSP vector of a loop moves when the
same loop is saved another way (bit depth, level, sample rate, channels, silence ahead, MP3).

A producer's library holds one sound in many forms, and none of them should make it sound
unusual. For every audio file under DIR, each form below is written to a temporary folder and
embedded as the app embeds; the 16-bit WAV at the file's own rate and level is the reference.
The distance (L1, each descriptor in its robust spread over the references, groups weighted as
the detector weighs them) from a loop's reference to each of its forms is reported as a share of
the distance from that reference to its nearest other loop: 0.5 means half the way to another
sound. Files with an exact twin among the others (distance 0) are left out of the shares.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from anomalizer_desktop.core.audio.formats import audio_files_below
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.parallel import WorkerCrashed, parallel_map


class RobustnessBenchError(AnomalizerError):
    """Too few audio files under the folder to measure anything."""


#: the reference form: a 16-bit WAV at the file's own rate and level
REFERENCE = "16-bit WAV"


def _silence(seconds: float, after: bool = False) -> Callable[[np.ndarray, int], tuple]:
    """Digital silence added ahead of the audio (or `after` it)."""

    def add(audio: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
        silence = np.zeros((int(seconds * rate), audio.shape[1]))
        return np.concatenate([audio, silence] if after else [silence, audio]), rate

    return add


def _resampled(target: int) -> Callable[[np.ndarray, int], tuple[np.ndarray, int]]:
    def resample(audio: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
        import librosa

        return librosa.resample(audio.T, orig_sr=rate, target_sr=target).T, target

    return resample


def _gain(db: float) -> Callable[[np.ndarray, int], tuple[np.ndarray, int]]:
    return lambda audio, rate: (audio * 10 ** (db / 20), rate)


def _as_stereo(audio: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    """Both channels of a stereo file carrying the loop's mix, 3 dB down (a pan law)."""
    mono = audio.mean(axis=1) * 10 ** (-3 / 20)
    return np.stack([mono, mono], axis=1), rate


def _as_it_is(audio: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    return audio, rate


#: name -> (how the audio is changed, soundfile options, file suffix)
FORMS: dict[str, tuple[Callable, dict, str]] = {
    REFERENCE: (_as_it_is, {"subtype": "PCM_16"}, "wav"),
    "32-bit float": (_as_it_is, {"subtype": "FLOAT"}, "wav"),
    "24-bit": (_as_it_is, {"subtype": "PCM_24"}, "wav"),
    "16-bit, 6 dB down": (_gain(-6), {"subtype": "PCM_16"}, "wav"),
    "float, 12 dB down": (_gain(-12), {"subtype": "FLOAT"}, "wav"),
    "16-bit, 20 dB down": (_gain(-20), {"subtype": "PCM_16"}, "wav"),
    "at 48 kHz": (_resampled(48_000), {"subtype": "PCM_16"}, "wav"),
    "stereo, 3 dB down": (_as_stereo, {"subtype": "PCM_16"}, "wav"),
    "5 ms of silence ahead": (_silence(0.005), {"subtype": "PCM_16"}, "wav"),
    "10 ms of silence ahead": (_silence(0.010), {"subtype": "PCM_16"}, "wav"),
    "0.5 s of silence after": (_silence(0.5, after=True), {"subtype": "PCM_16"}, "wav"),
    "MP3": (_as_it_is, {"format": "MP3"}, "mp3"),
}
#: the rates an MP3 can hold that loops come in (libsndfile refuses the others)
MP3_RATES = (22_050, 24_000, 32_000, 44_100, 48_000)


def _forms_of(job: tuple[str, str]) -> dict[str, np.ndarray]:
    """Worker: every form of one file, embedded (a form that cannot be written is skipped)."""
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    path, folder = job
    embedder = DspEmbedder()
    audio, rate = sf.read(path, dtype="float64", always_2d=True)
    vectors = {}
    for i, (name, (change, options, suffix)) in enumerate(FORMS.items()):
        if suffix == "mp3" and rate not in MP3_RATES:
            continue
        changed, new_rate = change(audio, rate)
        target = Path(folder) / f"{os.getpid()}-{i}.{suffix}"  # one file at a time per worker
        try:
            sf.write(target, np.clip(changed, -1.0, 1.0 - 2**-15), new_rate, **options)
        except (sf.LibsndfileError, ValueError, TypeError):
            continue  # this libsndfile cannot write the form (MP3 before 1.1.0)
        vectors[name] = embedder.embed_file(target)
        target.unlink()
    return vectors


def robustness_report(corpus: str | os.PathLike[str], workers: int | None = None) -> dict:
    """{"files", "forms": {name: {"files", "median", "p90", "over_half"}}} (see the module)."""
    from anomalizer_desktop.core.analysis.nearest import nearest_rows
    from anomalizer_desktop.core.detector.preprocess import Standardizer
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    paths = audio_files_below(corpus)
    results: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory(prefix="anomalizer-robustness-") as folder:
        jobs = [(path, folder) for path in paths]
        for (path, _), vectors in parallel_map(_forms_of, jobs, workers):
            if not isinstance(vectors, (WorkerCrashed, Exception)) and REFERENCE in vectors:
                results[path] = vectors
    if len(results) < 3:
        raise RobustnessBenchError(
            f"{corpus}: {len(results)} readable audio files; the bench compares 3 or more"
        )
    order = sorted(results)
    reference = np.stack([results[p][REFERENCE] for p in order])
    scaler = Standardizer.fit(reference, DspEmbedder.feature_groups())
    z = scaler.transform(reference)
    # [0] is the row itself (or an exact twin: then the nearest other is 0 too)
    nearest = np.array([distances[1] for _, distances in nearest_rows(z, z, 2)])
    usable = nearest > 0
    forms = {}
    for name in FORMS:
        if name == REFERENCE:
            continue
        rows = [i for i, p in enumerate(order) if name in results[p] and usable[i]]
        if not rows:
            continue
        moved = scaler.transform(np.stack([results[order[i]][name] for i in rows]))
        share = np.abs(moved - z[rows]).sum(axis=1) / nearest[rows]
        forms[name] = {
            "files": len(rows),
            "median": round(float(np.median(share)), 3),
            "p90": round(float(np.quantile(share, 0.9)), 3),
            "over_half": round(float((share > 0.5).mean()), 3),
        }
    return {"files": len(order), "forms": forms}
