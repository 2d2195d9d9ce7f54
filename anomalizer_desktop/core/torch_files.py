"""Load a torch file safely (weights only: no code runs from it), with errors for people."""

from __future__ import annotations

import os
from pathlib import Path

import torch


def load_weights_file(path: str | os.PathLike[str], error: type[Exception], kind: str):
    """torch.load(weights_only=True), turning every failure into `error` with a plain message."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise error(f"no checkpoint at {path}") from None
    except Exception as failure:
        raise error(
            f"{Path(path).name} is not a readable {kind} (damaged, truncated or another kind of "
            f"file: {type(failure).__name__})"
        ) from None
