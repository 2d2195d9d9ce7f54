"""Appearance: Dark and Light palettes on Fusion, System as the platform gave it, chosen in
Preferences and taken at once, with the app's own colours (flags, the likeness button, the
links of Why unusual?) following the background."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from anomalizer_desktop.ui.theme import apply_theme, colour, is_dark


@pytest.fixture
def app_theme(qapp):
    """The test's theme changes undone: the next test gets the platform's look."""
    apply_theme(qapp, "system")  # remembers the platform's palette before any change
    original = QPalette(qapp.palette())
    yield qapp
    apply_theme(qapp, "system")
    assert qapp.palette() == original


def test_dark_light_and_system_palettes(app_theme):
    base = QPalette.ColorRole.Base
    apply_theme(app_theme, "dark")
    assert app_theme.style().name().lower() == "fusion"
    assert app_theme.palette().color(base).lightness() < 60 and is_dark()
    assert app_theme.palette().color(QPalette.ColorRole.Text).lightness() > 200
    assert colour("typical") == "#6cb6ff" and colour("unusual") == "#f0a04b"
    apply_theme(app_theme, "light")
    assert app_theme.palette().color(base).lightness() > 200 and not is_dark()
    assert colour("typical") == "#2874a6"
    apply_theme(app_theme, "no such theme")  # a settings file edited by hand: System
    assert not is_dark()


def test_the_window_follows_the_theme_chosen_in_preferences(
    qtbot, window, settings, monkeypatch, app_theme
):
    from anomalizer_desktop.ui import preferences
    from anomalizer_desktop.ui.library_model import COLUMN_INDEX

    window.table.selectRow(0)
    window.flag_selection("typical")
    index = window.model.index(0, COLUMN_INDEX["flag"])
    assert window.model.data(index, Qt.ItemDataRole.ForegroundRole).name() == "#2874a6"

    def choose_dark(dialog):
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.accept()
        return True

    monkeypatch.setattr(preferences.PreferencesDialog, "exec", choose_dark)
    window.open_preferences()
    assert settings.get("theme") == "dark" and is_dark()
    assert window.model.data(index, Qt.ItemDataRole.ForegroundRole).name() == "#6cb6ff"
    assert "#1f3352" in window.likeness_button.styleSheet()  # restyled with the palette
    assert "#6cb6ff" in window.welcome_status.styleSheet()


def _link_colour(panel) -> str:
    block = panel.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().isAnchor():
                return fragment.charFormat().foreground().color().name()
            it += 1
        block = block.next()
    raise AssertionError("no link shown")


def test_the_why_panels_links_take_the_new_palettes_colour(qtbot, app_theme):
    from anomalizer_desktop.ui.widgets.explain_panel import ExplainPanel

    panel = ExplainPanel()
    qtbot.addWidget(panel)
    panel._show("<p>Closest: <a href='loop:0'>kick.wav</a></p>")
    light = _link_colour(panel)
    apply_theme(app_theme, "dark")
    QApplication.processEvents()
    assert _link_colour(panel) == "#6cb6ff" != light
    apply_theme(app_theme, "light")
    QApplication.processEvents()
    assert _link_colour(panel) == light
