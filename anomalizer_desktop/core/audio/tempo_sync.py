"""How fast a loop plays when auditioned at a project's tempo (Sync … BPM).

A loop that declares a tempo (its name or its loop tags: the BPM column) is stretched so that
its beats land on the project's: a 128 BPM loop in a 120 BPM project plays at 120/128 of its
speed, its pitch kept (core.audio.time_stretch). A loop at about half or double the project's
tempo plays as half or double time instead of being stretched twice as fast or slow: a 70 BPM
loop in a 140 BPM project plays as it is (each of its beats is two of the project's, its bars
still land on the project's bars), as DAWs and sample browsers offer it. Of the three, the
speed nearest 1 (on a log scale) wins. A loop that declares no tempo plays as it is.
"""

from __future__ import annotations

import math
from typing import NamedTuple

#: the project tempos the window offers (BPM)
LOWEST, HIGHEST = 40.0, 300.0


class Sync(NamedTuple):
    """How a loop plays at a project's tempo."""

    #: how many times as fast as recorded (1.0: as it is)
    speed: float
    #: "" (beat for beat), "half time" or "double time"
    feel: str


AS_IT_IS = Sync(1.0, "")


def sync(loop_tempo: float | None, project_tempo: float | None) -> Sync:
    """How the loop plays at `project_tempo` (None: not synced), given the tempo it declares
    (None or NaN: none, so it plays as it is)."""
    if not _tempo(loop_tempo) or not _tempo(project_tempo):
        return AS_IT_IS
    ratio = project_tempo / loop_tempo
    choices = (Sync(ratio, ""), Sync(ratio / 2, "half time"), Sync(ratio * 2, "double time"))
    best = min(choices, key=lambda choice: abs(math.log2(choice.speed)))
    return AS_IT_IS._replace(feel=best.feel) if abs(best.speed - 1) < 1e-6 else best


def describe(loop_tempo: float | None, project_tempo: float | None) -> str:
    """What the waveform's title adds while loops are synced: "plays at 120 BPM", "plays at 140
    BPM as half time", or "" for a loop that plays as it is for want of a tempo (or when not
    synced)."""
    if not _tempo(loop_tempo) or not _tempo(project_tempo):
        return ""
    feel = sync(loop_tempo, project_tempo).feel
    return f"plays at {project_tempo:g} BPM" + (f" as {feel}" if feel else "")


def _tempo(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0
