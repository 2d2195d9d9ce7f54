"""The core and the CLI import no Qt, pyqtgraph or sounddevice (they must run without a screen)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import anomalizer_desktop

FORBIDDEN = ("PySide6", "pyqtgraph", "sounddevice", "shiboken6")


def test_importing_every_core_and_cli_module_pulls_in_no_gui_or_audio_device_code():
    modules = [
        m.name
        for m in pkgutil.walk_packages(anomalizer_desktop.__path__, "anomalizer_desktop.")
        if m.name.startswith(("anomalizer_desktop.core", "anomalizer_desktop.cli"))
        and not m.name.endswith("__main__")  # runs the program when imported
    ]
    assert "anomalizer_desktop.core.library.store" in modules
    assert "anomalizer_desktop.core.detector.svdd" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
