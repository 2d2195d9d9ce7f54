"""Where CLAP checkpoints live and which ones are known.

Checkpoints go in `<user data folder>/models/` (`~/.local/share/anomalizer-desktop/models/` on
Linux), or the folder in $ANOMALIZER_MODELS. Nothing is downloaded unless the user asks
(`anomalizer models download NAME`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.paths import data_dir

MODELS_ENV = "ANOMALIZER_MODELS"
SOURCE = "https://huggingface.co/lukewys/laion_clap/resolve/main/"


@dataclass(frozen=True)
class KnownCheckpoint:
    name: str
    family: str  # HTSAT-tiny fusion / HTSAT-base
    approx_mb: int
    note: str

    @property
    def url(self) -> str:
        return SOURCE + self.name


KNOWN = {
    c.name: c
    for c in (
        KnownCheckpoint(
            "630k-audioset-fusion-best.pt",
            "HTSAT-tiny fusion",
            2350,
            "general audio, variable length (recommended default)",
        ),
        KnownCheckpoint(
            "630k-fusion-best.pt", "HTSAT-tiny fusion", 2350, "general audio, variable length"
        ),
        KnownCheckpoint(
            "music_audioset_epoch_15_esc_90.14.pt",
            "HTSAT-base",
            2350,
            "music; the paper's checkpoint (1024-d: `embed --output features`)",
        ),
        KnownCheckpoint(
            "music_speech_audioset_epoch_15_esc_89.98.pt", "HTSAT-base", 2350, "music and speech"
        ),
    )
}
DEFAULT = "630k-audioset-fusion-best.pt"


class NoCheckpointError(AnomalizerError):
    """No CLAP checkpoint is installed (with the file to fetch and where to put it)."""


def models_dir() -> Path:
    return Path(os.environ.get(MODELS_ENV) or data_dir() / "models")


def installed() -> list[Path]:
    folder = models_dir()
    return sorted(folder.glob("*.pt")) if folder.is_dir() else []


def default_checkpoint() -> Path:
    """The installed default checkpoint, else any installed one, else a plain error."""
    found = installed()
    for path in found:
        if path.name == DEFAULT:
            return path
    if found:
        return found[0]
    raise NoCheckpointError(
        f"no CLAP checkpoint installed. Fetch {DEFAULT} with `anomalizer models download "
        f"{DEFAULT}` (needs the network), or download it from {KNOWN[DEFAULT].url} yourself and "
        f"put it in {models_dir()} (or run `anomalizer models import FILE`). The dsp embedder "
        "needs no model."
    )


class ModelFileError(AnomalizerError):
    """A checkpoint file that cannot be removed (not there, no permission)."""


def partial_size(name: str) -> int:
    """Bytes of an interrupted download of `name` waiting to be resumed (0: none)."""
    part = models_dir() / f"{name}.part"
    return part.stat().st_size if part.exists() else 0


def remove_model(name: str) -> Path:
    """Delete the installed checkpoint `name` from the models folder; returns its path."""
    target = models_dir() / name
    if not target.exists():
        raise ModelFileError(f"{name} is not installed in {models_dir()}")
    try:
        target.unlink()
    except OSError as error:  # a read-only drive, a file this user may not remove
        raise ModelFileError(f"cannot remove {target}: {os_reason(error)}") from None
    return target
