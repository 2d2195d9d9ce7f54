"""Deep SVDD (Ruff et al. 2018) and Deep SAD (Ruff et al. 2020) on fixed-length embeddings.

Training: autoencoder pretraining (reconstruction) -> centre c = mean code of the training set
(coordinates closer to 0 than eps pushed to ±eps) -> one-class fine-tuning of the encoder,
minimising the squared distance to c. With labels, Deep SAD's term eta * (d + 1e-6) ** y pulls
labelled normals (y = +1) in and pushes labelled anomalies (y = -1) out.

Robustness to a contaminated training set: the fine-tuning loss ignores the `trim` fraction of
each batch's unlabelled samples that are farthest from c (a trimmed objective), so the outliers we
are looking for do not drag the hypersphere towards themselves.

Deterministic on CPU for a given seed; progress per epoch; cancellation between batches.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from anomalizer_desktop.core.detector.core_share import CoreShare, sharing_cores
from anomalizer_desktop.core.detector.device import resolve_device
from anomalizer_desktop.core.detector.networks import AutoEncoder, NetworkConfig
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress


class TrainingCancelled(AnomalizerError):
    """Training stopped because the user cancelled it (nothing was stored)."""

    def __init__(self) -> None:
        super().__init__("training cancelled; nothing was stored")


@dataclass
class SvddConfig:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    pretrain_epochs: int = 40
    epochs: int = 60
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-5
    eps: float = 0.1
    trim: float = 0.1
    eta: float = 1.0
    val_fraction: float = 0.15
    patience: int = 10
    seed: int = 0
    device: str = "auto"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["network"] = self.network.as_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SvddConfig:
        data = dict(data)
        data["network"] = NetworkConfig(**data["network"])
        return cls(**data)


class DeepSVDD:
    """A Deep SVDD / Deep SAD model over standardised features."""

    def __init__(self, config: SvddConfig) -> None:
        self.config = config
        self.net: AutoEncoder | None = None
        self.center: torch.Tensor | None = None
        self.history: list[dict] = []
        self._cores: CoreShare | None = None  # while training

    # ------------------------------------------------------------------ training
    def fit(
        self, z: np.ndarray, labels: np.ndarray | None = None, cancel: CancelToken | None = None
    ) -> Job[DeepSVDD]:
        """Train on standardised features `z`; labels: 0 unlabelled, +1 normal, -1 anomaly."""
        cfg = self.config
        torch.manual_seed(cfg.seed)
        generator = torch.Generator().manual_seed(cfg.seed)
        device = resolve_device(cfg.device)
        cfg.network.input_dim = z.shape[1]
        self.net = AutoEncoder(cfg.network).to(device)
        x = torch.as_tensor(np.asarray(z, dtype=np.float32)).to(device)
        y = torch.as_tensor(np.zeros(len(z)) if labels is None else labels, dtype=torch.float32).to(
            device
        )
        train_idx, val_idx = _split(len(x), cfg.val_fraction, generator)
        total = cfg.pretrain_epochs + cfg.epochs
        try:
            with sharing_cores() as self._cores:  # (the cores shared with other trainings)
                yield from self._pretrain(x, train_idx, val_idx, device, generator, cancel, total)
                self.center = self._init_center(x[train_idx], device)
                yield from self._finetune(
                    x, y, train_idx, val_idx, device, generator, cancel, total
                )
        except TrainingCancelled:
            self.net = None
            raise
        finally:
            self._cores = None
        self.net.eval()
        return self

    def _batches(self, idx: torch.Tensor, generator: torch.Generator, cancel, device):
        # drawn on the CPU generator (the same order on every device), then moved once: indexing
        # the training data with host indices would copy them to the GPU batch by batch
        order = idx[torch.randperm(len(idx), generator=generator)].to(device)
        size = self.config.batch_size
        for start in range(0, len(order), size):
            if cancel is not None and cancel.cancelled:
                raise TrainingCancelled
            batch = order[start : start + size]
            if len(batch) < 2:  # BatchNorm needs two samples; the leftover joins the next epoch
                continue
            yield batch

    def _optimizer(self, params) -> torch.optim.Optimizer:
        return torch.optim.Adam(params, lr=self.config.lr, weight_decay=self.config.weight_decay)

    def _run_phase(
        self,
        phase: str,
        epochs: int,
        offset: int,
        params,
        batch_loss,
        per_sample,
        x,
        train_idx,
        val_idx,
        generator,
        cancel,
        total,
    ):
        """Epochs of one phase with early stopping on the validation median; keeps the best
        weights. `batch_loss(batch_indices)` is the training loss, `per_sample(xb)` the
        validation measure."""
        net = self.net
        optimizer = self._optimizer(params)
        best, best_state, stale = float("inf"), None, 0
        for epoch in range(epochs):
            if self._cores is not None:  # another training may have started or ended
                self._cores.apply()
            net.train()
            losses = []
            for batch in self._batches(train_idx, generator, cancel, x.device):
                loss = batch_loss(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())  # read once per epoch: no GPU sync per batch
            val = self._eval_loss(per_sample, x, val_idx, x.device)
            mean_loss = torch.stack(losses).double().mean().item() if losses else 0.0
            monitor = val if val is not None else mean_loss
            self.history.append({"phase": phase, "epoch": epoch, "loss": mean_loss, "val": val})
            if monitor < best - 1e-7:
                best, best_state, stale = monitor, copy.deepcopy(net.state_dict()), 0
            else:
                stale += 1
            yield Progress(
                offset + epoch + 1, total, f"{phase}: epoch {epoch + 1}, loss {monitor:.5f}"
            )
            if stale >= self.config.patience:
                break
        if best_state is not None:
            net.load_state_dict(best_state)

    def _pretrain(self, x, train_idx, val_idx, device, generator, cancel, total):
        net = self.net

        def reconstruction(xb):
            return ((net(xb) - xb) ** 2).sum(dim=1)

        yield from self._run_phase(
            "pretraining",
            self.config.pretrain_epochs,
            0,
            net.parameters(),
            lambda batch: reconstruction(x[batch]).mean(),
            reconstruction,
            x,
            train_idx,
            val_idx,
            generator,
            cancel,
            total,
        )

    @torch.no_grad()
    def _init_center(self, x: torch.Tensor, device) -> torch.Tensor:
        self.net.eval()
        center = _in_chunks(self.net.encode, x, device).mean(dim=0)
        eps = self.config.eps
        center[(center.abs() < eps) & (center < 0)] = -eps
        center[(center.abs() < eps) & (center >= 0)] = eps
        return center

    def _trimmed(self, dist: torch.Tensor) -> torch.Tensor:
        """The unflagged distances the loss keeps: all, or the closest (1 - trim) share."""
        trim = self.config.trim
        keep = max(1, int(np.ceil(len(dist) * (1 - trim)))) if trim > 0 else len(dist)
        return torch.topk(dist, keep, largest=False).values

    def _sad_loss(self, dist: torch.Tensor, yb: torch.Tensor | None) -> torch.Tensor:
        """Deep SAD's loss on a batch; `yb` None when nothing is flagged (plain Deep SVDD, with
        no masks: each mask costs a GPU sync)."""
        cfg = self.config
        if yb is None:
            return self._trimmed(dist).mean()
        unlabelled = yb == 0
        terms = []
        if unlabelled.any():
            terms.append(self._trimmed(dist[unlabelled]))
        if (~unlabelled).any():
            terms.append(cfg.eta * (dist[~unlabelled] + 1e-6) ** yb[~unlabelled])
        return torch.cat(terms).mean()

    def _finetune(self, x, y, train_idx, val_idx, device, generator, cancel, total):
        net, center = self.net, self.center
        flagged = bool((y[train_idx.to(y.device)] != 0).any())

        def distance(xb):
            return ((net.encode(xb) - center) ** 2).sum(dim=1)

        yield from self._run_phase(
            "one-class",
            self.config.epochs,
            self.config.pretrain_epochs,
            net.encoder.parameters(),
            lambda batch: self._sad_loss(distance(x[batch]), y[batch] if flagged else None),
            distance,
            x,
            train_idx,
            val_idx,
            generator,
            cancel,
            total,
        )

    @torch.no_grad()
    def _eval_loss(self, per_sample, x, idx, device) -> float | None:
        if len(idx) == 0:
            return None
        self.net.eval()
        # the median is robust to the outliers the validation split may contain
        return float(_in_chunks(per_sample, x[idx], device).median().item())

    # ------------------------------------------------------------------ scoring
    @torch.no_grad()
    def score(self, z: np.ndarray) -> np.ndarray:
        """Squared distance of each row's code to the centre c (higher = more unusual)."""
        if self.net is None or self.center is None:
            raise RuntimeError("the model is not trained")
        self.net.eval()
        device = self.center.device
        x = torch.as_tensor(np.asarray(z, dtype=np.float32))
        if not len(x):
            return np.zeros(0)
        distance = lambda xb: ((self.net.encode(xb) - self.center) ** 2).sum(dim=1)  # noqa: E731
        return _in_chunks(distance, x, device, chunk=4096).cpu().double().numpy()

    # ------------------------------------------------------------------ persistence
    def state(self) -> dict:
        return {
            "config": self.config.as_dict(),
            "weights": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "center": self.center.detach().cpu(),
        }

    @classmethod
    def from_state(cls, state: dict, device: str = "cpu") -> DeepSVDD:
        config = SvddConfig.from_dict(state["config"])
        config.device = device
        model = cls(config)
        model.net = AutoEncoder(config.network)
        model.net.load_state_dict(state["weights"])
        target = resolve_device(device)
        model.net.to(target).eval()
        model.center = torch.as_tensor(state["center"]).to(target)
        return model


def _split(
    n: int, fraction: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random train/validation indices; no validation split below 20 samples."""
    order = torch.randperm(n, generator=generator)
    n_val = int(n * fraction) if n >= 20 else 0
    return order[n_val:], order[:n_val]


def _in_chunks(fn, x: torch.Tensor, device, chunk: int = 1024) -> torch.Tensor:
    """fn over x in chunks of rows on `device`, concatenated (bounded memory for big libraries)."""
    return torch.cat([fn(x[i : i + chunk].to(device)) for i in range(0, len(x), chunk)])
