"""Self-describing detector checkpoints: weights, centre, scaler, embedder, config, format.

Saved with torch.save as plain containers and tensors (numpy arrays become tensors), so they load
with `weights_only=True`: opening a checkpoint never runs code from it. Loading against another
embedder, a damaged file or a file of another kind raises CheckpointError with a plain message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from anomalizer_desktop import __version__
from anomalizer_desktop.core.detector.model import AnomalyModel
from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.text import file_size
from anomalizer_desktop.core.torch_files import load_weights_file

FORMAT = "anomalizer-detector"
FORMAT_VERSION = 1


class CheckpointError(AnomalizerError):
    """A checkpoint that cannot be used here (with a message for people)."""


#: arrays at least this large are written once however often the model holds them
SHARED_MIN_BYTES = 1 << 16


def _to_torch(value, written: dict | None = None):
    """The model's state as torch containers. Equal large arrays become one tensor, which
    torch.save writes once: the default detector's two kNN members each keep the same
    training rows (100,000 x 308 of them: 123 MB once instead of twice)."""
    written = {} if written is None else written
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.nbytes < SHARED_MIN_BYTES:
            return torch.from_numpy(array)
        digest = hashlib.blake2b(array.view(np.uint8).reshape(-1), digest_size=16).digest()
        key = (array.dtype.str, array.shape, digest)
        if key not in written:
            written[key] = torch.from_numpy(array)
        return written[key]
    if isinstance(value, dict):
        return {k: _to_torch(v, written) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_torch(v, written) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _to_numpy(value):
    if isinstance(value, torch.Tensor) and value.dtype in (torch.float64, torch.int64):
        return value.numpy()
    if isinstance(value, dict):
        # network weights stay tensors; everything else becomes numpy
        return {k: (v if k == "weights" else _to_numpy(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_numpy(v) for v in value]
    if isinstance(value, torch.Tensor):
        return value.numpy() if value.ndim else value.item()
    return value


#: a checkpoint saved before runs were recorded in it belongs to its run when it was made
#: within this many seconds of the run (it is saved right after the run's row is written)
LEGACY_RUN_SECONDS = 60.0


def save_checkpoint(
    model: AnomalyModel,
    path: str | os.PathLike[str],
    embedder: dict,
    run_created_at: float | None = None,
) -> Path:
    """Write atomically; `embedder` is {"id", "version", "dim"} of the vectors it was trained
    on; `run_created_at`, the creation time of the library's run it is the model of."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created_at": time.time(),
        "embedder": dict(embedder),
        "model": _to_torch(model.state()),
    }
    if run_created_at is not None:
        payload["run_created_at"] = float(run_created_at)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file where its folder should be, no permission
        why = f"cannot make its folder {path.parent} ({os_reason(error)})"
        raise _cannot_write(path, why) from None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:  # no permission, a read-only drive
        raise _cannot_write(path, os_reason(error)) from None
    os.close(fd)
    try:
        torch.save(payload, temp)
        os.replace(temp, path)
    except OSError as error:
        raise _cannot_write(path, os_reason(error)) from None
    except RuntimeError:  # torch's writer on a full disk: "[enforce fail …] unexpected pos …"
        raise _cannot_write(path, f"the file could not be written{_free_space(path)}") from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


def _cannot_write(path: Path, why: str) -> CheckpointError:
    return CheckpointError(f"cannot write the detector checkpoint {path}: {why}")


def _free_space(path: Path) -> str:
    """ " (12 kB free on its drive)", or nothing when that cannot be told."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return ""
    return f" ({file_size(free)} free on its drive)"


def load_checkpoint(
    path: str | os.PathLike[str],
    embedder: dict | None = None,
    device: str = "cpu",
    run_created_at: float | None = None,
) -> tuple[AnomalyModel, dict]:
    """(model, embedder info). With `embedder`, refuse a model trained on other vectors; with
    `run_created_at`, a model saved for another run (another library's run of that number)."""
    payload = load_weights_file(path, CheckpointError, "detector checkpoint")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an anomalizer detector checkpoint")
    if payload.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {payload.get('format_version')}; this program reads "
            f"format {FORMAT_VERSION}: retrain the detector"
        )
    if run_created_at is not None and not _saved_for(payload, run_created_at):
        made = time.strftime("%Y-%m-%d %H:%M", time.localtime(payload.get("created_at", 0)))
        raise CheckpointError(
            f"{path} holds the model of another run (saved {made}, by another library that"
            " shared its folder)"
        )
    trained_on = payload["embedder"]
    if embedder is not None:
        mismatch = [
            k for k in ("id", "version", "dim") if str(trained_on.get(k)) != str(embedder[k])
        ]
        if mismatch:
            raise CheckpointError(
                f"this detector was trained on {trained_on['id']} v{trained_on['version']} "
                f"({trained_on['dim']}-d) vectors, not {embedder['id']} v{embedder['version']} "
                f"({embedder['dim']}-d): retrain it for this embedder"
            )
    try:
        model = AnomalyModel.from_state(_to_numpy(payload["model"]), device=device)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is damaged: {type(error).__name__}: {error}") from None
    return model, trained_on


def _saved_for(payload: dict, run_created_at: float) -> bool:
    """Whether the checkpoint was saved for the run created at `run_created_at`."""
    if "run_created_at" in payload:
        return payload["run_created_at"] == run_created_at
    saved = payload.get("created_at")
    return isinstance(saved, float) and abs(saved - run_created_at) <= LEGACY_RUN_SECONDS
