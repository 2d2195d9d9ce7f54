"""What a loop's name says about it: its tempo (BPM) and key, as sample packs write them.

Packs tag their loops in the file name: "Cymatics - Loop 1 - 128 BPM F#min.wav",
"SO_CB_90_piano_loop_Cm.wav", "bass_120bpm_A_minor.wav", or in a folder ("120 BPM/Bass.wav").
Read from the name only (and, through `declared_tempo` and `declared_key`, the file's own
loop tags, which the scan stores: core.audio.loop_tags): no audio is decoded, so the table
shows them for 100,000 loops at once, and what a pack declares is what the producer searches
by. A name that says nothing, or says it ambiguously, gives nothing (never a guess shown as a
fact).

Tempo, first match wins (`declared_tempo` puts a file's loop tags between 1 and 2):
1. a number with "bpm" before or after it ("128 BPM", "bpm_90", "92.5bpm"), 40-300, in the
   file name, else in the nearest folder name that has one;
2. in the file name only, one number 60-200 standing alone between separators (space, _, -,
   brackets), without a leading zero, neither first (a numbering: "101_Splash") nor last
   ("Kick 120"): "SO_CB_90_piano_loop_Cm". Two such numbers give nothing.

Key: a note A-G (capital), optionally # / b / sharp / flat, then a minor or major word ("m",
"min", "minor", "maj", "major"), standing alone between separators: "F#min", "Cm", "Ab_major",
"A minor". A bare note ("_C_", "F#") counts only in a name that also declares a tempo (a
tagged loop name); alone it is as likely a variation letter ("Kick A").
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from dataclasses import dataclass

import numpy as np

_SEP = r"(?:^|(?<=[\s_\-\(\)\[\]\.,]))"
_END = r"(?=$|[\s_\-\(\)\[\]\.,])"
_BPM_AFTER = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d{1,2})?)\s*[-_]?\s*bpm", re.IGNORECASE)
_BPM_BEFORE = re.compile(r"bpm\s*[-_:]?\s*(\d{2,3}(?:\.\d{1,2})?)(?![\d.])", re.IGNORECASE)
#: between separators, and neither first (a numbering: "101_Splash") nor last ("Kick 120")
_BARE_NUMBER = re.compile(r"(?<=[\s_\-\(\[])([1-9]\d{1,2})(?=[\s_\-\)\]]+[^\s_\-\)\]])")
_NOTE = r"([A-G])(#|♯|b|♭|[-_ ]?sharp|[-_ ]?flat)?"
_QUALITY = r"((?i:minor|min|major|maj)|m)"
_KEY = re.compile(_SEP + _NOTE + r"[-_ ]?" + _QUALITY + _END)
_BARE_NOTE = re.compile(_SEP + _NOTE + _END)
_NOTE_LETTER = re.compile(_SEP + "[A-G]")

EXPLICIT_TEMPO = (40.0, 300.0)
BARE_TEMPO = (60, 200)

_SHARP = {"#", "♯", "sharp"}
_FLAT = {"b", "♭", "flat"}
_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: each key spelled as its key signature is (the fewest sharps or flats): "A#m" and "Bbm" are
#: one key, shown "Bbm"; majors then minors round the scale from C (the Key column's order)
_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
KEY_ORDER = [*_MAJOR_NAMES, *_MINOR_NAMES]


@dataclass(frozen=True, slots=True)
class NameTags:
    """What a loop's path declares: tempo in BPM (None: nothing) and where it was read
    ("file name", "folder name", or "lone number": a number alone in the file name), and key
    ("F#m", "C")."""

    tempo: float | None = None
    tempo_from: str = ""
    key: str | None = None
    #: the key is a bare note ("_C_"), read only because the name declares a tempo
    key_bare: bool = False


def read_tags(path: str) -> NameTags:
    """The tempo and key that `path`'s file name (and for tempo, its folders) declare."""
    folder, _, file_name = path.rpartition(os.sep)
    stem = file_name.rpartition(".")[0] or file_name
    tempo, source = _explicit_tempo(stem), "file name"
    if tempo is None and _BARE_NUMBER.search(stem):
        tempo, source = _bare_tempo(stem), "lone number"
    if tempo is None:
        tempo, source = _folder_tempo(folder), "folder name"
    key, bare = _key(stem, bare_notes=tempo is not None and source != "folder name")
    if tempo is None and key is None:
        return _NOTHING
    return NameTags(tempo, source if tempo is not None else "", key, bare)


