"""What a file's own loop tags declare: tempo and key, as DAWs write them for loops.

- A WAV's `acid` chunk (ACIDized loops, read by Ableton Live, FL Studio and the rest): tempo.
- An AIFF Apple Loop's `basc` chunk (Logic, GarageBand): beats, metre, root note and scale,
  so tempo (beats over length) and key.
- A CAF's `info` strings ("tempo", "key signature"), as Apple Loops in CAF carry them.

libsndfile reads these chunks while it opens the file and prints them in its log
(`extra_info`), so the scan's header probe gets them for nothing. A one-shot declares no tempo,
and a tempo outside 40-300 BPM (some writers leave 0 or garbage) is no tempo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anomalizer_desktop.core.loop_names import spell_key

#: libsndfile's log of an `acid` chunk: its flags line, then (a few lines on) its tempo
_ACID = re.compile(
    r"^acid\s*:.*?^\s*Flags\s*:\s*0x([0-9A-Fa-f]+).*?^\s*Tempo\s*:\s*([0-9.]+)",
    re.MULTILINE | re.DOTALL,
)
_ONE_SHOT = 0x01
#: ... of an AIFF `basc` chunk (Apple Loops)
_BASC = re.compile(
    r"^\s*basc\s*:.*?Num Beats\s*:\s*(\d+).*?Root Note\s*:\s*0x([0-9A-Fa-f]+)"
    r".*?ScaleType\s*:\s*0x[0-9A-Fa-f]+\s*\((\w+)\).*?Time Sig\s*:\s*(\d+)/(\d+)"
    r".*?Loop Type\s*:\s*0x[0-9A-Fa-f]+\s*\(([^)]*)\)",
    re.MULTILINE | re.DOTALL,
)
#: ... of a CAF `info` chunk's strings
_CAF_TEMPO = re.compile(r"^\s*tempo\s*:\s*([0-9.]+)\s*$", re.MULTILINE)
_CAF_KEY = re.compile(r"^\s*key signature\s*:\s*(.+?)\s*$", re.MULTILINE)
TEMPO_RANGE = (40.0, 300.0)
_NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True, slots=True)
class LoopTags:
    """The tempo (BPM) and key ("F#m") a file's loop tags declare; None where they do not."""

    tempo: float | None = None
    key: str | None = None


def loop_tags(log: str, seconds: float) -> LoopTags:
    """What the loop tags in libsndfile's log of a file declare; `seconds` is its length."""
    match = _ACID.search(log)
    if match:
        flags = int(match[1], 16)
        return LoopTags(None if flags & _ONE_SHOT else _tempo(match[2]))
    match = _BASC.search(log)
    if match:
        beats, root, scale, _, denominator, kind = match.groups()
        tempo = None
        if "one shot" not in kind.lower() and seconds > 0 and int(denominator) > 0:
            tempo = _tempo(int(beats) * 60.0 / seconds * 4.0 / int(denominator))
        key = None
        if scale.upper() in ("MAJOR", "MINOR"):
            key = spell_key(_NOTES[int(root, 16) % 12] + ("m" if scale.upper() == "MINOR" else ""))
        return LoopTags(tempo, key)
    tempo = _CAF_TEMPO.search(log)
    key = _CAF_KEY.search(log)
    return LoopTags(_tempo(tempo[1]) if tempo else None, spell_key(key[1]) if key else None)


def _tempo(value: float | str) -> float | None:
    """A tempo in range, else None (text that is no number, "1.2.3", is none either)."""
    try:
        value = float(value)
    except ValueError:
        return None
    return round(value, 3) if TEMPO_RANGE[0] <= value <= TEMPO_RANGE[1] else None
