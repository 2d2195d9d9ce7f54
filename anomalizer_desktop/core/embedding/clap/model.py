"""The CLAP audio encoder: HTS-AT + the 2-layer audio projection, built to match a checkpoint.

Official laion-clap checkpoints are `{"state_dict": {"module.audio_branch...",
"module.audio_projection...", "module.text_branch...", ...}}`; we keep the audio keys only. The
family is read off the weights: HTSAT-tiny (patch embedding width 96, 768-d features; the fusion
checkpoints) or HTSAT-base (width 128, 1024-d; the music checkpoints), and fusion from the
presence of the fusion layers' keys.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from anomalizer_desktop.core.embedding.clap.htsat_import import load_htsat_module
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.torch_files import load_weights_file

AUDIO_CFG = {
    "audio_length": 1024,
    "clip_samples": 480_000,
    "mel_bins": 64,
    "sample_rate": 48_000,
    "window_size": 1024,
    "hop_size": 480,
    "fmin": 50,
    "fmax": 14_000,
    "class_num": 527,
    "model_type": "HTSAT",
}
FAMILIES = {96: ("tiny", 768), 128: ("base", 1024), 256: ("large", 2048)}
PROJECTION_DIM = 512
FUSION_TYPE = "aff_2d"


class CheckpointKindError(AnomalizerError):
    """A file that is not a usable laion-clap audio checkpoint (with a message for people)."""


@dataclass(frozen=True)
class ClapSpec:
    """What a checkpoint holds: HTS-AT size, fusion or not, feature width."""

    model_name: str
    fusion: bool
    feature_dim: int


def _match_input_dtype(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
    """Forward hook: the fusion layer's output in its input's dtype. Under autocast laion-clap's
    fusion layer returns float32 for a bfloat16/float16 input, and htsat.py writes it back into
    the half-precision tensor by index, which fails for every batch holding a clip over 10 s."""
    return output.to(inputs[0].dtype)


class ClapAudioEncoder(nn.Module):
    """HTS-AT audio branch + audio projection; forward returns (features, projected)."""

    def __init__(self, spec: ClapSpec) -> None:
        super().__init__()
        htsat = load_htsat_module()
        config = SimpleNamespace(**AUDIO_CFG, model_name=spec.model_name)
        self.spec = spec
        self.audio_branch = htsat.create_htsat_model(config, spec.fusion, FUSION_TYPE)
        for name, module in self.audio_branch.named_modules():
            if name.endswith("fusion_model"):
                module.register_forward_hook(_match_input_dtype)
        self.audio_projection = nn.Sequential(
            nn.Linear(spec.feature_dim, PROJECTION_DIM),
            nn.ReLU(),
            nn.Linear(PROJECTION_DIM, PROJECTION_DIM),
        )

    def forward(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        device = next(self.parameters()).device
        features = self.audio_branch(batch, mixup_lambda=None, device=device)["embedding"]
        return features, self.audio_projection(features)


def read_state(path: str | os.PathLike[str]) -> dict:
    """The checkpoint's tensors, `state_dict` wrapper and `module.` prefix removed."""
    payload = load_weights_file(path, CheckpointKindError, "checkpoint")
    state = payload.get("state_dict", payload) if isinstance(payload, dict) else None
    if not isinstance(state, dict):
        raise CheckpointKindError(f"{Path(path).name} holds no state_dict")
    return {k.removeprefix("module."): v for k, v in state.items() if isinstance(v, torch.Tensor)}


def audio_state(state: dict) -> dict:
    return {k: v for k, v in state.items() if k.startswith(("audio_branch.", "audio_projection."))}


def detect_spec(state: dict, name: str = "checkpoint") -> ClapSpec:
    """The HTS-AT family and fusion flag of an audio state dict."""
    patch = state.get("audio_branch.patch_embed.proj.weight")
    if patch is None or "audio_projection.0.weight" not in state:
        kinds = "PANN" if any(k.startswith("audio_branch.conv_block") for k in state) else None
        raise CheckpointKindError(
            f"{name} is not an HTS-AT laion-clap checkpoint"
            + (
                f" (it is a {kinds} audio model, which is not supported)"
                if kinds
                else " (no audio_branch / audio_projection weights)"
            )
        )
    width = int(patch.shape[0])
    if width not in FAMILIES:
        raise CheckpointKindError(f"{name}: unknown HTS-AT width {width}")
    model_name, feature_dim = FAMILIES[width]
    fusion = any(".fusion_model." in k or k.startswith("audio_branch.mel_conv2d") for k in state)
    if int(state["audio_projection.0.weight"].shape[1]) != feature_dim:
        raise CheckpointKindError(f"{name}: projection does not match HTSAT-{model_name}")
    return ClapSpec(model_name, fusion, feature_dim)


def file_hash(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """sha256 of the whole file (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def load_encoder(path: str | os.PathLike[str]) -> ClapAudioEncoder:
    """Build the encoder a checkpoint describes and load its audio weights (strictly)."""
    name = Path(path).name
    state = audio_state(read_state(path))
    spec = detect_spec(state, name)
    encoder = ClapAudioEncoder(spec)
    expected = encoder.state_dict()
    missing = [k for k in expected if k not in state]
    # torchlibrosa's STFT/mel buffers are rebuilt by the model; every learned weight must be there
    learned_missing = [
        k
        for k in missing
        if not k.startswith(("audio_branch.spectrogram_extractor", "audio_branch.logmel_extractor"))
    ]
    if learned_missing:
        raise CheckpointKindError(
            f"{name} lacks {len(learned_missing)} weights of HTSAT-{spec.model_name}"
            f"{' fusion' if spec.fusion else ''} (e.g. {learned_missing[0]}): damaged or another "
            "model"
        )
    shapes = [k for k, v in state.items() if k in expected and expected[k].shape != v.shape]
    if shapes:
        raise CheckpointKindError(f"{name}: weight {shapes[0]} has the wrong shape")
    encoder.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)
    return encoder.eval()
