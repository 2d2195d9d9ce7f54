"""The window's look: the desktop's own (System), Dark or Light (Preferences > Appearance).

Studios are dim and DAWs are dark; a bright table beside them glares. Dark and Light are Qt's
Fusion style with a palette of their own, the same on every desktop; System leaves the style
and palette the platform gave the app. The few colours the app sets itself (the flags in the
table, the likeness button, the welcome page's progress) come from `colour`, so they read on
either background.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "dark", "light")
#: how Preferences names them
THEME_NAMES = {"system": "System", "dark": "Dark", "light": "Light"}

#: the app's own colours, on a light and on a dark background
_COLOURS = {
    False: {
        "muted": "#6b7178",  # secondary text
        "accent": "#2874a6",  # progress on the welcome page, the typical flag
        "typical": "#2874a6",
        "unusual": "#d35400",
        "error": "#c0392b",
        "pill_bg": "#e8f0fe",
        "pill_fg": "#1a3d7c",
        "pill_border": "#aac4f5",
        "pill_hover": "#d2e3fc",
    },
    True: {
        "muted": "#9aa0a6",
        "accent": "#6cb6ff",
        "typical": "#6cb6ff",
        "unusual": "#f0a04b",
        "error": "#ff7b6b",
        "pill_bg": "#1f3352",
        "pill_fg": "#d2e3fc",
        "pill_border": "#3d5a8a",
        "pill_hover": "#29446d",
    },
}

_original: dict[str, object] = {}


def dark_palette() -> QPalette:
    """A dark palette for Fusion: grey surfaces, light text, a blue selection."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2d2d2d",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#282828",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#383838",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#4a4a4a",
        QPalette.ColorRole.Midlight: "#3f3f3f",
        QPalette.ColorRole.Mid: "#303030",
        QPalette.ColorRole.Dark: "#1a1a1a",
        QPalette.ColorRole.Shadow: "#0d0d0d",
        QPalette.ColorRole.Highlight: "#2f6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6cb6ff",
        QPalette.ColorRole.LinkVisited: "#b39ddb",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(disabled, role, QColor("#777777"))
    palette.setColor(disabled, QPalette.ColorRole.Highlight, QColor("#4a4a4a"))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """Give the app the look `theme` names (one of THEMES; anything else is System)."""
    if not _original:  # what the platform gave, for System
        _original["style"] = app.style().name()
        _original["palette"] = QPalette(app.palette())
    if theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif theme == "light":
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    else:
        app.setStyle(str(_original["style"]))
        app.setPalette(_original["palette"])


def is_dark() -> bool:
    """Whether the app's background is dark now (the Dark theme, or a dark desktop)."""
    app = QApplication.instance()
    if app is None:
        return False
    return app.palette().color(QPalette.ColorRole.Base).lightness() < 128


def colour(name: str) -> str:
    """One of the app's own colours (see _COLOURS) for the background it has now."""
    return _COLOURS[is_dark()][name]
