"""Preferences and window state, persisted with QSettings (per user)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

DEFAULTS = {
    "library": "",
    "embedder": "dsp",
    "detector": "default",
    "network": "AE",
    "device": "auto",
    "model_folder": "",
    "audio_device": "",
    "autoplay": True,
    "loop": False,
    "volume": 0.8,
    "svdd_ensemble": 5,  # networks a Deep SVDD / SAD run trains (core: spec.SVDD_ENSEMBLE)
}


class Settings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("anomalizer-desktop", "anomalizer-desktop")

    def get(self, key: str):
        default = DEFAULTS[key]
        value = self.q.value(key, default)
        if isinstance(default, bool):
            return value in (True, "true", "1", 1)
        if isinstance(default, float):
            try:
                return float(value)
            except (TypeError, ValueError):
                return default
        if isinstance(default, int):  # an INI file hands numbers back as text
            try:
                return int(value)
            except (TypeError, ValueError):
                return default
        return value if value is not None else default

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def save_window(self, geometry, state) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def window(self):
        return self.q.value("window/geometry"), self.q.value("window/state")
