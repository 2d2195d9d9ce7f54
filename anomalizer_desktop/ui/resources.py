"""Files the desktop app loads at run time from the project's `resources/` folder (the icon).

The package is installed in place (`pip install -e`, see packaging/install.sh), so the folder
sits beside it. Where it does not (a copy of the package alone), the app runs without them.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICON = RESOURCES / "icons" / "anomalizer-desktop.svg"
#: the name of the desktop entry packaging/desktop-entry.sh installs (the window manager matches
#: windows to it)
DESKTOP_FILE = "anomalizer-desktop"


def app_icon():
    """The application's QIcon (empty when the file is not there)."""
    from PySide6.QtGui import QIcon

    return QIcon(str(ICON)) if ICON.is_file() else QIcon()
