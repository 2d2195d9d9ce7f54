"""Numbers in words for messages: counts ("1 loop", "2 loops"), unusualness percents, and
lists of file names cut short.

One place, so that the window, the command line and the core say counts and percents the same
way (never "loop(s)", never "more than 100 %").
"""

from __future__ import annotations

import math
import os
import time
import unicodedata


def quantity(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it needs: quantity(1, "loop") -> "1 loop",
    quantity(0, "loop") -> "0 loops", quantity(2, "mouse", "mice") -> "2 mice"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def quantity_with_verb(n: int, noun: str, singular_verb: str, plural_verb: str) -> str:
    """`quantity` followed by the verb in the same number: "1 loop has", "2 loops have"."""
    return f"{quantity(n, noun)} {singular_verb if n == 1 else plural_verb}"


def more_than(percentile: float) -> int:
    """A whole percent that "more than N %" can truthfully say: rounded down, at most 99
    (a share of 99.8 % with ties counted half would otherwise read "more than 100 %")."""
    return min(99, math.floor(percentile))


def standing_in(percentile: float, whole: str) -> str:
    """ "more unusual than 57% of `whole`", as the explanations and the map's tips say where a
    loop stands; below 1 %, "less unusual than 99% of `whole`": the library's most typical
    loops read "more unusual than 0% of your library", which says nothing."""
    if percentile < 1.0:
        return f"less unusual than 99% of {whole}"
    return f"more unusual than {more_than(percentile)}% of {whole}"


def unusual_percent(value: float) -> str:
    """The Unusual % column of the table and of `anomalizer list`: whole percents rounded down
    (as the explanations' "more than N %"), and a decimal in the top percent, so that in a
    library of 10,000 loops the top hundred do not all read "100". Only a loop above every
    loop the model learned from reads 100."""
    if value >= 100.0:
        return "100"
    if value >= 99.0:
        return f"{math.floor(value * 10) / 10:.1f}"
    return str(more_than(value))


def score_text(value: float) -> str:
    """A score as the table and `anomalizer list` show it: three decimals, and never "-0.000"
    (a score a hair under 0 is 0 at that precision, not a negative one)."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def some_names(paths: list[str], shown: int, separator: str = ", ", more: str = "…") -> str:
    """The file names of the first `shown` paths; then `more` (with {n}: how many were left
    out) when there were others."""
    names = separator.join(os.path.basename(p) for p in paths[:shown])
    left = len(paths) - shown
    return names + (more.format(n=left) if left > 0 else "")


def file_size(size: int) -> str:
    """A file or free-space size for people: "41 kB", "3.2 MB", "482 MB", "1.2 GB", "49 GB"
    (a drive's free space in kB read "51,380,224 kB")."""
    if size < 1e6:
        return f"{size / 1e3:.0f} kB"
    if size < 1e9:
        return f"{size / 1e6:.1f} MB" if size < 10e6 else f"{size / 1e6:,.0f} MB"
    return f"{size / 1e9:.1f} GB" if size < 10e9 else f"{size / 1e9:,.0f} GB"


def telling_folders(paths: list[str]) -> list[str]:
    """For each path, the folder to show beside its file name: the parent folder's name, or
    as many folders above it as tell it from another shown file of the same name ("Pack A/
    Drums" and "Pack B/Drums" for two "Kick 01.wav"; sample packs reuse names all the time)."""
    folders = [os.path.dirname(p).split(os.sep) for p in paths]
    names = [os.path.basename(p) for p in paths]
    shown = []
    for i, folder in enumerate(folders):
        namesakes = [
            other for j, other in enumerate(folders) if names[j] == names[i] and other != folder
        ]
        depth = 1
        while depth < len(folder) and any(o[-depth:] == folder[-depth:] for o in namesakes):
            depth += 1
        shown.append(os.sep.join(folder[-depth:]) or os.sep)
    return shown


def length_text(seconds: float, unit: str = " s") -> str:
    """A loop's length to the hundredth of a second, "1.50 s"; "<0.01 s" for a click or a
    few samples that would read "0.00 s", as if the file held nothing."""
    if 0 < seconds < 0.005:
        return f"<0.01{unit}"
    return f"{seconds:.2f}{unit}"


def whole_seconds(seconds: float) -> str:
    """A span of time in whole seconds, minutes from 60 on: "14 s", "4 min 03 s" (the
    status bar's time left, `took`)."""
    whole = round(seconds)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


def took(seconds: float) -> str:
    """How long a job took, for people: "0.8 s", "14 s", "4 min 29 s"; "under 0.1 s" for
    what rounds to "0.0 s" (a retraining from the last one's neighbour lists)."""
    if seconds < 0.05:
        return "under 0.1 s"
    return f"{seconds:.1f} s" if seconds < 9.95 else whole_seconds(seconds)


def when_added(seconds: float, now: float | None = None) -> str:
    """A moment as a file manager's date column says it, in local time: "Today 13:40",
    "Yesterday 09:12", "28 Nov 13:40" this year, "28 Nov 2025" before. (Month names are
    English, as the rest of the app.)"""
    now = time.time() if now is None else now
    moment, today = time.localtime(seconds), time.localtime(now)
    days_ago = (
        time.mktime((*today[:3], 0, 0, 0, 0, 0, -1)) - time.mktime((*moment[:3], 0, 0, 0, 0, 0, -1))
    ) / 86400
    clock = time.strftime("%H:%M", moment)
    if 0 <= days_ago < 0.5:
        return f"Today {clock}"
    if 0.5 <= days_ago < 1.5:
        return f"Yesterday {clock}"
    day = f"{moment.tm_mday} {_MONTHS[moment.tm_mon - 1]}"
    return f"{day} {clock}" if moment.tm_year == today.tm_year else f"{day} {moment.tm_year}"


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def one_line(text: str) -> str:
    """`text` with its control characters written as escapes ("two\\nlines.wav"): a file
    name or note with a newline or tab in it broke the rows of `anomalizer list` and showed as
    "two…" in the window's table; the path itself is kept as it is for opening the file."""
    if text.isprintable():  # the common case, in C
        return text
    return "".join(
        repr(char)[1:-1] if unicodedata.category(char) == "Cc" else char for char in text
    )


def folded(text: str) -> str:
    """`text` as a search compares it: case aside, and accents in one Unicode form (NFC). A
    name from a Mac's disk spells "é" as "e" and a combining accent (NFD), where a keyboard
    types one character, so a filter for "café" missed "Café Beats.wav"."""
    text = text.casefold()
    return text if text.isascii() else unicodedata.normalize("NFC", text)
