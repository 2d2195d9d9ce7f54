"""Pick the torch device: cuda, then mps, then cpu, unless the user says which."""

from __future__ import annotations

import torch

from anomalizer_desktop.core.detector.names import DEVICES
from anomalizer_desktop.core.errors import AnomalizerError


class DeviceError(AnomalizerError):
    """The asked-for device is not available here."""


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for but no CUDA GPU is available; use --device cpu")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise DeviceError("MPS was asked for but is not available; use --device cpu")
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    return torch.device(name)
