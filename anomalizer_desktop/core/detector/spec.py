"""What to train, as plain data: detector, network, seed, device, epochs, eta.

Kept apart from the model code so that the GUI and the CLI can describe a training run without
importing torch or scikit-learn (seconds of start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from anomalizer_desktop.core.detector.names import DETECTORS

#: the `unusual` cut is this quantile of the training scores: about one loop in ten of the
#: library a model learned from is called unusual (its Unusual % is 90 or more)
UNUSUAL_QUANTILE = 0.90

#: The members of the `default` detector, chosen with `anomalizer evaluate` on held-out
#: scenarios (see README): the holistic kNN distance plus the per-aspect kNN distances, both
#: with L1 (manhattan) distances to the 10 nearest loops, averaged after robust scaling. Each
#: member is (kind, variant): the network for svdd/sad, "metric:k" for knn/aspects.
#: k=5 scored higher on the held-out scenarios but lets a group of 6 similar odd loops hide
#: in itself (each one's nearest neighbours are the others): k=10 keeps that margin.
DEFAULT_MEMBERS: tuple[tuple[str, str | None], ...] = (
    ("knn", "manhattan:10"),
    ("aspects", "manhattan:10"),
)


#: the L1 kNN detectors (the default) search for neighbours on a CUDA GPU, where the device
#: allows one, from this many training loops (`gpu_search`): a search of 5,000 loops takes
#: a second or more on the CPU, more than starting a GPU and copying the rows to it
GPU_SEARCH_MIN_LOOPS = 5_000

#: fewer embedded loops than this give no "normal" to learn (nor to explain a loop against)
MIN_TRAINING_LOOPS = 5


#: Deep SVDD / SAD train this many networks (seeds seed, seed + 1, ...) and average their
#: robustly scaled scores. One network's scores depend much on its seed on a few hundred loops;
#: with five, `evaluate` (DSP v5) rose in 14 of the 15 held-out detector x protocol cells (svdd-AE
#: library / clean 0.789 / 0.759 -> 0.808 / 0.843) and 11 of the 15 shared ones (README).
#: `--ensemble 1` trains the paper's single network.
SVDD_ENSEMBLE = 5


@dataclass
class ModelSpec:
    """What to train: detector name, network (for svdd/sad), seed, device, epochs, eta, and how
    many networks a Deep SVDD / SAD ensemble trains."""

    detector: str = "default"
    network: str = "AE"
    seed: int = 0
    device: str = "auto"
    epochs: int | None = None
    eta: float = 1.0
    members: list[tuple[str, str | None]] = field(default_factory=list)
    ensemble: int = SVDD_ENSEMBLE

    def resolved_members(self) -> list[tuple[str, str | None]]:
        if self.detector not in DETECTORS:
            raise ValueError(f"unknown detector {self.detector!r}; choose one of {DETECTORS}")
        if self.members:
            return list(self.members)
        if self.detector == "default":
            return list(DEFAULT_MEMBERS)
        if self.detector in ("svdd", "sad"):
            if self.ensemble < 1:
                raise ValueError("a Deep SVDD ensemble needs at least one network")
            return [(self.detector, self.network)] * self.ensemble
        return [(self.detector, None)]
