"""Shared fixtures: a fresh library per test, and generated audio folders."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the suite's torch trainings share the cores among themselves only, not with trainings the
# developer runs meanwhile (core.detector.core_share): the same threads, the same scores
_TRAININGS = tempfile.mkdtemp(prefix="anomalizer-test-trainings-")
if os.environ.setdefault("ANOMALIZER_TRAININGS_DIR", _TRAININGS) == _TRAININGS:
    atexit.register(shutil.rmtree, _TRAININGS, True)  # each run left one in /tmp
else:
    os.rmdir(_TRAININGS)

import audiogen  # noqa: E402 (after the environment above)

from anomalizer_desktop.core.library.store import Store  # noqa: E402


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "library.sqlite") as opened:
        yield opened


@pytest.fixture
def loop_folder(tmp_path: Path) -> Path:
    """Twelve small, valid loops: drums, bass and tones."""
    root = tmp_path / "loops"
    for i in range(6):
        audiogen.write(root / "drums" / f"drum_{i:02d}.wav", audiogen.drum_loop(seed=i))
    for i in range(4):
        audiogen.write(
            root / "bass" / f"bass_{i:02d}.flac", audiogen.bass_loop(seed=i), format="FLAC"
        )
    audiogen.write(root / "tone_a.wav", audiogen.tone(440))
    audiogen.write(root / "noise.wav", audiogen.noise())
    return root


@pytest.fixture(scope="session")
def awkward_folder(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("awkward")
    return root, audiogen.make_awkward_folder(root)
