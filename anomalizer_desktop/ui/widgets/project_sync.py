"""Sync: audition loops at your project's tempo and key (the transport row's "Sync 120 BPM").

A checkbox turns it on; the button beside it says the tempo and key set ("120 BPM · Am") and
opens a small panel to set them. Loops that declare a tempo (the BPM column) play at the
tempo, their pitch kept; with a key set, loops that declare a key (the Key column) move into
it (core.audio.tempo_sync). Kept compact: the transport row has to fit a 1366-pixel laptop
screen beside the Folders and Why unusual? panels.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from anomalizer_desktop.core.audio.tempo_sync import HIGHEST, LOWEST
from anomalizer_desktop.core.export import Project
from anomalizer_desktop.core.loop_names import KEY_ORDER

TIP = (
    "Play loops that declare a tempo (the BPM column) at your project's tempo, their pitch"
    " kept, and with a key set, loops that declare a key (the Key column) moved into it (or its"
    " relative major or minor): hear them as they would sit in your song. One at about half or"
    " double the tempo plays as half or double time; one that declares neither plays as it is"
)
ANY_KEY = "Any key"


class ProjectSync(QWidget):
    """The Sync checkbox and the tempo-and-key button; `changed` when either changes."""

    #: the tempo or key set (not the checkbox: `sync_box.toggled`)
    changed = Signal()

    def __init__(self, on: bool, tempo: float, key: str, parent=None) -> None:
        super().__init__(parent)
        self.sync_box = QCheckBox("Sync")
        self.sync_box.setToolTip(TIP)
        self.sync_box.setChecked(on)
        self.tempo_box = QDoubleSpinBox()
        self.tempo_box.setRange(LOWEST, HIGHEST)
        self.tempo_box.setDecimals(1)
        self.tempo_box.setSuffix(" BPM")
        self.tempo_box.setKeyboardTracking(False)  # the tempo changes once typing is done
        self.tempo_box.setValue(tempo)
        self.key_box = QComboBox()
        self.key_box.addItem(ANY_KEY, None)
        for name in KEY_ORDER:
            self.key_box.addItem(name, name)
        self.key_box.setCurrentIndex(max(0, self.key_box.findData(key or None)))
        self.button = QToolButton()
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolTip("Your project's tempo and key: click to set them")
        self.button.setMenu(self._panel())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.sync_box)
        layout.addWidget(self.button)
        self.tempo_box.valueChanged.connect(self._changed)
        self.key_box.currentIndexChanged.connect(self._changed)
        self._show_summary()

    def _panel(self) -> QMenu:
        menu = QMenu(self.button)
        panel = QWidget()
        form = QFormLayout(panel)
        form.addRow("Project tempo", self.tempo_box)
        form.addRow("Project key", self.key_box)
        note = QLabel(TIP + ".")
        note.setWordWrap(True)
        note.setMaximumWidth(320)
        note.setStyleSheet("color: #9aa0a6")
        form.addRow(note)
        action = QWidgetAction(menu)
        action.setDefaultWidget(panel)
        menu.addAction(action)
        return menu

    def tempo(self) -> float:
        return self.tempo_box.value()

    def key(self) -> str | None:
        """The project key chosen; None for Any key (loops keep their pitch)."""
        return self.key_box.currentData()

    def project(self) -> tuple[float | None, str | None]:
        """(tempo, key) loops play at now: (None, None) while Sync is off."""
        if not self.sync_box.isChecked():
            return None, None
        return self.tempo(), self.key()

    def _changed(self, *_args) -> None:
        self._show_summary()
        self.changed.emit()

    def chosen(self) -> Project:
        """The tempo and key set, whether Sync is on or not (an export at them asks for it)."""
        return Project(self.tempo(), self.key())

    def _show_summary(self) -> None:
        self.button.setText(self.chosen().describe())
