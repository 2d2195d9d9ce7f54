"""What a file's own loop tags declare: the tempo in a WAV's ACID chunk.

Loops made for DAWs ("ACIDized") carry an `acid` chunk with their tempo, beats and metre,
read by Ableton Live, FL Studio and the rest to fit a loop to a project. libsndfile reads it
while it opens the file and prints it in its log (`extra_info`), so the scan's header probe
gets it for nothing. A chunk flagged one-shot, or with a tempo outside 40-300 BPM (some
writers leave 0 or garbage there), declares no tempo.
"""

from __future__ import annotations

import re

#: libsndfile's log of an `acid` chunk: its flags line, then (a few lines on) its tempo
_ACID = re.compile(
    r"^acid\s*:.*?^\s*Flags\s*:\s*0x([0-9A-Fa-f]+).*?^\s*Tempo\s*:\s*([0-9.]+)",
    re.MULTILINE | re.DOTALL,
)
_ONE_SHOT = 0x01
TEMPO_RANGE = (40.0, 300.0)


def acid_tempo(log: str) -> float | None:
    """The tempo an ACID chunk declares, from libsndfile's log of the file; None without one."""
    match = _ACID.search(log)
    if match is None:
        return None
    flags, tempo = int(match[1], 16), float(match[2])
    if flags & _ONE_SHOT or not TEMPO_RANGE[0] <= tempo <= TEMPO_RANGE[1]:
        return None
    return round(tempo, 3)
