"""How a loop plays when auditioned at a project's tempo and key (Sync … BPM · key).

Tempo: a loop that declares a tempo (its name or its loop tags: the BPM column) is stretched
so that its beats land on the project's: a 128 BPM loop in a 120 BPM project plays at 120/128
of its speed, its pitch kept (core.audio.time_stretch). A loop at about half or double the
project's tempo plays as half or double time instead of being stretched twice as fast or slow:
a 70 BPM loop in a 140 BPM project plays as it is (each of its beats is two of the project's,
its bars still land on the project's bars), as DAWs and sample browsers offer it. Of the
three, the speed nearest 1 (on a log scale) wins. A loop that declares no tempo plays at its own.

Key: with a project key set, a loop that declares a key (the Key column) is moved by the fewest
semitones (-6 to +5) that put it in that key, or in its relative key of the loop's mode: a loop
in Am in a C major project is already in it (the same notes), one in Em moves up 5 semitones to
Am. A loop that declares no key (most drum loops) keeps its pitch.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from anomalizer_desktop.core.loop_names import key_pitch

#: the project tempos the window offers (BPM)
LOWEST, HIGHEST = 40.0, 300.0


class Sync(NamedTuple):
    """How a loop plays at a project's tempo and key."""

    #: how many times as fast as recorded (1.0: as it is)
    speed: float
    #: "" (beat for beat), "half time" or "double time"
    feel: str = ""
    #: semitones up (down when negative) to the project's key
    semitones: int = 0

    @property
    def as_recorded(self) -> bool:
        return self.speed == 1.0 and self.semitones == 0


AS_IT_IS = Sync(1.0)


def sync(
    loop_tempo: float | None,
    project_tempo: float | None,
    loop_key: str | None = None,
    project_key: str | None = None,
) -> Sync:
    """How the loop plays at `project_tempo` and `project_key` (None: not synced), given the
    tempo and key it declares (None or NaN: none, so it keeps its own)."""
    semitones = key_shift(loop_key, project_key)
    if not _tempo(loop_tempo) or not _tempo(project_tempo):
        return Sync(1.0, "", semitones)
    ratio = project_tempo / loop_tempo
    choices = (Sync(ratio), Sync(ratio / 2, "half time"), Sync(ratio * 2, "double time"))
    best = min(choices, key=lambda choice: abs(math.log2(choice.speed)))
    speed = 1.0 if abs(best.speed - 1) < 1e-6 else best.speed
    return Sync(speed, best.feel, semitones)


def key_shift(loop_key: str | None, project_key: str | None) -> int:
    """Semitones (-6 to +5) that put a loop in `loop_key` into `project_key`, or into its
    relative major or minor when the modes differ; 0 when either is unknown."""
    if not loop_key or not project_key:
        return 0
    try:
        loop_root, loop_minor = key_pitch(loop_key)
        root, minor = key_pitch(project_key)
    except ValueError:
        return 0
    if loop_minor != minor:  # the relative key: Am for C, C for Am
        root = (root - 3) % 12 if loop_minor else (root + 3) % 12
    return (root - loop_root + 6) % 12 - 6


def describe(
    loop_tempo: float | None,
    project_tempo: float | None,
    loop_key: str | None = None,
    project_key: str | None = None,
) -> str:
    """What the waveform's title adds while loops are synced: "plays at 120 BPM", "plays at 140
    BPM as half time", "plays at 120 BPM, 2 semitones up"; "" for a loop that plays as it is
    for want of a tempo and key (or when not synced)."""
    parts = []
    if _tempo(loop_tempo) and _tempo(project_tempo):
        feel = sync(loop_tempo, project_tempo).feel
        parts.append(f"plays at {project_tempo:g} BPM" + (f" as {feel}" if feel else ""))
    semitones = key_shift(loop_key, project_key)
    if loop_key and project_key:
        step = abs(semitones)
        moved = f"{step} semitone{'s' * (step != 1)} {'up' if semitones > 0 else 'down'}"
        in_key = "in key" if semitones == 0 else moved
        parts.append(in_key if parts else f"plays {in_key}")
    return ", ".join(parts)


def _tempo(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0
