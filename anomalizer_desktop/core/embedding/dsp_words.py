"""What each DSP descriptor's deviation means, as a sentence a producer can read.

`feature_names()` names a dimension ("pitch spread (chroma entropy)"); the explanation's summary
needs to say what a loop *does* differently: "its notes sit on far fewer pitches than usual".
Every dimension gets a pair of clauses, for a value below and above the library's typical one,
with `{much}` where the size of the deviation goes ("slightly", "clearly", "far": see
`analysis.explain.clause`, which fills it in).
Built in the order of `dsp_features.feature_names()`, loop for loop (a test pins the two
together), and kept apart from the feature code because it is wording, not signal processing.
"""

from __future__ import annotations

import itertools

from anomalizer_desktop.core.embedding.dsp_features import (
    _NOTES,
    AUTOCORR_LAGS_S,
    CONTRAST_EDGES_HZ,
    N_MFCC,
    _hz_label,
    _mel_centres_hz,
)


def _pair(subject_verb: str, lower: str, higher: str) -> tuple[str, str]:
    """("its tone changes {much} less than usual", "... more ..."): one comparison."""
    return (
        f"{subject_verb} {{much}} {lower} than usual",
        f"{subject_verb} {{much}} {higher} than usual",
    )


def _changes(what: str) -> tuple[str, str]:
    """The clauses of a descriptor's variation over time."""
    return _pair(f"{what} changes", "less", "more")


def _either_way(text: str) -> tuple[str, str]:
    """A descriptor whose direction means nothing to a listener (an MFCC coefficient)."""
    return (text, text)


_SHAPE = (
    (_pair("it sounds", "duller", "brighter"), _changes("its brightness")),
    (_pair("its spectrum is", "narrower", "wider"), _changes("its spectral width")),
    (_pair("it has", "less top end", "more top end"), _changes("its top end")),
    (_pair("it sounds", "purer", "noisier"), _changes("its noisiness")),
    (_pair("its sound changes", "more slowly", "more quickly"), _changes("its rate of change")),
    (_pair("it sounds", "smoother", "hissier"), _changes("its hiss")),
)
_DYNAMICS = (
    _pair("it is", "quieter", "louder"),
    _pair("its loudness varies", "less", "more"),
    _pair("it peaks", "lower", "higher"),
    _pair("its dynamic range is", "narrower", "wider"),
    _pair("its peaks stand out", "less", "more"),
    _pair("it has", "less silence", "more silence"),
    _pair("it reaches its loudest", "sooner", "later"),
    _pair("it fades", "faster after its loudest point", "more slowly after its loudest point"),
    _pair("its loudness wobbles", "less", "more"),
)
_RHYTHM = (
    _pair("it has", "fewer hits per second", "more hits per second"),
    _pair("its hits are", "softer", "harder"),
    _pair("its hits vary", "less in strength", "more in strength"),
    _pair("its tempo is", "slower", "faster"),
    _pair("its pulse is", "vaguer", "clearer"),
)
_PITCHED = _pair("it is", "less pitched", "more pitched")
_TONALITY = (
    _PITCHED,
    _changes("how pitched it is"),
    _PITCHED,
    _PITCHED,
    _pair("it is pitched for", "less of its length", "more of its length"),
    _pair("its tone is", "noisier", "cleaner"),
    _pair("its pitch range is", "narrower", "wider"),
    _pair("it is pitched", "lower", "higher"),
    _pair("its pitch moves", "less", "more"),
    _pair("it has", "fewer tonal partials", "more tonal partials"),
    _changes("its number of tonal partials"),
    _pair("it puts", "less of its energy into tones", "more of its energy into tones"),
    _changes("its share of tonal energy"),
    _pair("it puts", "less of its energy into held notes", "more of its energy into held notes"),
    _pair(
        "it puts",
        "less of its energy into long-held notes",
        "more of its energy into long-held notes",
    ),
    _pair("it holds", "fewer notes at once", "more notes at once"),
)
_TEXTURE = (
    _pair("it is", "more percussive", "more tonal"),
    _pair("its lows are", "more percussive", "more tonal"),
    _pair("its mids are", "more percussive", "more tonal"),
    _pair("its highs are", "more percussive", "more tonal"),
    _changes("its balance of tones and hits"),
)


def feature_phrases() -> list[tuple[str, str]]:
    """(below usual, above usual) clauses for every dimension, in `feature_names()` order."""
    phrases: list[tuple[str, str]] = []
    bands = [_hz_label(hz) for hz in _mel_centres_hz()]
    phrases += [
        _pair("it has", f"less energy around {b}", f"more energy around {b}") for b in bands
    ]
    phrases += [_changes(f"its level around {b}") for b in bands]
    phrases += [_either_way("its tone colour is {much} off the usual")] * N_MFCC
    phrases += [_changes("its tone colour")] * N_MFCC
    phrases += [_either_way("its tone colour drifts {much} differently from usual")] * N_MFCC
    phrases += [_pair("its tone colour flickers", "less", "more")] * N_MFCC
    phrases += [mean for mean, _ in _SHAPE] + [variation for _, variation in _SHAPE]
    octaves = [
        f"between {_hz_label(low)} and {_hz_label(high)}" if low else f"below {_hz_label(high)}"
        for low, high in itertools.pairwise(CONTRAST_EDGES_HZ)
    ]
    phrases += [_pair(f"its spectrum {o} is", "flatter", "peakier") for o in octaves]
    phrases += [_changes(f"the peakiness of its spectrum {o}") for o in octaves]
    phrases += list(_DYNAMICS) + list(_RHYTHM)
    phrases += [
        _pair("it repeats", f"less strongly every {lag:.2f} s", f"more strongly every {lag:.2f} s")
        for lag in AUTOCORR_LAGS_S
    ]
    phrases += [_pair("it holds", f"less of the note {n}", f"more of the note {n}") for n in _NOTES]
    phrases += [_pair(f"the note {n} comes and goes", "less", "more") for n in _NOTES]
    phrases += [
        _pair("its notes spread over", "fewer pitches", "more pitches"),
        _pair("one pitch dominates it", "less", "more"),
    ]
    phrases += list(_TONALITY) + list(_TEXTURE)
    phrases += [_pair("it is", "shorter", "longer")]
    return phrases
