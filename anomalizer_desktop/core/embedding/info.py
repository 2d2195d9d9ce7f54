"""What we know about an embedder's vectors: id, version, dim, and (if any) its feature groups.

Built-in embedders describe themselves; vectors imported under another name (computed on a
studio server, or taken from a paper) are described by what the library stores. Train, score,
map and explain go through here, so imported vectors are first-class.
"""

from __future__ import annotations

import dataclasses
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
    #: per dimension, clauses for a value below and above the usual one (`dsp_words`)
    phrases: list[tuple[str, str]] | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "dim": self.dim}


def builtin_info(name: str) -> EmbedderInfo:
    """The DSP embedder's own description (other built-ins need a model: see embedder_info)."""
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder
    from anomalizer_desktop.core.embedding.dsp_words import feature_phrases

    if name != "dsp":
        raise UnknownEmbedderError(f"{name} vectors are described by the library, not built in")
    return EmbedderInfo(
        DspEmbedder.id,
        DspEmbedder.version,
        DspEmbedder.dim,
        DspEmbedder.feature_groups(),
        DspEmbedder.feature_names(),
        feature_phrases(),
    )


def embedder_info(store: Store, name: str) -> EmbedderInfo:
    """What the library holds under `name`: the most common (version, dim) of its vectors,
    with the DSP embedder's groups and names when they are DSP vectors laid out as the current
    version's (an older version's, until `embed` updates them, read "dimension 254" before)."""
    stored = store.execute(
        "SELECT version, dim, COUNT(*) FROM features WHERE embedder = ?"
        " GROUP BY version, dim ORDER BY COUNT(*) DESC LIMIT 1",
        (name,),
    ).fetchone()
    if name == "dsp":
        from anomalizer_desktop.core.embedding.dsp import DspEmbedder

        info = builtin_info(name)
        if stored is None or (stored[0], stored[1]) == (info.version, info.dim):
            return info
        if stored[0] in DspEmbedder.same_layout and stored[1] == info.dim:
            return dataclasses.replace(info, version=stored[0])
    if stored is None:
        raise UnknownEmbedderError(
            f"no vectors for embedder {name!r} in this library: run `anomalizer embed "
            f"--embedder {name}` (built-in: {', '.join(available_embedders())}) or import "
            "vectors with `anomalizer features import`",
            in_window=f"no loop has {name} vectors yet: press Embed to describe your loops with it",
        )
    return EmbedderInfo(name, stored[0], stored[1])
