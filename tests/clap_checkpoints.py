"""Random-weight laion-clap checkpoints in the official layout, for tests and benchmarks.

Weights cannot be downloaded here, so tests build the real HTS-AT model with random weights
and save it the way laion-clap's training code does: {"state_dict": {"module.audio_branch...",
"module.audio_projection...", "module.text_branch..." (ignored), ...}, "epoch": ...}.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from anomalizer_desktop.core.embedding.clap.model import ClapAudioEncoder, ClapSpec

FAMILIES = {
    "tiny-fusion": ClapSpec("tiny", True, 768),
    "base": ClapSpec("base", False, 1024),
}


def make_checkpoint(path: Path, family: str = "tiny-fusion", seed: int = 0) -> Path:
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        encoder = ClapAudioEncoder(FAMILIES[family])
    state = {f"module.{k}": v for k, v in encoder.state_dict().items()}
    state["module.text_branch.embeddings.word_embeddings.weight"] = torch.zeros(4, 4)
    state["module.text_projection.0.weight"] = torch.zeros(4, 4)
    state["module.logit_scale_a"] = torch.tensor(1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": 1, "state_dict": state}, path)
    return path
