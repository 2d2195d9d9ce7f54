""" "Why is this loop unusual?": its nearest typical neighbours and what deviates, in plain words.

Works in the standardised feature space of the latest run (or of the library when nothing is
trained yet): each dimension is in units of the library's typical spread. A descriptor group
(timbre, dynamics, rhythm, pitch, length) deviates when its root-mean-square z is high compared
with the other loops of the library. When the run was trained with flags, the loops flagged
`unusual` whose pull lifts this one (`flag_pull`) are named too: "it sounds like X".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from anomalizer_desktop.core.analysis.loop_space import NotEmbeddedError, locate
from anomalizer_desktop.core.detector.preprocess import CLIP
from anomalizer_desktop.core.detector.run_models import detector_before
from anomalizer_desktop.core.detector.spec import MIN_TRAINING_LOOPS
from anomalizer_desktop.core.embedding.dsp_frames import SILENCE_DB
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.library.same_audio import same_audio_of
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import more_than, quantity, standing_in

GROUP_WORDS = {
    "timbre": "sound colour (timbre)",
    "dynamics": "loudness and envelope (dynamics)",
    "rhythm": "rhythm and tempo",
    "pitch": "pitch and harmony",
    "tonality": "tonality (pitched vs unpitched)",
    "texture": "tonal vs percussive texture",
    "length": "length",
    "all": "overall sound",
}


class ExplainError(AnomalizerError):
    """The loop cannot be explained (not in the library, not embedded...)."""


@dataclass
class Deviation:
    group: str
    words: str
    percentile: float  # share of the library this loop deviates more than, 0-100
    #: name, z, direction and, where the embedder has them, words: what the value means
    top_descriptors: list[dict] = field(default_factory=list)


@dataclass
class Explanation:
    path: str
    score: float | None
    percentile: float | None
    neighbours: list[dict]  # path, distance, flag
    deviations: list[Deviation]
    summary: str
    like_flagged: list[dict] = field(default_factory=list)  # path, gain: flagged loops it is like
    #: the other loops with this very audio (the same file in two folders, say)
    copies: list[str] = field(default_factory=list)
    #: of those, the files its audio was found in with other bytes: path -> their level
    #: relative to this loop's, dB (`core.library.same_audio`)
    copy_levels: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


#: a flagged loop is named when its pull adds at least this much to the score (of 2 at most)
NAMED_GAIN = 0.5
#: ... and it is among this loop's NAMED_AMONG nearest loops. The pull alone was no test of
#: "sounds like": L1 distances in hundreds of dimensions bunch up, so one flag lifts most of a
#: small, varied library a little (a flagged ride cymbal lifted a tabla loop by 0.55). In the
#: assisted protocol (one flag per scenario, 5 seeds) a gain of 0.5 named the flagged loop for
#: 38 % of the normal loops on the held-out scenarios; among the 5 nearest it named it for 1.3 %
#: of the normals and 45 % of the outliers (shared scenarios: 1.9 % and 27 %).
NAMED_AMONG = 5


def _like_flagged(
    load_model: Callable[[], Any],
    vector: np.ndarray,
    z: np.ndarray,
    row: int,
    paths: list[str],
    flags,
    distances: np.ndarray,
) -> list[dict]:
    """Loops flagged unusual at training time that this loop sounds like, strongest pull
    first: their pull lifts it by NAMED_GAIN or more and they are among its NAMED_AMONG nearest
    loops (`distances`: L1 from this loop to every row of `z`). The model (`load_model`: the
    latest run's, or None) is loaded only when a flagged loop is that near. An anchor is
    matched to the loop flagged unusual that has its vector: a library can hold the same file
    twice (one pack copied into another), and its unflagged copy is not the loop the user
    flagged."""
    others = np.delete(distances, row)
    flagged = np.flatnonzero(np.asarray(flags, dtype=object) == "unusual")
    near_flag = any(
        i != row and (others < distances[i]).sum() < NAMED_AMONG for i in flagged.tolist()
    )
    if not near_flag:  # none could be named: no pull worked out (its neighbour search is
        return []  # the first "Why unusual?"'s scikit-learn import, 1.3 s and more)
    model = load_model()
    gains = model.pull_gains(vector[None, :]) if model is not None else None
    if gains is None:
        return []
    gains = gains[0]
    found = []
    for anchor in np.argsort(-gains):
        if gains[anchor] < NAMED_GAIN:
            break
        # the anchor is the standardised vector of a library loop: find which one
        offsets = np.abs(z - model.pull.anchors[anchor]).sum(axis=1)
        matches = [i for i in np.flatnonzero(offsets < 1e-3) if i != row and flags[i] == "unusual"]
        if not matches:
            continue  # the loop itself, or a flag taken back since training
        at = int(matches[0])
        nearer = int((others < distances[at]).sum())
        if nearer < NAMED_AMONG:
            found.append({"path": paths[at], "gain": round(float(gains[anchor]), 2)})
    return found


def explain(
    store: Store,
    path: str,
    embedder: str = "dsp",
    neighbours: int = 5,
    generation: int | None = None,
) -> Explanation:
    """Explain the loop at `path` against the rest of the library (`generation`: the caller's
    state of the library, under which the space read for the last loop is reused; see
    `loop_space.cached_library_space`)."""
    try:
        space = locate(store, path, embedder, generation)
    except NotEmbeddedError as error:
        raise ExplainError(str(error), in_window=error.in_window) from None
    info, ids, loops, row = space.info, space.ids, space.loops, space.row
    if len(ids) < MIN_TRAINING_LOOPS:  # "than usual" means nothing among so few
        raise ExplainError(
            f"nothing to compare {os.path.basename(loops.paths[row])} with"
            f" yet: explanations need at least {MIN_TRAINING_LOOPS} embedded loops, the library"
            f" has {len(ids)}"
        )
    groups = info.groups or {"all": slice(0, info.dim)}
    names = info.names or [f"dimension {i + 1}" for i in range(info.dim)]
    phrases = info.phrases
    z = space.z
    unweighted = z / space.standardizer.weights

    # nearest typical neighbours: not flagged unusual and, once scored, below the unusual cut
    record = loops.brief(row)
    detector, cut = _latest_run(store)
    flags = np.array(loops.flags, dtype=object)
    below_cut = True if cut is None else np.isnan(loops.scores) | (loops.scores <= cut)
    typical = (flags != "unusual") & ((flags == "typical") | below_cut)
    distances = space.distances()
    # identical vectors are the same audio: copies of this loop are no neighbours of it, nor
    # are the files its audio was found in with other bytes (another format, level, name)
    same = distances == 0.0
    twins = same_audio_of(store, int(ids[row]))
    if twins:
        same |= np.isin(np.asarray(loops.paths, dtype=object), list(twins))
    copies = [loops.paths[i] for i in np.flatnonzero(same) if i != row]
    copies += sorted(set(twins) - set(copies))
    typical &= ~same
    candidates = (i for i in np.argsort(distances) if typical[i])
    order = _nearest_sounds(candidates, distances, z, neighbours)
    near = [
        {
            "path": loops.paths[i],
            "distance": round(float(distances[i]), 4),
            "flag": loops.flags[i],
        }
        for i in order
    ]

    deviations = []
    for group, part in groups.items():
        group_rms = np.sqrt((unweighted[:, part] ** 2).mean(axis=1))
        percentile = 100.0 * float((group_rms < group_rms[row]).mean())
        values = unweighted[row, part]
        top = np.argsort(-np.abs(values))[:3]
        deviations.append(
            Deviation(
                group=group,
                words=GROUP_WORDS.get(group, group),
                percentile=round(percentile, 1),
                top_descriptors=[
                    descriptor(names, phrases, part.start + int(j), float(values[j])) for j in top
                ],
            )
        )
    deviations.sort(key=lambda d: -d.percentile)
    like = _like_flagged(
        space.model,
        space.vector,
        z,
        row,
        loops.paths,
        flags,  # (the object array made above: a list of 100,000 flags took 5 ms to scan)
        distances,
    )
    return Explanation(
        record.path,
        record.score,
        record.percentile,
        near,
        deviations,
        _summary(
            record,
            deviations,
            like,
            _plain_facts(names, space.vector),
            by_neighbours=detector in NEIGHBOUR_DETECTORS,
            copies=len(set(copies) - set(twins)),
            twins=len(twins),
            crossed=_crossed(store, int(ids[row])),
        ),
        like,
        copies,
        twins,
    )


def _crossed(store: Store, sample_id: int) -> str | None:
    """The summary's sentence when the latest training moved the loop across the unusual cut
    (`Store.unusual_crossings`), else None. It names the detector of the training before
    when that one used another: switching detectors moves loops for that reason alone."""
    new, fell = store.unusual_crossings(sample_id)
    if not new and not fell:
        return None
    before = detector_before(store)
    return CROSSED[1 if new else -1].format(before=f" ({before})" if before else "")


#: the summary's sentence for a loop the latest training moved across the unusual cut
CROSSED = {
    1: "The last training put it above the unusual cut; the one before{before} had it below.",
    -1: "The last training put it below the unusual cut; the one before{before} had it above.",
}


def _nearest_sounds(candidates, distances: np.ndarray, z: np.ndarray, count: int) -> list:
    """The first `count` candidates (nearest first) that are distinct sounds: a copy of a
    loop already named (the same file in another folder) would take a place and tell nothing
    new."""
    picked: list[int] = []
    for i in candidates:
        if any(distances[j] == distances[i] and np.array_equal(z[j], z[i]) for j in picked):
            continue
        picked.append(int(i))
        if len(picked) == count:
            break
    return picked


def _plain_facts(names: list[str], vector: np.ndarray) -> list[str]:
    """What needs no statistics to say, before the deviations: a silent file is silent (its
    deviations alone read "far less energy around 665 Hz than usual"). From the DSP
    descriptors' raw values, found by name; other embedders have none."""
    try:
        loudest = float(vector[names.index("peak loudness")])
    except ValueError:
        return []
    if loudest <= SILENT_FLOOR_DB:
        return [SILENT]
    if loudest < SILENCE_DB:
        return [f"It is almost silent: its loudest moment is {loudest:.0f} dB below full scale."]
    return []


#: the fact said of a file that holds only zeros; nothing is said of its aspects then (a
#: silent file's "tempo" and "energy around 51 Hz" describe nothing a producer can hear)
SILENT = "It is silent: every sample is (nearly) zero."

#: a frame level (dB) at or below which a loop holds only zeros: the floor of the DSP
#: descriptors' frame levels (20 log10 of 1e-5) plus a margin for dither-free rounding
SILENT_FLOOR_DB = -99.0

#: no descriptor of the loop deviates by this many spreads: nothing to put in words
TYPICAL_Z = 0.05

#: deviations (in spreads) from which a clause says "clearly" and "far" instead of "slightly"
CLEARLY, FAR = 1.5, 4.0


def amount(z: float) -> str:
    """The adverb for a deviation of z spreads."""
    size = abs(z)
    return "far" if size >= FAR else "clearly" if size >= CLEARLY else "slightly"


def clause(phrases: tuple[str, str], z: float) -> str:
    """The clause an embedder gives a dimension (below usual, above usual; `{much}` where the
    size goes, see `embedding.dsp_words`) for a value z spreads from the library's typical one."""
    return phrases[z > 0].format(much=amount(z))


def descriptor(names: list[str], phrases: list[tuple[str, str]] | None, dim: int, z: float) -> dict:
    """One deviating descriptor: its name, its z (spreads from the library's typical value),
    the direction and, where the embedder describes its dimensions, a clause saying it."""
    found = {"name": names[dim], "z": round(z, 2), "direction": "higher" if z > 0 else "lower"}
    if phrases is not None:
        found["words"] = clause(phrases[dim], z)
    return found


def _latest_run(store: Store) -> tuple[str | None, float | None]:
    """The latest run's detector and unusual cut (None, None before any training)."""
    row = store.execute("SELECT detector, threshold FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (None, None)


def spreads_text(z: float) -> str:
    """A descriptor's deviation in words: "+1.8σ"; at the clip of the standardised features
    "+8σ or more" (it was cut there, the real value may be far beyond)."""
    if abs(z) >= CLIP - 1e-6:
        return f"{'+' if z > 0 else '-'}{CLIP:g}σ or more"
    return f"{z:+.1f}σ"


def stands_out(words: str) -> str:
    """The verb for a group's words: "rhythm and tempo stand out", "length stands out"."""
    return "stand out" if " and " in words else "stands out"


#: an aspect "stands out" when it deviates more than this share of the library's loops (%)
STANDS_OUT = 80.0
#: below this unusualness a loop "ranks low" for the summary (the lower half of the library)
RANKS_LOW = 50.0
#: detectors whose scores are distances to the nearest loops
NEIGHBOUR_DETECTORS = ("default", "knn", "aspects")
#: a loop above this percentile with no aspect standing out is rare for its mix of aspects
UNUSUAL_MIX = 90.0


def _summary(
    record,
    deviations: list[Deviation],
    like_flagged: list[dict],
    facts: list[str] = (),
    by_neighbours: bool = False,
    copies: int = 0,
    twins: int = 0,
    crossed: str | None = None,
) -> str:
    """The panel's paragraph. `copies`: files with this loop's bytes; `twins`: files with its
    audio in other bytes (another format, bit depth or level: Same audio); `crossed`: the
    sentence saying which way the latest training moved it across the unusual cut (CROSSED).
    `by_neighbours`: the scores measure distances to the nearest loops (the default and knn
    detectors), so a loop with standing-out aspects can still rank low: loops near it share
    them, and the summary says so rather than seem to contradict itself ("more unusual than
    2 %. Its pitch stands out (more than 95 %)")."""
    name = os.path.basename(record.path)
    standing = (
        f"{name} is {standing_in(record.percentile, 'your library')}. "
        if record.percentile is not None
        else f"{name}: "
    )
    silent = SILENT in facts
    strongest = [] if silent else [d for d in deviations if d.percentile >= STANDS_OUT][:2]
    sentences = list(facts)
    for d in strongest:
        sentences.append(
            f"Its {d.words} {stands_out(d.words)} (more than {more_than(d.percentile)}% "
            f"of loops): {_lead_words(d)}."
        )
    if silent:
        pass
    elif deviations and max(abs(d.top_descriptors[0]["z"]) for d in deviations) < TYPICAL_Z:
        # every descriptor sits at the library's typical value (copies of one loop, say):
        # "slightly flatter than usual (+0.0σ)" would be false
        sentences.append("Nothing sets it apart: it is like the rest of your library.")
    elif not strongest and deviations:
        # Nothing is far out on its own: saying "its rhythm stands out (more than 50 % of
        # loops)" would be false. Say so, and name the aspect that comes closest.
        d = deviations[0]
        # (a loop flagged unusual ranks high through its flag: no claim about its mix then)
        rare_mix = (
            record.percentile is not None
            and record.percentile >= UNUSUAL_MIX
            and record.flag != "unusual"
        )
        sentences.append(
            "No single aspect stands out"
            + ("; it is the mix of them that is rare here" if rare_mix else "")
            + f". Closest: its {d.words} (more than {more_than(d.percentile)}% of loops):"
            f" {_lead_words(d)}."
        )
    if (
        by_neighbours
        and strongest
        and record.percentile is not None
        and record.percentile < RANKS_LOW
    ):
        sentences.append(
            "It ranks low all the same: the loops nearest to it share what sets it apart."
        )
    if record.flag in ("typical", "unusual"):
        sentences.append(f"You flagged it {record.flag}.")
    if crossed:
        sentences.append(crossed)
    held = []
    if copies:
        held.append(f"{quantity(copies, 'more copy', 'more copies')} of it")
    if twins:
        held.append(f"its audio in {quantity(twins, 'other file', 'other files')}")
    if held:
        sentences.append(f"Your library holds {', and '.join(held)}.")
    text = standing + " ".join(sentences)
    if like_flagged:
        text += like_flagged_sentence([os.path.basename(f["path"]) for f in like_flagged])
    return text


def _lead_words(deviation: Deviation) -> str:
    """The aspect's most deviating descriptor in words (or by name and size in spreads)."""
    lead = deviation.top_descriptors[0]
    return lead.get("words") or (
        f"{lead['name']} is {lead['direction']} than usual ({spreads_text(lead['z'])})"
    )


#: how many flagged look-alikes the summary names
LIKE_FLAGGED_NAMED = 2


def like_flagged_sentence(names: list[str]) -> str:
    """The summary's closing sentence, " It sounds like A and B, which you flagged unusual."
    (the window builds it again with the names as links, so both must come from here)."""
    return f" It sounds like {' and '.join(names[:LIKE_FLAGGED_NAMED])}, which you flagged unusual."
