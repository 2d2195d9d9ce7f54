"""Embeddings: one vector per audio file, computed by a named, versioned embedder."""

from anomalizer_desktop.core.embedding.base import (
    Embedder,
    UnknownEmbedderError,
    available_embedders,
    get_embedder,
)

__all__ = ["Embedder", "UnknownEmbedderError", "available_embedders", "get_embedder"]
