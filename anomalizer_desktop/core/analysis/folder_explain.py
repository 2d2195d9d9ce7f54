""" "Why is this folder unusual?": what sets a folder's loops (a pack) apart from the library.

"Why unusual?" explains one loop; a pack that does not fit is explained the same way over its
loops: for each aspect (timbre, rhythm, length...), where its loops' deviation typically sits in
the library (the median, over the folder's loops, of the share of the library each deviates
more than: about 50 % for a folder like the rest), and the descriptors its loops lean on
together (their mean, in spreads), in the words the loop's explanation uses.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import numpy as np

from anomalizer_desktop.core.analysis.explain import (
    GROUP_WORDS,
    STANDS_OUT,
    Deviation,
    ExplainError,
    descriptor,
    stands_out,
)
from anomalizer_desktop.core.analysis.loop_space import cached_library_space
from anomalizer_desktop.core.detector.spec import MIN_TRAINING_LOOPS
from anomalizer_desktop.core.library.folder_tree import in_folder
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import more_than, quantity

#: how many of the folder's most unusual loops the explanation names
MOST_UNUSUAL = 5


@dataclass
class FolderExplanation:
    folder: str
    loops: int  # its embedded loops
    scored: int
    unusual: int  # of its scored loops, how many are above the unusual cut
    #: per aspect, the median over its loops of the share of the library each deviates more
    #: than (0-100), and the descriptors its loops lean on together (their mean z)
    deviations: list[Deviation]
    summary: str
    #: its most unusual loops, most unusual first: path, percentile
    most_unusual: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


def explain_folder(
    store: Store, folder: str, embedder: str = "dsp", generation: int | None = None
) -> FolderExplanation:
    """Explain the loops in `folder` and below it against the whole library (`generation`:
    as for `explain`)."""
    space = cached_library_space(store, embedder, generation)
    folder = folder.rstrip(os.sep) or folder
    rows = np.flatnonzero(in_folder(space.loops.paths, folder))
    name = os.path.basename(folder) or folder
    if not len(rows):
        raise ExplainError(
            f"no embedded loop of this library is in {shown_path(folder)} (`anomalizer try`"
            " scores loops from outside)",
            in_window=f"no embedded loop of this library is in {shown_path(folder)} (Library >"
            " Try loops from outside… scores loops from outside)",
        )
    if len(space.ids) < MIN_TRAINING_LOOPS:
        raise ExplainError(
            f"explanations need at least {MIN_TRAINING_LOOPS} embedded loops, the library has"
            f" {len(space.ids)}"
        )
    info = space.info
    groups = info.groups or {"all": slice(0, info.dim)}
    names = info.names or [f"dimension {i + 1}" for i in range(info.dim)]
    unweighted = space.z / space.standardizer.weights
    deviations = []
    for group, part in groups.items():
        rms = np.sqrt((unweighted[:, part] ** 2).mean(axis=1))
        # each loop's share of the library it deviates more than (as the loop's explanation)
        share = 100.0 * np.searchsorted(np.sort(rms), rms[rows], side="left") / len(rms)
        leaning = unweighted[rows, part].mean(axis=0)
        top = np.argsort(-np.abs(leaning))[:3]
        deviations.append(
            Deviation(
                group=group,
                words=GROUP_WORDS.get(group, group),
                percentile=round(float(np.median(share)), 1),
                top_descriptors=[
                    descriptor(names, info.phrases, part.start + int(j), float(leaning[j]))
                    for j in top
                ],
            )
        )
    deviations.sort(key=lambda d: -d.percentile)
    scores = space.loops.scores[rows]
    cut = store.unusual_cut()
    scored = int(np.isfinite(scores).sum())
    unusual = 0 if cut is None else int((scores[np.isfinite(scores)] > cut).sum())
    percent = np.asarray(space.loops.percentiles, dtype=np.float64)[rows]
    order = [i for i in np.argsort(-np.nan_to_num(percent, nan=-1.0)) if np.isfinite(percent[i])]
    most = [
        {"path": space.loops.paths[rows[i]], "percentile": round(float(percent[i]), 1)}
        for i in order[:MOST_UNUSUAL]
    ]
    return FolderExplanation(
        folder=folder,
        loops=len(rows),
        scored=scored,
        unusual=unusual,
        deviations=deviations,
        summary=_summary(name, len(rows), scored, unusual, cut is not None, deviations),
        most_unusual=most,
    )


def _summary(
    name: str, loops: int, scored: int, unusual: int, trained: bool, deviations: list[Deviation]
) -> str:
    """The explanation in a few sentences: how many of its loops are unusual here, and what
    sets them apart (or that nothing does)."""
    if trained and scored:
        share = 100 * unusual / scored
        counts = (
            f"{name}: {unusual} of its {quantity(scored, 'scored loop')} are above the unusual"
            f" cut ({share:.0f} %; about 10 % of a folder like the rest of the library)."
        )
    else:
        counts = f"{name}: {quantity(loops, 'loop')}, not scored yet."
    out = [d for d in deviations if d.percentile >= STANDS_OUT][:2]
    if not out:
        return (
            f"{counts} No aspect of its loops stands out: they sound much like the rest of"
            " the library."
        )
    first = out[0]
    aspects = " and ".join(
        f"{d.words} (more than {more_than(d.percentile)}% of the library's loops)" for d in out
    )
    verb = stands_out(first.words) if len(out) == 1 else "stand out"
    sentence = f"{counts} In its typical loop, {aspects} {verb}."
    # the descriptor each aspect that stands out leans on most (two of one aspect say the
    # same thing twice: "their lows are more percussive and they are more percussive")
    tops = [d.top_descriptors[0] for d in out if d.top_descriptors]
    words = [_of_them(t["words"]) for t in tops if "words" in t]
    if words:
        sentence += f" On average {' and '.join(words)}."
    return sentence


def _of_them(words: str) -> str:
    """A clause the embedder wrote about one loop ("it is far longer than usual") said of a
    folder's loops ("they are far longer than usual")."""
    for one, many in (("it is ", "they are "), ("it has ", "they have "), ("its ", "their ")):
        if words.startswith(one):
            return many + words[len(one) :]
    verb, _, rest = words.removeprefix("it ").partition(" ")
    if words.startswith("it ") and verb.endswith("s"):
        return f"they {verb[:-1]} {rest}".rstrip()
    return f"its loops: {words}"
