"""The headless core: audio, library store, embeddings, detectors, exports.

Nothing under this package may import Qt, pyqtgraph or sounddevice (enforced by the
import-linter contract in pyproject.toml and by tests/core/test_headless.py), so every job runs
from the command line and in tests without a screen or a sound card.
"""
