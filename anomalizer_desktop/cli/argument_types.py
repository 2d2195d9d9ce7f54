"""The command line's argument types: each turns what a person types into a value, or into
argparse's usage error saying what it takes ("must be from 0 to 4294967295", "not a key: 'H'"),
never a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from anomalizer_desktop.core.audio.tempo_sync import HIGHEST, LOWEST
from anomalizer_desktop.core.library.user_tags import parse_tags
from anomalizer_desktop.core.loop_names import (
    MIXES,
    added_since,
    bars_range,
    settable_key,
    settable_tempo,
    spell_key_term,
    tempo_range,
    unusual_range,
)


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """argparse type: a whole number from `low` (up to `high`)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(
                f"must be {low} or more" if high is None else f"must be from {low} to {high}"
            )
        return value

    return parse


at_least_one = whole_number(1)
at_least_zero = whole_number(0)
#: a seed the random generators take (scikit-learn refuses others: `--seed -1` ended an
#: iforest training in a traceback)
random_seed = whole_number(0, 2**32 - 1)


def positive_number(text: str) -> float:
    """argparse type: a number above 0 (Deep SAD's eta: 0 or less turns its objective over)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("must be a number above 0")
    return value


def tempo_or_range(text: str) -> tuple[float, float]:
    """argparse type: a tempo (120) or a range of tempos (118-122)."""
    try:
        return tempo_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def bars_or_range(text: str) -> tuple[float, float]:
    """argparse type: a number of bars (4) or a range of them (2-4)."""
    try:
        return bars_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def unusual_or_range(text: str) -> tuple[float, float]:
    """argparse type: an Unusual % (90: 90 and above) or a range of them (50-80)."""
    try:
        return unusual_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def added_since_when(text: str) -> float:
    """argparse type: how far back a loop may have come in (today, 12h, 3d, 2w), as the
    moment that is."""
    try:
        return added_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def key_term(text: str) -> str:
    """argparse type: a key as a person types it (Am, "F# minor", bbm, Eb; Am+ for the keys
    that mix with Am)."""
    key = spell_key_term(text)
    if key is None:
        raise argparse.ArgumentTypeError(
            f'not a key: {text!r} (say Am, F#m, Eb or "C major"; Am+ adds the keys that mix)'
        )
    return key


#: what `flag --bpm` and `--key` take to give a loop back what its name says
NO_VALUE = ("none", "")


def own_tempo(text: str) -> float:
    """argparse type: a tempo to set by hand (flag --bpm 174); 'none' (0.0) takes it off."""
    if text.strip().lower() in NO_VALUE:
        return 0.0
    try:
        return settable_tempo(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def own_key(text: str) -> str:
    """argparse type: a key to set by hand (flag --key Am); 'none' ("") takes it off."""
    if text.strip().lower() in NO_VALUE:
        return ""
    try:
        return settable_key(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def project_tempo(text: str) -> float:
    """argparse type: a project's tempo, 40-300 BPM (export --at-tempo)."""
    value = positive_number(text)
    if not LOWEST <= value <= HIGHEST:
        raise argparse.ArgumentTypeError(f"a tempo from {LOWEST:g} to {HIGHEST:g} BPM")
    return value


def project_key(text: str) -> str:
    """argparse type: a project's key as a person types it (Am, "F# minor", Eb)."""
    key = key_term(text)
    if key.endswith(MIXES):
        raise argparse.ArgumentTypeError("one key: the loops move into it (no +)")
    return key


def one_tag(text: str) -> str:
    """argparse type: one tag (spaces collapsed; no comma: a loop filter takes one tag)."""
    tags = parse_tags(text)
    if len(tags) != 1:
        raise argparse.ArgumentTypeError(
            f"not one tag: {text!r} (a tag is a word or words, without a comma)"
        )
    return tags[0]
