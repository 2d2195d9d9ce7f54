"""A folder of copies at the project's tempo and key: each loop as Sync plays it, written out.

A loop that declares a tempo is written stretched to the project's tempo (its pitch kept;
half or double time rather than twice as fast or slow), one that declares a key moved into the
project's key or its relative (core.audio.tempo_sync, core.audio.time_stretch): drop the set
into any DAW and it plays in time and in key without warping. A loop that declares neither,
or is already there, is copied as it is. A changed loop is a WAV at its own sample rate, 24-bit
(32-bit float when the stretch took a peak over full scale), named for what it is now: the
tempo and key in its name are rewritten ("Bass 128 BPM Am.wav" at 120 BPM in Bm is "Bass 120
BPM Bm.wav"), else added ("Bass.wav" -> "Bass 120 BPM.wav"). A loop that cannot be decoded
any more is copied as it is, so the set still holds every loop asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from anomalizer_desktop.core.audio.tempo_sync import sync
from anomalizer_desktop.core.export.selection import ExportEntry, ExportError
from anomalizer_desktop.core.loop_names import moved_key, with_key, with_tempo


class CannotConform(ExportError):
    """The loop cannot be decoded to be stretched: it is copied as it is instead."""


class Project(NamedTuple):
    """The tempo (BPM) and key loops are exported at; None keeps each loop's own."""

    tempo: float | None
    key: str | None = None

    def describe(self) -> str:
        """ "120 BPM · Am", "120 BPM", "Am"."""
        parts = ([f"{self.tempo:g} BPM"] if self.tempo else []) + ([self.key] if self.key else [])
        return " \u00b7 ".join(parts)


def conformed_name(entry: ExportEntry, project: Project) -> str | None:
    """The name of the loop's copy at `project` (".wav"), or None when it plays as it is there
    (then it is copied under its own name)."""
    chosen = sync(entry.tempo, project.tempo, entry.key, project.key)
    if chosen.as_recorded:
        return None
    stem = os.path.splitext(os.path.basename(entry.path))[0]
    if chosen.speed != 1.0 and project.tempo:
        stem = with_tempo(stem, project.tempo)
    if chosen.semitones and entry.key:
        stem = with_key(stem, entry.key, moved_key(entry.key, chosen.semitones))
    return f"{stem}.wav"


def write_conformed(entry: ExportEntry, project: Project, destination: Path) -> None:
    """Write the loop as it plays at `project` to `destination` (a WAV); CannotConform when it
    cannot be decoded (the caller copies it as it is: a set holds every loop asked for),
    ExportError when it cannot be written."""
    # imported here: the command line imports this module to parse its options
    import numpy as np
    import soundfile as sf

    from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio
    from anomalizer_desktop.core.audio.time_stretch import conform

    chosen = sync(entry.tempo, project.tempo, entry.key, project.key)
    try:
        audio = load_audio(entry.path, None, stereo=True)
    except (AudioDecodeError, OSError) as error:
        why = getattr(error, "message", error)
        raise CannotConform(f"cannot stretch {entry.path}: {why}") from None
    samples = conform(audio.samples, chosen.speed, chosen.semitones, audio.sample_rate)
    peak = float(np.abs(samples).max(initial=0.0))
    subtype = "FLOAT" if peak > 1.0 else "PCM_24"
    try:
        sf.write(destination, samples, audio.sample_rate, subtype=subtype, format="WAV")
    except (OSError, RuntimeError, sf.LibsndfileError) as error:
        raise ExportError(f"cannot write {destination}: {error}") from None
