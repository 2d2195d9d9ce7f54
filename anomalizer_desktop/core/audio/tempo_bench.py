"""`anomalizer bench tempo FOLDER`: how often the tempo heard in a loop's sound
(`core.audio.heard_tempo`) agrees with the tempo its name or loop tags declare, how many loops
are heard at all, and what listening costs per file.

A folder of loops that declare their tempos ("Beat 03 - 124 BPM.wav", ACID tags) is the check
of the listening: a heard tempo should be the declared one, or an octave of it (the octave of a
heard tempo is a convention: 80 up to 160 BPM). Loops that declare none show how many of a
library's loops gain a tempo. Files are listened to as `embed` listens to them (the whole file,
mono at 22.05 kHz), one at a time in this process so that the times are the listening's own.
"""

from __future__ import annotations

import os
import time

import numpy as np

from anomalizer_desktop.core.audio import heard_tempo
from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio
from anomalizer_desktop.core.audio.formats import audio_files_below
from anomalizer_desktop.core.embedding.tempo_job import hear_audio
from anomalizer_desktop.core.loop_names import declared

#: a heard tempo this close to the declared one (a share of it) is the declared one: a loop
#: cut a few milliseconds long or short, or a declared "120" that plays at 120.4
SAME = 0.01
#: how many disagreements the report names
NAMED = 10


def agreement(heard: float, said: float) -> str:
    """ "same", "half" or "double" (the heard tempo is the declared one, or half or twice
    it, within SAME), else "other"."""
    for name, ratio in (("same", 1.0), ("half", 0.5), ("double", 2.0)):
        if abs(heard / (said * ratio) - 1.0) <= SAME:
            return name
    return "other"


def bench_tempo(folder: str) -> dict:
    """Listen to every audio file below `folder` (module docstring) and count."""
    paths = audio_files_below(folder)
    counts = {"files": len(paths), "unreadable": 0, "too_long": 0}
    declaring = {"declared": 0, "heard": 0, "same": 0, "half": 0, "double": 0, "other": 0}
    undeclared = {"undeclared": 0, "heard": 0}
    decode_ms, listen_ms, disagreements = [], [], []
    for path in paths:
        start = time.perf_counter()
        try:
            audio = load_audio(path, heard_tempo.SAMPLE_RATE, heard_tempo.MAX_SECONDS + 1)
        except (AudioDecodeError, MemoryError):
            counts["unreadable"] += 1
            continue
        decoded = time.perf_counter()
        tempo = hear_audio(audio)
        listen_ms.append(1000 * (time.perf_counter() - decoded))
        decode_ms.append(1000 * (decoded - start))
        counts["too_long"] += audio.info.duration > heard_tempo.MAX_SECONDS
        said = declared(path, audio.info.tempo, audio.info.key).tempo
        if said is None:
            undeclared["undeclared"] += 1
            undeclared["heard"] += tempo is not None
            continue
        declaring["declared"] += 1
        if tempo is None:
            continue
        declaring["heard"] += 1
        verdict = agreement(tempo, said)
        declaring[verdict] += 1
        if verdict == "other" and len(disagreements) < NAMED:
            disagreements.append(f"{os.path.basename(path)}: heard {tempo:g}, declared {said:g}")
    return {
        **counts,
        "declared": declaring.pop("declared"),
        **{f"declared_{verdict}": n for verdict, n in declaring.items()},
        "undeclared": undeclared["undeclared"],
        "undeclared_heard": undeclared["heard"],
        "decode_ms_median": _median(decode_ms),
        "listen_ms_median": _median(listen_ms),
        "listen_ms_max": round(max(listen_ms), 1) if listen_ms else 0.0,
        "disagreements": disagreements,
    }


def _median(values: list[float]) -> float:
    return round(float(np.median(values)), 1) if values else 0.0