_NOTHING = NameTags()


def declared_tempo(tags: NameTags, file_tempo: float | None) -> tuple[float | None, str]:
    """(tempo, where it was read) from a loop's name and its file's own loop tags (an ACID
    chunk or an Apple Loop's, `file_tempo`): a "128 BPM" in the file name first (what the
    producer reads), then the file's tags, then a lone number in the file name or a folder's
    "120 BPM"."""
    if tags.tempo_from == "file name" or file_tempo is None:
        return tags.tempo, tags.tempo_from
    return file_tempo, "loop tags"


def declared_key(tags: NameTags, file_key: str | None) -> tuple[str | None, str]:
    """(key, where it was read): a key written out in the file name first ("F#min"), then
    the file's loop tags (an Apple Loop's root and scale), then a bare note in a tagged name."""
    if tags.key is not None and (not tags.key_bare or file_key is None):
        return tags.key, "file name"
    if file_key is not None:
        return file_key, "loop tags"
    return None, ""


def _explicit_tempo(text: str) -> float | None:
    if "bpm" not in text.lower():
        return None
    for pattern in (_BPM_AFTER, _BPM_BEFORE):
        for match in pattern.finditer(text):
            value = float(match.group(1))
            if EXPLICIT_TEMPO[0] <= value <= EXPLICIT_TEMPO[1]:
                return value
    return None


def _bare_tempo(stem: str) -> float | None:
    values = {int(m.group(1)) for m in _BARE_NUMBER.finditer(stem)}
    values = {v for v in values if BARE_TEMPO[0] <= v <= BARE_TEMPO[1]}
    return float(values.pop()) if len(values) == 1 else None


@functools.lru_cache(maxsize=4096)
def _folder_tempo(folder: str) -> float | None:
    for _ in range(3):  # the nearest three folders: a pack's "120 BPM" level, not the drive's
        folder, name = os.path.split(folder)
        if not name:
            return None
        tempo = _explicit_tempo(name)
        if tempo is not None:
            return tempo
    return None


def _key(stem: str, bare_notes: bool) -> tuple[str | None, bool]:
    """(the key the name declares, whether it is a bare note); (None, False) for none."""
    if not _NOTE_LETTER.search(stem):
        return None, False
    keys = {
        _spelled(note, accidental, minor=not quality.lower().startswith("maj"))
        for note, accidental, quality in _KEY.findall(stem)
    }
    if keys:
        return (keys.pop(), False) if len(keys) == 1 else (None, False)
    if bare_notes:
        keys = {_spelled(n, a, minor=False) for n, a in _BARE_NOTE.findall(stem)}
    return (keys.pop(), True) if len(keys) == 1 else (None, False)


def _spelled(note: str, accidental: str | None, minor: bool) -> str:
    mark = (accidental or "").strip("-_ ").lower()
    pitch = (_PITCH[note] + (mark in _SHARP) - (mark in _FLAT)) % 12
    return (_MINOR_NAMES if minor else _MAJOR_NAMES)[pitch]


def key_pitch(key: str) -> tuple[int, bool]:
    """A key in the Key column's spelling ("F#m", "Eb") as (its root's pitch class, C = 0;
    whether it is minor); ValueError for anything else."""
    if key in _MINOR_NAMES:
        return _MINOR_NAMES.index(key), True
    if key in _MAJOR_NAMES:
        return _MAJOR_NAMES.index(key), False
    raise ValueError(f"not a key: {key!r}")


def moved_key(key: str, semitones: int) -> str:
    """`key` (the Key column's spelling) moved by `semitones`, in the same spelling and mode:
    moved_key("Em", 5) == "Am"."""
    root, minor = key_pitch(key)
    return (_MINOR_NAMES if minor else _MAJOR_NAMES)[(root + semitones) % 12]


