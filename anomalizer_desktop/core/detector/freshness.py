"""Are the scores on show still the library's? What changed since the last training run.

The table and map show the latest run's scores. They go stale in four ways a producer cannot
see from the numbers: the program was upgraded to a new DSP version and the library still holds
the old vectors (embed, then train), the vectors were re-embedded after the run (the old run
cannot score the new vectors), loops were added or their files changed after the run (no score
yet), or flags changed
after it (a retrain with flags would move look-alikes). `score_status` names which, so
the GUI can offer the one action that fixes it and `anomalizer info` can say it headless.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import zipfile
from dataclasses import asdict, dataclass

from anomalizer_desktop.core.detector.run_models import located_checkpoint
from anomalizer_desktop.core.detector.spec import MIN_TRAINING_LOOPS, ModelSpec
from anomalizer_desktop.core.embedding.base import UnknownEmbedderError, available_embedders
from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity, quantity_with_verb

#: what to do about it, in the order a fix is needed: a retrain also scores new loops, and
#: EMBED (recompute vectors an older DSP version made, then train) comes before all of them
EMBED, TRAIN, SCORE, RETRAIN_WITH_FLAGS = "embed", "train", "score", "retrain-with-flags"
#: embed the loops with the embedder chosen, which has described none yet, then train
DESCRIBE = "describe"


@dataclass(frozen=True)
class ScoreStatus:
    run_id: int | None
    embedder: str | None
    #: embedded loops (current vectors of the run's embedder) and how many the run scored
    embedded: int
    scored: int
    #: None when the scores are current, else TRAIN, SCORE or RETRAIN_WITH_FLAGS
    action: str | None
    message: str
    #: the scores on show come from another embedder than the one chosen (the message says
    #: so: they are not out of date, the window's bar does not call them that)
    other_embedder: bool = False

    @property
    def current(self) -> bool:
        return self.action is None

    def as_json(self) -> dict:
        return asdict(self)


def _digest(pairs: list[tuple[int, str]]) -> str:
    return hashlib.sha1(";".join(f"{i}:{flag}" for i, flag in pairs).encode()).hexdigest()


#: the fingerprint of a run trained without flags
NO_FLAGS_DIGEST = _digest([])


def _usable_flags(store: Store) -> list[tuple[int, str]]:
    """(sample id, flag) of the flagged loops that training can use (their files are there)."""
    return store.execute(
        "SELECT u.sample_id, u.flag FROM user_data u JOIN samples s ON s.id = u.sample_id"
        " WHERE u.flag IS NOT NULL AND s.status = 'ok' ORDER BY u.sample_id"
    ).fetchall()


def flags_digest(store: Store) -> str:
    """A fingerprint of which usable loops carry which flag: moving a flag changes it, notes
    do not, nor do flags on loops whose files are gone (training cannot use those)."""
    return _digest(_usable_flags(store))


def _embedded_and_missing(store: Store, embedder: str, version: str) -> tuple[int, int]:
    """Loops with a vector of this embedder version whose files are there, and whose files
    are missing, in one pass (two cost the status check 315 ms at 100,000 loops, one 270)."""
    ok, missing = store.execute(
        "SELECT COALESCE(SUM(s.status = 'ok'), 0), COALESCE(SUM(s.status = 'missing'), 0)"
        " FROM features f JOIN samples s ON s.id = f.sample_id"
        " WHERE f.embedder = ? AND f.version = ?",
        (embedder, version),
    ).fetchone()
    return int(ok), int(missing)


def _waiting_for_vectors(store: Store, embedder: str, version: str, embedded: int) -> int:
    """Readable loops with neither a vector of this embedder version nor a failure to make
    one recorded (`embedded`: those with a vector, as `_embedded` counts them)."""
    failed = store.execute(
        "SELECT COUNT(*) FROM feature_errors e JOIN samples s ON s.id = e.sample_id"
        " WHERE e.embedder = ? AND e.version = ? AND s.status = 'ok'",
        (embedder, version),
    ).fetchone()[0]
    return max(0, store.counts_by_status()["ok"] - embedded - failed)


def loops_waiting_for_vectors(store: Store, embedder: str) -> int:
    """How many readable loops `embedder` has not described yet (the loops it failed on
    aside): what the status counts as unscored, and what the window's Train and Score new
    loops embed first. UnknownEmbedderError when the library holds none of its vectors."""
    info = embedder_info(store, embedder)
    embedded = _embedded(store, info.id, info.version)
    return _waiting_for_vectors(store, info.id, info.version, embedded)


def _embedded(store: Store, embedder: str, version: str) -> int:
    """Loops with a vector of this embedder version whose files are there."""
    return _embedded_and_missing(store, embedder, version)[0]


def _outdated_dsp(store: Store) -> tuple[int, str, str] | None:
    """(loops, their version, this program's version) when the library holds DSP vectors of
    another version than this program computes (after an upgrade, before the next embed)."""
    # imported here: the DSP code pulls in scipy and the decoders, and the GUI imports this
    # module for its constants at start-up (350 ms)
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    row = store.execute(
        "SELECT COUNT(*), MIN(f.version) FROM features f JOIN samples s ON s.id = f.sample_id"
        " WHERE f.embedder = 'dsp' AND f.version != ? AND s.status = 'ok'",
        (DspEmbedder.version,),
    ).fetchone()
    return (row[0], row[1], DspEmbedder.version) if row[0] else None


def _other_embedder(
    store: Store, embedder: str, run_embedder: str, run_id: int
) -> ScoreStatus | None:
    """The user chose an embedder the latest run did not use: the scores on show describe the
    loops as that run's embedder heard them. None when the choice is the run's.

    When the chosen embedder has described no loop yet, embedding with it comes first
    (DESCRIBE). That used to be None, and the run's own status showed instead: its Score new
    loops then embedded with the embedder chosen (CLAP, with no checkpoint installed)."""
    if embedder == run_embedder:
        return None
    try:
        info = embedder_info(store, embedder)
        embedded = _embedded(store, info.id, info.version)
    except UnknownEmbedderError:  # none of its vectors in the library
        embedded = 0
    on_show = f"the scores on show come from {run_embedder} vectors (run {run_id}); "
    if not embedded:
        if embedder not in available_embedders():
            return None
        message = (
            f"{on_show}no loop has {embedder} vectors yet: embed the library with {embedder}"
            f" and train to score it with {embedder}"
        )
        return ScoreStatus(run_id, embedder, 0, 0, DESCRIBE, message, other_embedder=True)
    message = (
        f"{on_show}{quantity_with_verb(embedded, 'loop', 'has', 'have')} {info.id} vectors: "
        f"train to score them with {info.id}"
    )
    return ScoreStatus(run_id, info.id, embedded, 0, TRAIN, message, other_embedder=True)


#: how far the library may grow or shrink after a run learnt it before its scores are out of
#: date: by k loops (10, the default detector's neighbours: a new pack that size is normal to
#: itself once learnt) and by 2 % of the loops the run learnt from (one new loop is not news)
CHANGE_MIN_LOOPS = 10
CHANGE_MIN_SHARE = 0.02


def _library_change(held: int, run_id: int, config: dict) -> str | None:
    """What says the library is no longer the one the run learnt what is normal from (`held`:
    its loops with a vector, missing files included): loops come in (scored with the run,
    they say how they fit the library as it was) or loops forgotten (trashed, a folder
    removed). Loops whose files are missing still count: a drive not plugged in is no reason
    to learn the library without it."""
    if "n_train" not in config:
        return None
    learnt = int(config["n_train"])
    change = held - learnt
    if abs(change) < max(CHANGE_MIN_LOOPS, math.ceil(CHANGE_MIN_SHARE * learnt)):
        return None
    if change > 0:
        come = quantity_with_verb(change, "loop", "has", "have")
        return (
            f"{come} come in since run {run_id} learnt the library from its"
            f" {quantity(learnt, 'loop')}:"
            " train to learn it as it is now"
        )
    return (
        f"{-change} of the {learnt} loops run {run_id} learnt from have left the library:"
        " train to learn it as it is now"
    )


def scoring_keeps_current(
    store: Store,
    embedder: str = "dsp",
    status: ScoreStatus | None = None,
    chosen: ModelSpec | None = None,
) -> bool:
    """Whether scoring the loops the latest run has no score for yet, with that run, leaves
    its scores current: nothing else is out of date, and the new loops are too few for the
    library's size to be news (`_library_change`). A folder added to a library is then scored
    in seconds (50 loops beside 100,000: 1.6-2.4 s, where learning the library again took
    195-216 s on 2 cores), and judged against the library as it was, as Try loops from
    outside judges it: learnt with the library, 9 bass lines beside the 1,085 shared and
    held-out loops came out 1 of 9 unusual, scored by the last training 9 of 9.
    `status`: `score_status` of the library now, when the caller has it; `chosen`: what the
    producer chose to train, which the latest run must be (`_trained_as_chosen`)."""
    status = status or score_status(store, embedder)
    if status.action != SCORE:
        return False
    if chosen is not None and not _trained_as_chosen(store, status.run_id, chosen):
        return False
    return score_status(store, embedder, as_if_scored=True).current


#: Deep SAD is Deep SVDD with flags: either run stands for the other
_FAMILY = {"sad": "svdd"}


def _trained_as_chosen(store: Store, run_id: int, chosen: ModelSpec) -> bool:
    """Whether run `run_id` trained the detector `chosen` names, with its network and number
    of networks for Deep SVDD / SAD: a producer who chose another detector, or another
    network, then added a pack, got the scores of the run before."""
    detector, network, config = store.execute(
        "SELECT detector, network, config FROM runs WHERE id = ?", (run_id,)
    ).fetchone()
    family = _FAMILY.get(detector, detector)
    if family != _FAMILY.get(chosen.detector, chosen.detector):
        return False
    if family != "svdd":
        return True
    try:
        ensemble = json.loads(config)["spec"]["ensemble"]
    except (ValueError, KeyError, TypeError):  # a run from before ensembles: one network
        ensemble = 1
    return (network, ensemble) == (chosen.network, chosen.ensemble)


def _unusable_model(checkpoint: str | None) -> str | None:
    """What is wrong with a run's checkpoint file, in words ("is gone (…)"), or None. Only
    looks at the file's end (a checkpoint is a zip file): a truncated or overwritten one is
    caught in microseconds, without loading it."""
    if not checkpoint:
        return None
    if not os.path.exists(checkpoint):  # deleted, or its drive is gone
        return f"is gone ({checkpoint})"
    if not zipfile.is_zipfile(checkpoint):
        return f"cannot be read ({checkpoint} is damaged)"
    return None


def score_status(store: Store, embedder: str = "dsp", *, as_if_scored: bool = False) -> ScoreStatus:
    """How the latest run's scores relate to the library now (see the module docstring).
    `as_if_scored`: as it would be once the loops the run has no score for were scored by it
    (Score new loops), see `scoring_keeps_current`."""
    run_id = store.latest_run_id()
    outdated = _outdated_dsp(store) if embedder == "dsp" else None
    if outdated is not None:
        loops, version, current = outdated
        message = (
            quantity_with_verb(loops, "loop", "has", "have")
            + f" dsp v{version} vectors; this version"
            f" describes sounds as dsp v{current}: update the embeddings and train"
        )
        embedded = _embedded(store, "dsp", current) + loops
        scored = store.execute(
            "SELECT COUNT(*) FROM scores sc JOIN samples s ON s.id = sc.sample_id"
            " WHERE sc.run_id = ? AND s.status = 'ok'",
            (run_id,),
        ).fetchone()[0]
        return ScoreStatus(run_id, "dsp", embedded, scored, EMBED, message)
    if run_id is None:
        try:
            info = embedder_info(store, embedder)
        except UnknownEmbedderError:
            info = None
        embedded = _embedded(store, info.id, info.version) if info else 0
        if not embedded:
            readable = store.counts_by_status()["ok"]
            message = (
                "embed the library first"
                if readable
                else "no loops to learn from yet: add a folder of loops (audio files)"
            )
            return ScoreStatus(None, None, 0, 0, None, message)
        if embedded < MIN_TRAINING_LOOPS:  # no Train button that can only fail
            message = (
                f"{quantity(embedded, 'loop')} embedded: learning what is normal needs at least"
                f" {MIN_TRAINING_LOOPS}; add more loops"
            )
            return ScoreStatus(None, info.id, embedded, 0, None, message)
        readable = store.counts_by_status()["ok"]
        # (loops scanned since, or an embedding cancelled: Train in the window embeds them)
        some = f"{embedded} of " if readable > embedded else ""
        message = (
            f"{some}{quantity(max(readable, embedded), 'loop')} embedded, none scored:"
            " train to score them"
        )
        return ScoreStatus(None, info.id, embedded, 0, TRAIN, message)
    run_embedder, config = store.execute(
        "SELECT embedder, config FROM runs WHERE id = ?", (run_id,)
    ).fetchone()
    config = json.loads(config or "{}")
    other = _other_embedder(store, embedder, run_embedder, run_id)
    if other is not None:
        return other
    try:
        info = embedder_info(store, run_embedder)
    except UnknownEmbedderError:
        message = (
            f"run {run_id} scored {run_embedder} vectors, which the library no longer holds:"
            " train to score it again"
        )
        return ScoreStatus(run_id, run_embedder, 0, 0, TRAIN, message)
    embedded, missing = _embedded_and_missing(store, info.id, info.version)
    scored = store.execute(
        "SELECT COUNT(*) FROM scores sc JOIN features f ON f.sample_id = sc.sample_id"
        " JOIN samples s ON s.id = sc.sample_id"
        " WHERE sc.run_id = ? AND f.embedder = ? AND f.version = ? AND s.status = 'ok'",
        (run_id, info.id, info.version),
    ).fetchone()[0]
    status = functools.partial(ScoreStatus, run_id, info.id, embedded, scored)
    trained_version = str(config.get("embedder_version", info.version))
    if trained_version != info.version:
        return status(
            TRAIN,
            f"scores come from {info.id} v{trained_version} vectors; the library now holds "
            f"{info.id} v{info.version}: train to update them",
        )
    # loops scanned but not embedded yet (an embedding cancelled, `scan` alone) have no score
    # either: the status read "current" while the window showed them without one
    new = embedded - scored + _waiting_for_vectors(store, info.id, info.version, embedded)
    if new > 0 and not as_if_scored:
        loops = quantity(new, "loop")
        have, them = ("has", "it") if new == 1 else ("have", "them")
        recorded = config.get("checkpoint")
        unusable = _unusable_model(recorded and located_checkpoint(store.path, run_id, recorded))
        if unusable is not None:
            return status(
                TRAIN,
                f"{loops} {have} no score yet, and the model of run {run_id} that would score"
                f" {them} {unusable}: train to score {them}",
            )
        return status(SCORE, f"{loops} added or changed since run {run_id} {have} no score yet")
    changed = _library_change(embedded + missing, run_id, config)
    if changed is not None:  # (after SCORE: the new loops get the run's scores meanwhile)
        return status(TRAIN, changed)
    usable = _usable_flags(store)
    flags = {name: sum(flag == name for _, flag in usable) for name in ("typical", "unusual")}
    used = config.get("labelled") or {}
    if "flags_digest" in config:
        changed = config["flags_digest"] != _digest(usable)
    else:  # runs from before the digest: compare the counts
        changed = any(flags[name] != used.get(name, 0) for name in ("typical", "unusual"))
    if changed:
        return status(
            RETRAIN_WITH_FLAGS,
            f"flags changed since run {run_id} was trained (it used {used.get('typical', 0)}"
            f" typical, {used.get('unusual', 0)} unusual; now {flags['typical']} typical,"
            f" {flags['unusual']} unusual): retrain with flags to use them",
        )
    return status(None, f"scores from run {run_id}")
