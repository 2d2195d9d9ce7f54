"""The Embedder protocol and the registry of embedders by name.

An embedder turns one audio file into one fixed-length float32 vector. Its `id` and `version` are
stored with every vector, so changing what an embedder computes means bumping its version, and the
library then knows which vectors are stale.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

import numpy as np

from anomalizer_desktop.core.errors import AnomalizerError


@runtime_checkable
class Embedder(Protocol):
    id: str
    version: str
    dim: int

    def embed_file(self, path: str | os.PathLike[str]) -> np.ndarray:
        """One vector (shape (dim,), finite float32); raises AudioDecodeError for bad files."""
        ...


class UnknownEmbedderError(AnomalizerError, ValueError):
    """Asked for an embedder we do not have."""


def available_embedders() -> list[str]:
    return ["dsp"]


def get_embedder(name: str) -> Embedder:
    """The embedder called `name` (e.g. "dsp")."""
    if name == "dsp":
        from anomalizer_desktop.core.embedding.dsp import DspEmbedder

        return DspEmbedder()
    raise UnknownEmbedderError(
        f"unknown embedder {name!r}; available: {', '.join(available_embedders())}"
    )