def with_tempo(stem: str, tempo: float) -> str:
    """A file name (without its extension) that declares `tempo` instead: the first tempo it
    writes out ("128 BPM", "bpm_128") takes the new number, else " 120 BPM" is added (which then
    comes before a bare number: "SO_CB_90_piano_loop_Cm 100 BPM" declares 100)."""
    new = f"{tempo:g}"
    for pattern in (_BPM_AFTER, _BPM_BEFORE):
        for match in pattern.finditer(stem):
            if EXPLICIT_TEMPO[0] <= float(match.group(1)) <= EXPLICIT_TEMPO[1]:
                return stem[: match.start(1)] + new + stem[match.end(1) :]
    return f"{stem} {new} BPM"


def with_key(stem: str, key: str, new_key: str) -> str:
    """A file name (without its extension) that declares `new_key` where it declares `key`,
    in whatever spelling ("F#min", "A minor", a bare "C" in a tagged name); else the key is
    added at the end."""
    for pattern, minor_from in ((_KEY, 2), (_BARE_NOTE, None)):
        for match in pattern.finditer(stem):
            quality = match.group(minor_from + 1) if minor_from is not None else "maj"
            minor = not quality.lower().startswith("maj")
            if _spelled(match.group(1), match.group(2), minor) == key:
                return stem[: match.start()] + new_key + stem[match.end() :]
    return f"{stem} {new_key}"


def key_rank(key: str | None) -> float:
    """The Key column's sort key: round the scale from C, majors before minors; NaN for none."""
    return float(KEY_ORDER.index(key)) if key in KEY_ORDER else float("nan")


@dataclass(frozen=True, slots=True)
class TagQuery:
    """A filter's text with its terms taken out: "bpm:120" (119.5-120.5), "bpm:118-122"
    (inclusive), "key:Am" (any spelling: "key:a#m", "key:Bb minor"; "key:Am+" also the keys
    that mix with it, kept as "Am+"), "tag:dark" (one of
    the producer's tags, case aside; "tag:"song a"" for one with spaces) and "bars:4" or
    "bars:2-4" (loops that last that many whole bars at the tempo they declare), and
    "added:today", "added:3d", "added:12h" or "added:2w" (loops a scan first found since then;
    `added` is that moment, in seconds since the epoch), and "unusual:90" or "unusual:50-80"
    (the loops whose Unusual % is at least 90, or between 50 and 80), and "unusual:new" or
    "unusual:fell" (`crossed`: the loops the latest training put above the unusual cut, or
    below it, when the training before had them the other side). A term that reads as no
    tempo or key stays in `text`, so it finds nothing rather than everything."""

    text: str
    tempo: tuple[float, float] | None = None
    key: str | None = None
    tag: str | None = None
    bars: tuple[float, float] | None = None
    added: float | None = None
    unusual: tuple[float, float] | None = None
    crossed: str | None = None


#: a tempo or a range of tempos as people type them: "120", "118-122"
_TEMPO_SPAN = r"(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?"
_TEMPO_TERM = re.compile(r"(?i)(?<!\S)bpm:" + _TEMPO_SPAN + r"(?!\S)")
_KEY_TERM = re.compile(r"(?i)(?<!\S)key:(\S+?(?:[ _-](?:minor|major|min|maj))?\+?)(?!\S)")
_TAG_TERM = re.compile(r'(?i)(?<!\S)tag:(?:"([^"]*)"?|([^\s,"]+))(?!\S)')
_BARS_TERM = re.compile(r"(?i)(?<!\S)bars:(\d+)(?:-(\d+))?(?!\S)")
_ADDED_TERM = re.compile(r"(?i)(?<!\S)added:(today|\d+[hdw])(?!\S)")
_UNUSUAL_TERM = re.compile(r"(?i)(?<!\S)unusual:(\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?)(?!\S)")
#: which way "unusual:" asks for the loops the latest training moved across the unusual cut
CROSSINGS = ("new", "fell")
_CROSSED_TERM = re.compile(r"(?i)(?<!\S)unusual:(new|fell)(?!\S)")
#: seconds in each unit `added:` takes
_ADDED_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_query(text: str, now: float | None = None) -> TagQuery:
    """Split a filter's text into plain text and the terms in it (see TagQuery); `now` is
    when "added:" counts back from (the clock by default)."""
    tempo = key = tag = None
    match = _TAG_TERM.search(text)
    if match:
        tag = " ".join((match[1] if match[1] is not None else match[2]).split()) or None
        if tag is not None:
            text = text[: match.start()] + text[match.end() :]
    match = _TEMPO_TERM.search(text)
    if match:
        tempo = _span(match)
        text = text[: match.start()] + text[match.end() :]
    match = _KEY_TERM.search(text)
    if match:
        key = spell_key_term(match[1])
        if key is not None:
            text = text[: match.start()] + text[match.end() :]
    bars = None
    match = _BARS_TERM.search(text)
    if match:
        bars = bars_range(match[0].partition(":")[2])
        text = text[: match.start()] + text[match.end() :]
    added = None
    match = _ADDED_TERM.search(text)
    if match:
        added = added_since(match[1], now)
        text = text[: match.start()] + text[match.end() :]
    unusual = None
    match = _UNUSUAL_TERM.search(text)
    if match:
        with contextlib.suppress(ValueError):  # over 100: stays text, and finds nothing
            unusual = unusual_range(match[1])
            text = text[: match.start()] + text[match.end() :]
    crossed = None
    match = _CROSSED_TERM.search(text)
    if match:
        crossed = match[1].lower()
        text = text[: match.start()] + text[match.end() :]
    return TagQuery(" ".join(text.split()), tempo, key, tag, bars, added, unusual, crossed)


