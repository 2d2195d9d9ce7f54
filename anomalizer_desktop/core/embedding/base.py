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
    return ["dsp", "clap"]


def get_embedder(name: str, **options) -> Embedder:
    """The embedder called `name`. `clap` takes checkpoint=PATH (default: the installed one),
    output="projected"|"features", device="auto"|"cpu"|"cuda"|"mps", batch_size,
    decode_threads and decode_processes (None: the embedder's defaults for its device)."""
    if name == "dsp":
        from anomalizer_desktop.core.embedding.dsp import DspEmbedder

        return DspEmbedder()
    if name == "clap":
        from anomalizer_desktop.core.embedding.clap.embedder import ClapEmbedder
        from anomalizer_desktop.core.embedding.clap.store import default_checkpoint

        checkpoint = options.get("checkpoint") or default_checkpoint()
        return ClapEmbedder(
            checkpoint,
            options.get("output") or "projected",
            options.get("device") or "auto",
            batch_size=options.get("batch_size"),
            decode_threads=options.get("decode_threads"),
            decode_processes=options.get("decode_processes"),
        )
    raise UnknownEmbedderError(
        f"unknown embedder {name!r}; available: {', '.join(available_embedders())}"
    )
