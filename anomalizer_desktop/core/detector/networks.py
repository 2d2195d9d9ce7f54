"""The paper's networks (dadmaan/music-anomalizer): AE, AEwRES and Baseline, Deep-SVDD-ready.

Every Linear layer is bias-free and BatchNorm has no affine parameters: with a bias the encoder
could map everything to the centre c and reach zero loss without learning anything (Ruff et al.
2018, the "trivial solution"). AEwRES adds each encoder layer's output to the decoder layer of the
same width. Baseline is the plain [512, 256, 128]-style stack without dropout or batch norm.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from anomalizer_desktop.core.detector.names import NETWORKS


def default_hidden(input_dim: int) -> list[int]:
    """Halving widths from the power of two at or below the input size (at most 512) down to 32;
    the paper's [512, 256, 128, 64, 32] for 1024-d CLAP features."""
    top = 32
    while top * 2 <= min(512, max(input_dim, 32)):
        top *= 2
    widths = []
    while top >= 32:
        widths.append(top)
        top //= 2
    return widths


@dataclass
class NetworkConfig:
    kind: str = "AE"
    input_dim: int = 0
    hidden: list[int] = field(default_factory=list)
    dropout: float = 0.2

    def resolved(self) -> NetworkConfig:
        hidden = self.hidden or default_hidden(self.input_dim)
        if self.kind == "Baseline" and not self.hidden:
            hidden = hidden[:3]
        return NetworkConfig(self.kind, self.input_dim, list(hidden), self.dropout)

    def as_dict(self) -> dict:
        return asdict(self)


def _block(
    fan_in: int, fan_out: int, norm: bool, dropout: float, activate: bool = True
) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(fan_in, fan_out, bias=False)]
    if norm:
        layers.append(nn.BatchNorm1d(fan_out, affine=False, eps=1e-4))
    if activate:
        layers.append(nn.ELU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class AutoEncoder(nn.Module):
    """Encoder phi (the Deep SVDD network) plus a mirror decoder for pretraining."""

    def __init__(self, config: NetworkConfig) -> None:
        super().__init__()
        config = config.resolved()
        if config.kind not in NETWORKS:
            raise ValueError(
                f"unknown network {config.kind!r}; choose one of {', '.join(NETWORKS)}"
            )
        self.config = config
        self.residual = config.kind == "AEwRES"
        norm = config.kind != "Baseline"
        dropout = config.dropout if config.kind != "Baseline" else 0.0
        widths = [config.input_dim, *config.hidden]
        n = len(config.hidden)
        # The code layer (last encoder layer) is linear: no activation, no dropout.
        self.encoder = nn.ModuleList(
            _block(widths[i], widths[i + 1], norm, dropout, activate=i < n - 1) for i in range(n)
        )
        reverse = widths[::-1]
        self.decoder = nn.ModuleList(
            _block(reverse[i], reverse[i + 1], norm and i < n - 1, dropout, activate=i < n - 1)
            for i in range(n)
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.encoder:
            x = layer(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction of x (for pretraining)."""
        skips = []
        for layer in self.encoder:
            x = layer(x)
            skips.append(x)
        # decoder layer i outputs width hidden[n-2-i]; add the encoder output of that width
        for i, layer in enumerate(self.decoder):
            x = layer(x)
            partner = len(skips) - 2 - i
            if self.residual and partner >= 0:
                x = x + skips[partner]
        return x
