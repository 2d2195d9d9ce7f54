"""Import laion-clap's HTS-AT model code without running the laion_clap package.

`import laion_clap` loads three tokenizers from a model hub at import time (hanging for minutes
offline) and its utils module imports torchvision, which does not load with the CPU torch here.
The audio encoder needs neither: we load `clap_module/htsat.py` and `feature_fusion.py` from the
installed package under a private package name, with the two small helpers htsat.py takes from
utils.py provided here.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import torch

from anomalizer_desktop.core.errors import AnomalizerError

_PACKAGE = "_anomalizer_laion_clap"


class ClapUnavailableError(AnomalizerError):
    """laion-clap is not installed (or not the expected version)."""


def _do_mixup(x: torch.Tensor, mixup_lambda: torch.Tensor) -> torch.Tensor:
    """laion_clap.clap_module.utils.do_mixup (only used in training)."""
    return (
        x.transpose(0, -1) * mixup_lambda
        + torch.flip(x, dims=[0]).transpose(0, -1) * (1 - mixup_lambda)
    ).transpose(0, -1)


def _interpolate(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """laion_clap.clap_module.utils.interpolate: repeat frames `ratio` times."""
    batch, steps, classes = x.shape
    return x[:, :, None, :].repeat(1, 1, ratio, 1).reshape(batch, steps * ratio, classes)


def clap_module_dir() -> Path:
    spec = importlib.util.find_spec("laion_clap")
    if spec is None or not spec.submodule_search_locations:
        raise ClapUnavailableError("laion-clap is not installed (pip install laion-clap)")
    return Path(next(iter(spec.submodule_search_locations))) / "clap_module"


def load_htsat_module() -> types.ModuleType:
    """laion-clap's htsat.py as a module (cached), without executing laion_clap/__init__.py."""
    name = f"{_PACKAGE}.clap_module.htsat"
    if name in sys.modules:
        return sys.modules[name]
    directory = clap_module_dir()
    if not (directory / "htsat.py").exists():
        raise ClapUnavailableError(f"laion-clap's htsat.py is missing from {directory}")
    for package, path in ((_PACKAGE, directory.parent), (f"{_PACKAGE}.clap_module", directory)):
        if package not in sys.modules:
            module = types.ModuleType(package)
            module.__path__ = [str(path)]
            sys.modules[package] = module
    utils = types.ModuleType(f"{_PACKAGE}.clap_module.utils")
    utils.do_mixup, utils.interpolate = _do_mixup, _interpolate
    sys.modules[utils.__name__] = utils
    for short in ("feature_fusion", "htsat"):
        full = f"{_PACKAGE}.clap_module.{short}"
        spec = importlib.util.spec_from_file_location(full, directory / f"{short}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
