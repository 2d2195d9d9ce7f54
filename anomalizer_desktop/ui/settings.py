"""Preferences and window state, persisted with QSettings (per user)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, QStandardPaths

from anomalizer_desktop.core.embedding.clap.store import MODELS_ENV

#: $ANOMALIZER_MODELS as the app was started: where checkpoints are when the preference is blank
_MODELS_ENV_AT_START = os.environ.get(MODELS_ENV)

DEFAULTS = {
    "library": "",
    "embedder": "dsp",
    "detector": "default",
    "network": "AE",
    "device": "auto",
    "model_folder": "",
    "audio_device": "",
    "autoplay": True,
    "theme": "system",  # ui.theme: system, dark or light
    "match_levels": False,
    "loop": False,
    "sync_tempo": False,  # loops that declare a tempo play at project_tempo (ui.player)
    "project_tempo": 120.0,
    "project_key": "",  # "" for any key: loops keep their pitch
    "next_after_flag": False,  # T, U or 0 on one loop moves on to the next one down
    "volume": 0.8,
    "check_folders": True,  # look for new, changed, moved and gone loops when a library opens
    "watch_folders": True,  # ... and while it is open (ui.folder_watch)
    "audio_editor": "",  # the program Open in audio editor runs; "" for the desktop's own
    "recent_libraries": "",  # library files opened, most recent first, one per line
    "export_folder": "",  # where the last export was written: the next one is suggested there
    "export_format": "m3u8",  # the format of the last export: the next one offers it first
    "last_folder": "",  # the folder of loops added last: where the next Add folder starts
    "move_folder": "",  # the folder loops were moved to last: where Move to Folder starts
    "last_loops": "",  # per library, the loop that was current when its window closed
    "tag_keys": "",  # per library, the tags keys 1 to 9 put on (ui.tag_keys)
    "svdd_ensemble": 5,  # networks a Deep SVDD / SAD run trains (core: spec.SVDD_ENSEMBLE)
    "map_kind": "sound",  # the map shown: "sound" (t-SNE) or "pca" (ui.window_sound_map)
    "hover_plays": False,  # the map plays the loop under the mouse (ScatterMap.hover_box)
    "folders_sort": "",  # the Folders panel's sort, "column order" (0 1: Unusual, high first)
    "panel_widths": "",  # the widths given to the side panels, "folders=240 explain=320"
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


#: how many library files Library > Open recent lists
RECENT_LIBRARIES = 8
#: how many libraries' own lines (the loop a window closed on, the tag keys) are kept: a
#: producer with a library per project keeps their keys past the eighth (RECENT_LIBRARIES
#: was the bound until 2026-11-30, and the ninth library's keys were given out again)
LIBRARY_LINES_KEPT = 64


def recent_libraries(settings: Settings) -> list[str]:
    """Library files opened before, most recent first."""
    return [line for line in str(settings.get("recent_libraries")).splitlines() if line]


def _put_first(settings: Settings, key: str, library: str, line: str, keep: int) -> None:
    """Put `line` first in a per-library list (one line each, the library's path up to a tab
    or the end), dropping the older line of the same library however it was spelled; the
    `keep` libraries used last are kept."""
    real = os.path.realpath(library)
    others = [
        old
        for old in str(settings.get(key)).splitlines()
        if old and os.path.realpath(old.partition("\t")[0]) != real
    ]
    settings.set(key, "\n".join([line, *others][:keep]))


def remember_library(settings: Settings, path: str | os.PathLike[str]) -> None:
    """Put a library file first in the recent list (once, however it was spelled)."""
    path = os.path.abspath(os.fspath(path))
    _put_first(settings, "recent_libraries", path, path, RECENT_LIBRARIES)


def gone_since_last_time(
    settings: Settings, library: str | os.PathLike[str], default: str | os.PathLike[str]
) -> bool:
    """A library opened before whose file is not there now (not the default one, which is
    simply made again): opening it would quietly start an empty library where it was."""
    path = os.path.abspath(os.fspath(library))
    if os.path.exists(path) or path == os.path.abspath(os.fspath(default)):
        return False
    real = os.path.realpath(path)
    return any(os.path.realpath(p) == real for p in recent_libraries(settings))


def library_line(settings: Settings, key: str, library: str | os.PathLike[str]) -> str | None:
    """What a per-library list (`key`: one line per library, its path, a tab, the text)
    keeps for this library, however its path was spelled; None when nothing."""
    real = os.path.realpath(os.fspath(library))
    for line in str(settings.get(key)).splitlines():
        known, _, text = line.partition("\t")
        if text and os.path.realpath(known) == real:
            return text
    return None


def keep_library_line(
    settings: Settings, key: str, library: str | os.PathLike[str], text: str
) -> None:
    """Keep `text` for this library in a per-library list, first (for the LIBRARY_LINES_KEPT
    libraries used last; a library name or a text with a tab or a line break is not kept)."""
    library = os.path.abspath(os.fspath(library))
    if any(c in part for part in (library, text) for c in "\t\n\r"):
        return
    _put_first(settings, key, library, f"{library}\t{text}", LIBRARY_LINES_KEPT)


def last_loop(settings: Settings, library: str | os.PathLike[str]) -> str | None:
    """The loop that was current when this library's window last closed (None: none known)."""
    return library_line(settings, "last_loops", library)


def remember_last_loop(settings: Settings, library: str | os.PathLike[str], path: str) -> None:
    """Keep `path` as the library's current loop, so the next window opens on it."""
    keep_library_line(settings, "last_loops", library, path)


def folder_to_browse(settings: Settings) -> str:
    """Where Add folder's dialog opens: beside the folder added last (loop packs tend to sit
    side by side), else the user's Music folder, else their home; never the app's working
    directory, which means nothing to a producer."""
    last = str(settings.get("last_folder"))
    for candidate in (os.path.dirname(last.rstrip(os.sep)) if last else "", last):
        if candidate and os.path.isdir(candidate):
            return candidate
    music = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MusicLocation)
    return music if music and os.path.isdir(music) else os.path.expanduser("~")


def embedder_id(choice: str) -> str:
    """The embedder of a saved choice: "clap · NAME" -> "clap", "dsp" -> "dsp"."""
    return choice.split(" ", 1)[0]


def apply_model_folder(settings: Settings) -> None:
    """Point the CLAP checkpoint search at the Model folder preference (at start, and at once
    when it changes); a blank preference goes back to $ANOMALIZER_MODELS or the default."""
    folder = settings.get("model_folder")
    if folder:
        os.environ[MODELS_ENV] = folder
    elif _MODELS_ENV_AT_START is None:
        os.environ.pop(MODELS_ENV, None)
    else:
        os.environ[MODELS_ENV] = _MODELS_ENV_AT_START
