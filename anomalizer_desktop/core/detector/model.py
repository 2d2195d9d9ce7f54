"""AnomalyModel: preprocessing + a detector (or an ensemble) + what it was trained on.

Scores are "higher = more unusual". Each model keeps its sorted training scores, from which
`percentile()` gives the 0–100 "unusualness" shown to users, and `threshold` is the calibrated
`unusual` cut: the UNUSUAL_QUANTILE quantile of the training scores (by default the 90th
percentile: about one loop in ten of the library it learned from is called unusual).

An ensemble averages its members' robustly scaled scores (`score_scale`), so members with
different score scales count equally. The `default` ensemble also raises the loops that look like
the ones flagged `unusual` (`flag_pull.UnusualPull`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from anomalizer_desktop.core.detector.aspect_knn import AspectKnnDetector
from anomalizer_desktop.core.detector.baselines import BASELINES
from anomalizer_desktop.core.detector.distinct import distinct_rows, sound_labels
from anomalizer_desktop.core.detector.flag_pull import UnusualPull
from anomalizer_desktop.core.detector.knn import KnnDetector, knn_options, search_work
from anomalizer_desktop.core.detector.neighbour_lists import NeighbourLists, lists_key
from anomalizer_desktop.core.detector.networks import NetworkConfig
from anomalizer_desktop.core.detector.preprocess import Standardizer
from anomalizer_desktop.core.detector.score_scale import mean_robust_scaled
from anomalizer_desktop.core.detector.sklearn_detector import SklearnDetector, stored_precision
from anomalizer_desktop.core.detector.spec import UNUSUAL_QUANTILE, ModelSpec
from anomalizer_desktop.core.detector.svdd import DeepSVDD, SvddConfig
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, as_part, parts_of, run_job


def _percentiles(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Percent of reference scores below each score (ties count half), 0–100."""
    below = np.searchsorted(reference, scores, side="left")
    at_or_below = np.searchsorted(reference, scores, side="right")
    return 100.0 * (below + at_or_below) / (2.0 * max(len(reference), 1))


