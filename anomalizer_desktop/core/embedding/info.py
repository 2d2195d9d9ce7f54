"""What we know about an embedder's vectors: id, version, dim, and (if any) its feature groups.

Built-in embedders describe themselves; vectors imported under another name (computed on a
studio server, or taken from a paper) are described by what the library stores. Train, score,
map and explain go through here, so imported vectors are first-class.
"""

from __future__ import annotations

from dataclasses import dataclass

from anomalizer_desktop.core.embedding.base import UnknownEmbedderError, available_embedders
from anomalizer_desktop.core.library.store import Store


@dataclass(frozen=True)
class EmbedderInfo:
    id: str
    version: str
    dim: int
    groups: dict[str, slice] | None = None
    names: list[str] | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "dim": self.dim}


def builtin_info(name: str) -> EmbedderInfo:
    from anomalizer_desktop.core.embedding.base import get_embedder

    embedder = get_embedder(name)
    groups = embedder.feature_groups() if hasattr(embedder, "feature_groups") else None
    names = embedder.feature_names() if hasattr(embedder, "feature_names") else None
    return EmbedderInfo(embedder.id, embedder.version, embedder.dim, groups, names)


def embedder_info(store: Store, name: str) -> EmbedderInfo:
    """The built-in embedder `name`, or the vectors stored under that name (imported)."""
    stored = store.execute(
        "SELECT version, dim, COUNT(*) FROM features WHERE embedder = ?"
        " GROUP BY version, dim ORDER BY COUNT(*) DESC LIMIT 1",
        (name,),
    ).fetchone()
    if name in available_embedders():
        info = builtin_info(name)
        if stored is None or (stored[0], stored[1]) == (info.version, info.dim):
            return info
        # vectors imported under a built-in name but another version: use what is stored
        return EmbedderInfo(name, stored[0], stored[1])
    if stored is None:
        raise UnknownEmbedderError(
            f"no vectors for embedder {name!r} in this library; built-in embedders: "
            f"{', '.join(available_embedders())} (or import vectors with `anomalizer features "
            "import`)"
        )
    return EmbedderInfo(name, stored[0], stored[1])