def within_unusual(percentiles, span: tuple[float, float]) -> np.ndarray:
    """Which loops an "unusual:" term (or `--unusual`) keeps: those whose Unusual % as shown
    (`core.text.unusual_percent`: whole percents rounded down, tenths in the top percent) lies
    within `span`, so that a loop the table shows as 80 is within "unusual:50-80"; a loop
    without a score (NaN, or None) never is."""
    values = np.asarray(percentiles, dtype=float)
    with np.errstate(invalid="ignore"):
        shown = np.where(
            values >= 100,
            100.0,
            np.where(values >= 99, np.floor(values * 10) / 10, np.floor(values)),
        )
        return (shown >= span[0]) & (shown <= span[1])


def unusual_range(text: str) -> tuple[float, float]:
    """The Unusual % a filter asks for: "90" (90 and above) or "50-80" (inclusive), 0-100;
    raises ValueError for anything else."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?", text.strip())
    if match is None or any(float(v) > 100 for v in match.groups() if v is not None):
        raise ValueError(
            f"not an Unusual % or a range of them: {text!r} (say 90 for 90 and above, or 50-80)"
        )
    low = float(match[1])
    high = 100.0 if match[2] is None else float(match[2])
    return min(low, high), max(low, high)


def added_since(text: str, now: float | None = None) -> float:
    """The moment "today" (local midnight), "3d", "12h" or "2w" (that long before `now`)
    means, in seconds since the epoch; raises ValueError for anything else."""
    now = time.time() if now is None else now
    text = text.strip().lower()
    if text == "today":
        return time.mktime((*time.localtime(now)[:3], 0, 0, 0, 0, 0, -1))
    match = re.fullmatch(r"(\d+)([hdw])", text)
    if match is None:
        raise ValueError(f"not a time to count back: {text!r} (say today, 12h, 3d or 2w)")
    return now - int(match[1]) * _ADDED_UNITS[match[2]]


def bars_range(text: str) -> tuple[float, float]:
    """A number of bars ("4") or a range ("2-4") as people type it; raises ValueError for
    anything else."""
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
    if match is None:
        raise ValueError(f"not a number of bars or a range of them: {text!r} (say 4 or 2-4)")
    low, high = float(match[1]), float(match[2] or match[1])
    return min(low, high), max(low, high)


#: a key term that ends so asks for the keys that mix with it too ("key:Am+", "--key Am+")
MIXES = "+"


def spell_key_term(text: str) -> str | None:
    """`spell_key`, keeping a closing "+" (the keys that mix with it: `wanted_keys`)."""
    text = text.strip()
    mixes = text.endswith(MIXES)
    key = spell_key(text[:-1] if mixes else text)
    return None if key is None else key + MIXES * mixes


def mixing_keys(key: str) -> tuple[str, ...]:
    """The keys that mix with `key` in harmonic mixing (its neighbours on the Camelot wheel):
    itself, its relative major or minor, and the keys a fifth above and below in its mode.
    Am: Am, C, Em, Dm; C: C, Am, G, F."""
    minor = key in _MINOR_NAMES
    names = _MINOR_NAMES if minor else _MAJOR_NAMES
    pitch = names.index(key)
    relative = _MAJOR_NAMES[(pitch + 3) % 12] if minor else _MINOR_NAMES[(pitch + 9) % 12]
    return (key, relative, names[(pitch + 7) % 12], names[(pitch + 5) % 12])


def with_key_term(text: str, term: str | None) -> str:
    """A filter's `text` with its key term replaced by "key:`term`" at the end (taken out
    when `term` is None); the rest of the text and its other terms stay."""
    words = _KEY_TERM.sub(" ", text).split()
    return " ".join([*words, f"key:{term}"] if term else words)


def wanted_keys(term: str) -> frozenset[str]:
    """The keys a key term asks for: "Am" that key, "Am+" the keys that mix with it."""
    if term.endswith(MIXES):
        return frozenset(mixing_keys(term[: -len(MIXES)]))
    return frozenset((term,))


def spell_key(text: str) -> str | None:
    """A key as a person types it ("am", "F# minor", "bbm", "Eb") in the Key column's spelling
    ("Am", "F#m", "Bbm", "Eb"); None when it reads as no key."""
    text = text.strip()
    if not text:
        return None
    text = text[0].upper() + text[1:]
    match = _KEY.fullmatch(text) or _BARE_NOTE.fullmatch(text)
    if match is None:
        return None
    note, accidental, *quality = match.groups()
    minor = bool(quality) and not quality[0].lower().startswith("maj")
    return _spelled(note, accidental, minor=minor)


def tempo_range(text: str) -> tuple[float, float]:
    """A tempo ("120": 119.5-120.5) or range ("118-122") as the command line takes it; raises
    ValueError for anything else."""
    match = re.fullmatch(_TEMPO_SPAN, text.strip())
    if match is None:
        raise ValueError(f"not a tempo or a range of tempos: {text!r} (say 120 or 118-122)")
    return _span(match)


def _span(match: re.Match) -> tuple[float, float]:
    """The range a `_TEMPO_SPAN` match asks for: one tempo is itself give or take half a BPM."""
    low = float(match[1])
    if not match[2]:
        return low - 0.5, low + 0.5
    high = float(match[2])
    return min(low, high), max(low, high)


#: beats in a bar: loops are written in 4/4 far more than anything else
BEATS_PER_BAR = 4


def whole_beats(seconds, tempo):
    """How many beats a loop of `seconds` lasts at `tempo` (BPM), when that is a whole number
    (within 1 % or 20 ms: the rounding of a length); NaN when it is not, or without a tempo.
    Takes numbers or numpy arrays (the table filters 100,000 loops at once)."""
    seconds, tempo = np.asarray(seconds, dtype=float), np.asarray(tempo, dtype=float)
    beats = seconds * tempo / 60.0
    nearest = np.round(beats)
    slack = np.maximum(0.01 * beats, 0.02 * tempo / 60.0)
    return np.where((np.abs(beats - nearest) <= slack) & (nearest > 0), nearest, np.nan)


def whole_bars(seconds, tempo):
    """How many bars of four a loop lasts at `tempo`, when that is a whole number (see
    `whole_beats`); NaN when it is not."""
    beats = whole_beats(seconds, tempo)
    return np.where(beats % BEATS_PER_BAR == 0, beats / BEATS_PER_BAR, np.nan)


def lasts_bars(seconds: float | None, tempo: float | None, bars: tuple[float, float]) -> bool:
    """Whether a loop lasts a whole number of bars in the range `bars` at its tempo."""
    if seconds is None or tempo is None:
        return False
    return bars[0] <= float(whole_bars(seconds, tempo)) <= bars[1]


@dataclass(frozen=True, slots=True)
class Declared:
    """The tempo and key a loop declares in its name and its file's loop tags, and where each
    was read (`declared_tempo`, `declared_key`): what the table, the list and exports show."""

    tempo: float | None
    tempo_from: str
    key: str | None
    key_from: str

    def matches(self, tempo: tuple[float, float] | None, key: str | None) -> bool:
        """Whether the loop is of a tempo in the range `tempo` and in `key` (None: any; "Am+":
        a key that mixes with Am, `wanted_keys`)."""
        if tempo is not None and (self.tempo is None or not tempo[0] <= self.tempo <= tempo[1]):
            return False
        return key is None or self.key in wanted_keys(key)


@functools.lru_cache(maxsize=1 << 18)
def declared(
    path: str,
    file_tempo: float | None,
    file_key: str | None,
    heard_tempo: float | None = None,
    user_tempo: float | None = None,
    user_key: str | None = None,
) -> Declared:
    """What a loop declares: its name's tags (`read_tags`) with its file's loop tags; for a
    loop that declares no tempo, the tempo heard in its sound (`core.audio.heard_tempo`), its
    `tempo_from` "heard" (shown as heard, never as declared). A tempo or key the producer set
    by hand (`user_tempo`, `user_key`) comes before all of these, from YOURS.
    Remembered: a window reads the whole library again after each change (0.3 s for 100,000
    loops the first time, a look-up after), and most loops declare nothing (one shared answer)."""
    says = _declared_by_the_loop(path, file_tempo, file_key, heard_tempo)
    return with_yours(says, user_tempo, user_key)


def with_yours(says: Declared, user_tempo: float | None, user_key: str | None) -> Declared:
    """What a loop `says`, with the tempo and key the producer set by hand (None: none) in
    their place, from YOURS."""
    if user_tempo is None and user_key is None:
        return says
    return Declared(
        says.tempo if user_tempo is None else float(user_tempo),
        says.tempo_from if user_tempo is None else YOURS,
        says.key if user_key is None else user_key,
        says.key_from if user_key is None else YOURS,
    )


def _declared_by_the_loop(
    path: str, file_tempo: float | None, file_key: str | None, heard_tempo: float | None
) -> Declared:
    tags = read_tags(path)
    if tags is _NOTHING and file_tempo is None and file_key is None and heard_tempo is None:
        return _DECLARES_NOTHING
    tempo, tempo_from = declared_tempo(tags, file_tempo)
    if tempo is None and heard_tempo is not None:
        tempo, tempo_from = heard_tempo, HEARD
    return Declared(tempo, tempo_from, *declared_key(tags, file_key))


#: `Declared.tempo_from` of a tempo heard in the loop's sound rather than declared
HEARD = "heard"
#: `Declared.tempo_from` / `key_from` of a tempo or key the producer set by hand
YOURS = "you"
#: the tempos a producer can set by hand (BPM): what any DAW's tempo takes, give or take
SETTABLE_TEMPO = (20.0, 999.0)


def settable_tempo(value: float | str) -> float:
    """A tempo to set by hand, to the hundredth of a BPM; ValueError for anything outside
    SETTABLE_TEMPO or not a number."""
    try:
        tempo = round(float(value), 2)
    except (TypeError, ValueError):
        raise ValueError(f"not a tempo: {value!r} (say 174 or 87.5)") from None
    if not SETTABLE_TEMPO[0] <= tempo <= SETTABLE_TEMPO[1]:
        low, high = SETTABLE_TEMPO
        raise ValueError(f"a tempo is {low:g} to {high:g} BPM, not {value!r}")
    return tempo


def settable_key(value: str) -> str:
    """A key to set by hand in the Key column's spelling ("a minor" -> "Am"); ValueError
    for text that reads as no key."""
    key = spell_key(str(value))
    if key is None:
        raise ValueError(f"not a key: {value!r} (say Am, F#m or Eb)")
    return key


#: before a heard tempo where tempos are listed ("≈121.46"): heard, not declared
HEARD_MARK = "\u2248"


def tempo_text(says: Declared) -> str:
    """A loop's tempo as a list shows it: "128", "≈121.46" when heard, "" when none."""
    if says.tempo is None:
        return ""
    return (HEARD_MARK if says.tempo_from == HEARD else "") + f"{says.tempo:g}"


_DECLARES_NOTHING = Declared(None, "", None, "")