class _Member:
    """One detector inside a model, with its own training-score reference.

    `variant` is the network for svdd/sad and "metric" or "metric:k" for knn/aspects (None: the
    detector's own defaults); it is saved under the checkpoint key "network".
    """

    def __init__(
        self, kind: str, variant: str | None, spec: ModelSpec, seed: int | None = None
    ) -> None:
        self.kind, self.variant = kind, variant
        self.spec = spec
        #: the networks of a Deep SVDD ensemble differ by their seed alone
        self.seed = spec.seed if seed is None else int(seed)
        self.model: DeepSVDD | SklearnDetector | None = None
        self.reference = np.zeros(0)
        self.train_scores = np.zeros(0)

    def searches(self, groups: dict[str, slice] | None = None) -> int:
        """How many L1 neighbour searches this member's fit makes (each keeps candidate lists
        for the next fit, `neighbour_lists`): one for the kNN, one per group for the aspects."""
        if self.kind not in ("knn", "aspects"):
            return 0
        if knn_options(self.variant).get("metric") != "manhattan":
            return 0
        return max(1, len(groups or {})) if self.kind == "aspects" else 1

    def neighbour_lists(self, groups: dict[str, slice] | None = None) -> list[np.ndarray] | None:
        """The candidate lists of this member's `searches` after its fit ([] when it makes
        none, None when it made none to keep)."""
        if not self.searches(groups):
            return []
        lists = self.model.neighbour_lists  # one search's (kNN), or each aspect's
        return lists if lists is None or isinstance(lists, list) else [lists]

    def fit(self, z, labels, cancel, groups=None, reuse=None, rounded=None) -> Job[None]:
        """Fit on the standardised rows; `reuse`: candidate lists of an earlier fit on the same
        rows, one per search (`searches`), for the kNN members to start from; `rounded`: the
        rows at `stored_precision`, which the scikit-learn members keep (None: made here)."""
        if self.kind in ("svdd", "sad"):
            config = SvddConfig(
                network=NetworkConfig(self.variant or "AE"),
                seed=self.seed,
                device=self.spec.device,
                eta=self.spec.eta,
            )
            if self.spec.epochs is not None:
                config.epochs = self.spec.epochs
                config.pretrain_epochs = max(1, self.spec.epochs // 2)
            self.model = DeepSVDD(config)
            use_labels = labels if self.kind == "sad" else None
            yield from self.model.fit(z, use_labels, cancel)
        else:
            options = {}
            if self.kind in ("knn", "aspects"):
                options.update(knn_options(self.variant))
            if self.kind == "aspects":
                options["groups"] = [(p.start, p.stop) for p in (groups or {}).values()] or None
            self.model = BASELINES[self.kind](seed=self.seed, **options)
            if self.kind in ("knn", "aspects"):
                self.model.search_with(self.spec.device)  # a big library searches on a GPU
            if reuse:
                self.model.reuse_lists = reuse if self.kind == "aspects" else reuse[0]
            if rounded is None:
                rounded = stored_precision(z)
            yield from self.model.fit_job(rounded, labels, cancel, rounded=True)
        if isinstance(self.model, SklearnDetector):
            self.train_scores = yield from self.model.training_scores_job(z, cancel)
            yield Progress(1, 1, f"{self.kind} fitted")
        else:
            self.train_scores = self.model.score(z)
        self.reference = np.sort(self.train_scores)

    def work(self, dim: int, groups: dict[str, slice] | None = None) -> float:
        """Relative time of this member's fit or scoring pass (`search_work` units), to weigh
        its share of the progress bar: the aspects search once per descriptor group, any other
        member counts as one search of the whole vector (the networks of a Deep SVDD ensemble
        are all alike: only their equal shares matter)."""
        if self.kind != "aspects":
            return search_work(dim)
        if isinstance(self.model, AspectKnnDetector) and self.model.groups:
            spans = self.model.groups
        else:
            spans = [(part.start, part.stop) for part in (groups or {}).values()] or [(0, dim)]
        return sum(search_work(stop - start) for start, stop in spans)

    def score(self, z) -> np.ndarray:
        return self.model.score(z)

    def score_job(self, z, cancel: CancelToken | None) -> Job[np.ndarray]:
        """`score` with progress and cancellation where the detector has them (kNN)."""
        if isinstance(self.model, SklearnDetector):
            return (yield from self.model.score_job(z, cancel))
        yield from ()
        return self.model.score(z)

    def state(self) -> dict:
        return {
            "kind": self.kind,
            "network": self.variant,
            "seed": self.seed,
            "reference": self.reference,
            "model": self.model.state(),
        }

    @classmethod
    def from_state(cls, state: dict, spec: ModelSpec, device: str) -> _Member:
        member = cls(state["kind"], state["network"], spec, state.get("seed"))
        member.reference = np.asarray(state["reference"], dtype=np.float64)
        if member.kind in ("svdd", "sad"):
            member.model = DeepSVDD.from_state(state["model"], device=device)
        else:
            member.model = BASELINES[member.kind].from_state(state["model"])
            if isinstance(member.model, (KnnDetector, AspectKnnDetector)):
                member.model.search_with(device)  # `score --device`: a big library's search
        return member


class AnomalyModel:
    """Fit on raw embedding vectors; score raw vectors; save and load as one checkpoint."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.standardizer: Standardizer | None = None
        self.members: list[_Member] = []
        self.pull: UnusualPull | None = None
        self.reference = np.zeros(0)
        #: scores of the rows `fit` was given, in their order: what `score` would give them,
        #: kept so that training a library does not search every neighbourhood twice
        self.fit_scores = np.zeros(0)
        self.threshold = float("nan")
        self.n_train = 0
        #: how many distinct vectors of the n_train loops it learned from (copies count once)
        self.n_distinct = 0
        self.n_labelled = {"typical": 0, "unusual": 0}
        #: the fit's neighbour candidates, for the next fit on the same vectors (None: the
        #: detector searches none, e.g. Deep SVDD)
        self.neighbour_lists: NeighbourLists | None = None
        #: training loops (over every search) whose neighbours came from earlier lists
        self.reused = 0

    def fit(
        self,
        x: np.ndarray,
        labels: np.ndarray | None = None,
        groups: dict[str, slice] | None = None,
        cancel: CancelToken | None = None,
        earlier: Callable[[str], NeighbourLists | None] | None = None,
    ) -> Job[AnomalyModel]:
        """Train; labels: 0 unlabelled, +1 typical, -1 unusual (used by sad and default).

        `earlier(key)`: the candidate lists of an earlier fit made for `key` (see
        `neighbour_lists`), or None; a fit on the same vectors then skips most of its search,
        to the same scores."""
        x = np.asarray(x, dtype=np.float32)
        if labels is not None:
            labels = np.asarray(labels)
            self.n_labelled = {
                "typical": int((labels > 0).sum()),
                "unusual": int((labels < 0).sum()),
            }
        # copies of one sound are one training row (see `distinct`); each copy gets its score
        distinct = distinct_rows(x)
        if not distinct.all_distinct:
            x = x[distinct.rows]
            labels = sound_labels(labels, distinct) if labels is not None else None
        self.n_distinct = len(x)
        self.standardizer = Standardizer.fit(x, groups)
        z = self.standardizer.transform(x)
        self.members = [
            _Member(k, n, self.spec, self.spec.seed + i if k in ("svdd", "sad") else None)
            for i, (k, n) in enumerate(self.spec.resolved_members())
        ]
        parts = parts_of([member.work(z.shape[1], groups) for member in self.members])
        counts = [member.searches(groups) for member in self.members]
        key = lists_key(x, self._searches_described(groups)) if sum(counts) else ""
        found = earlier(key) if earlier is not None and key else None
        if found is not None and len(found.searches) != sum(counts):
            found = None
        ends = np.cumsum([0, *counts])
        # the scikit-learn members keep their rows at float32 precision: one copy for all
        rounded = stored_precision(z) if any(m.kind in BASELINES for m in self.members) else None
        for i, member in enumerate(self.members):
            reuse = found.searches[ends[i] : ends[i + 1]] if found is not None else None
            job = member.fit(z, labels, cancel, groups, reuse, rounded)
            yield from self._per_member(job, i, parts[i])
        made = [member.neighbour_lists(groups) for member in self.members]
        if key and all(lists is not None for lists in made):
            self.neighbour_lists = NeighbourLists(key, [one for lists in made for one in lists])
        self.reused = sum(int(getattr(member.model, "reused", 0)) for member in self.members)
        self.n_train = len(distinct.inverse)
        # only the default ensemble scores in robust units, the scale the pull is measured in
        self.pull = UnusualPull.fit(z, labels) if self.spec.detector == "default" else None
        measured = self.pull.take_fit_distances() if self.pull is not None else None
        sounds = self._combine_scores([m.train_scores for m in self.members], z, measured)
        self.fit_scores = sounds if distinct.all_distinct else sounds[distinct.inverse]
        self.reference = np.sort(self.fit_scores)
        self.threshold = float(np.quantile(self.reference, UNUSUAL_QUANTILE))
        return self

    def _searches_described(self, groups: dict[str, slice] | None) -> tuple:
        """What the neighbour searches depend on besides the vectors (see `lists_key`)."""
        spans = [(part.start, part.stop) for part in (groups or {}).values()]
        return (
            self.spec.resolved_members(),
            spans,
            KnnDetector.LISTED,
            KnnDetector.RERANK,
            KnnDetector.MIN_CANDIDATES,
        )

    def _per_member(self, job: Job, index: int, part: tuple[float, float]) -> Job:
        """Run one member's job as its part of the whole (one progress bar for all members),
        naming the member in its progress messages."""
        name = f"[{index + 1}/{len(self.members)} {self.members[index].kind}]"
        return (yield from as_part(job, part, lambda message: f"{name} {message}"))

    def _combine_scores(
        self, scores: list[np.ndarray], z: np.ndarray, pull_distances: np.ndarray | None = None
    ) -> np.ndarray:
        """The members' scores as one, plus the pull; `pull_distances`: the rows' distances to
        the pull's anchors, where already measured (the training rows, by the pull's fit)."""
        if len(self.members) == 1:
            combined = np.asarray(scores[0], dtype=np.float64)
        else:
            combined = mean_robust_scaled([m.reference for m in self.members], scores)
        if self.pull is not None:
            neighbourhoods = self._neighbourhoods(z, scores)
            combined = combined + self.pull.bonus(z, neighbourhoods, pull_distances)
        return combined

    def _neighbourhoods(
        self, z: np.ndarray, scores: list[np.ndarray] | None = None
    ) -> np.ndarray | None:
        """Each row's mean L1 distance to its nearest loops: the L1 kNN member's raw score."""
        for i, member in enumerate(self.members):
            if isinstance(member.model, KnnDetector) and member.model.metric == "manhattan":
                return scores[i] if scores is not None else member.score(z)
        return None

    def pull_gains(self, x: np.ndarray) -> np.ndarray | None:
        """What each row of raw vectors gains from each flagged-unusual anchor, (rows, anchors);
        None when the model was trained without unusual flags."""
        if self.pull is None or self.standardizer is None:
            return None
        z = self.standardizer.transform(x)
        return self.pull.gains(z, self._neighbourhoods(z))

    def score(self, x: np.ndarray) -> np.ndarray:
        """Anomaly score per row of raw vectors (higher = more unusual)."""
        return run_job(self.score_job(x))

    def score_job(self, x: np.ndarray, cancel: CancelToken | None = None) -> Job[np.ndarray]:
        """`score` as a job: progress per member (the kNN ones in chunks of rows) and
        TrainingCancelled between chunks when `cancel` is set. The same numbers as `score`."""
        if self.standardizer is None:
            raise RuntimeError("the model is not trained")
        z = self.standardizer.transform(x)
        scores = []
        parts = parts_of([member.work(z.shape[1]) for member in self.members])
        for i, member in enumerate(self.members):
            scores.append((yield from self._per_member(member.score_job(z, cancel), i, parts[i])))
        return self._combine_scores(scores, z)

    def used_gpu(self) -> bool:
        """Whether a member computed on a GPU: a network trained there, or a kNN search
        (`gpu_search`) that ran there."""
        for member in self.members:
            model = member.model
            if isinstance(model, DeepSVDD):
                if model.center is not None and model.center.device.type != "cpu":
                    return True
                continue
            parts = [part for _, part, _ in getattr(model, "parts", [])] or [model]
            if any(isinstance(part, KnnDetector) and part.searched_on_gpu for part in parts):
                return True
        return False

    def percentile(self, scores: np.ndarray) -> np.ndarray:
        """Unusualness 0–100 relative to the library the model was trained on."""
        return _percentiles(self.reference, np.asarray(scores, dtype=np.float64))

    # ------------------------------------------------------------------ persistence
    def state(self) -> dict:
        return {
            "spec": {k: v for k, v in vars(self.spec).items() if k != "members"},
            "members": [m.state() for m in self.members],
            "pull": self.pull.state() if self.pull is not None else {},
            "standardizer": self.standardizer.state(),
            "reference": self.reference,
            "threshold": self.threshold,
            "n_train": self.n_train,
            "n_distinct": self.n_distinct,
            "n_labelled": self.n_labelled,
        }

    @classmethod
    def from_state(cls, state: dict, device: str = "cpu") -> AnomalyModel:
        spec = ModelSpec(**state["spec"])
        model = cls(spec)
        model.standardizer = Standardizer.from_state(state["standardizer"])
        model.members = [_Member.from_state(m, spec, device) for m in state["members"]]
        model.pull = UnusualPull.from_state(state.get("pull"))
        model.reference = np.asarray(state["reference"], dtype=np.float64)
        model.threshold = float(state["threshold"])
        model.n_train = int(state["n_train"])
        model.n_distinct = int(state.get("n_distinct", model.n_train))
        model.n_labelled = dict(state["n_labelled"])
        return model
