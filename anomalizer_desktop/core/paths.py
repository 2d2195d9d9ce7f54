"""Where the library lives: --library, else $ANOMALIZER_LIBRARY, else the user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "anomalizer-desktop"
LIBRARY_ENV = "ANOMALIZER_LIBRARY"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def demo_folder() -> Path:
    """Where the demo loops (core.demo_loops) go unless told otherwise: beside the library."""
    return data_dir() / "demo loops"


def demo_library_path() -> Path:
    """The library Help > Try the demo loops opens, apart from the producer's own."""
    return data_dir() / "demo.sqlite"


def default_library_path() -> Path:
    return data_dir() / "library.sqlite"


def resolve_library_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(LIBRARY_ENV):
        return Path(os.environ[LIBRARY_ENV]).expanduser()
    return default_library_path()
