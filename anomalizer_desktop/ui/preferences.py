"""Preferences: library location, default embedder, model folder, appearance, audio output,
auto-play, checking the folders when a library opens, the audio editor loops open in, and how
many networks a Deep SVDD run trains."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from anomalizer_desktop.core.embedding.base import available_embedders
from anomalizer_desktop.ui.settings import Settings, embedder_id
from anomalizer_desktop.ui.theme import THEME_NAMES, THEMES, colour


def output_devices() -> list[str]:
    """Names of the audio outputs PortAudio sees (empty without a sound system)."""
    try:
        import sounddevice as sd

        return [d["name"] for d in sd.query_devices() if d["max_output_channels"] > 0]
    except Exception:  # no PortAudio or no devices: the dialog offers the system default only
        return []


def _path_row(edit: QLineEdit, choose) -> QWidget:
    button = QPushButton("Choose…")
    button.clicked.connect(choose)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    row.addWidget(button)
    box = QWidget()
    box.setLayout(row)
    return box


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.library = QLineEdit(settings.get("library"))
        self.embedder = QComboBox()
        self.embedder.addItems(available_embedders())
        # the setting can name a checkpoint too ("clap · NAME", chosen in the toolbar): show its
        # embedder here, and keep the whole choice unless the user picks another embedder
        self._embedder_choice = settings.get("embedder")
        self.embedder.setCurrentText(embedder_id(self._embedder_choice))
        self.model_folder = QLineEdit(settings.get("model_folder"))
        self.model_folder.setPlaceholderText("default: the user data folder's models/")
        self.audio = QComboBox()
        self.audio.addItem("System default", "")
        for name in output_devices():
            self.audio.addItem(name, name)
        chosen = settings.get("audio_device")
        if chosen and self.audio.findData(chosen) < 0:  # unplugged now: OK must not drop it
            self.audio.addItem(f"{chosen} (not connected)", chosen)
        self.audio.setCurrentIndex(max(self.audio.findData(chosen), 0))
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(THEME_NAMES[theme], theme)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.get("theme"))))
        self.theme.setToolTip(
            "Dark suits a dim studio and sits well beside a DAW; System follows the desktop"
        )
        self.autoplay = QCheckBox("Play each loop as I move through the list")
        self.autoplay.setChecked(settings.get("autoplay"))
        self.check_folders = QCheckBox("Look for new, changed and moved loops when a library opens")
        self.check_folders.setChecked(settings.get("check_folders"))
        self.check_folders.setToolTip(
            "Unchanged files are only looked up, not read: a large library is checked in"
            " seconds. New loops are embedded and scored with the last training."
        )
        self.watch_folders = QCheckBox("Watch them while the app is open")
        self.watch_folders.setChecked(settings.get("watch_folders"))
        self.watch_folders.setToolTip(
            "Loops copied, unpacked, renamed or deleted in your folders come into the library"
            " (embedded and scored with the last training) a few seconds later, without Rescan."
        )
        self.audio_editor = QLineEdit(settings.get("audio_editor"))
        self.audio_editor.setPlaceholderText("default: the desktop's application for the file")
        self.audio_editor.setToolTip(
            "The program E (Loop > Open in audio editor) opens loops in: Audacity, ocenaudio..."
            " Loops saved there are read again when you come back to the app."
        )
        self.svdd_ensemble = QSpinBox()
        self.svdd_ensemble.setRange(1, 20)
        self.svdd_ensemble.setValue(max(1, settings.get("svdd_ensemble")))
        self.svdd_ensemble.setToolTip(
            "Deep SVDD / SAD train this many networks (one seed each) and average them: steadier"
            " rankings, that many times the training time. 1 is the paper's single network."
        )
        form = QFormLayout(self)
        form.addRow("Library file", _path_row(self.library, self._choose_library))
        form.addRow("Default embedder", self.embedder)
        form.addRow("Model folder", _path_row(self.model_folder, self._choose_models))
        form.addRow("Appearance", self.theme)
        form.addRow("Audio output", self.audio)
        form.addRow("Auto-play", self.autoplay)
        form.addRow("Folders", self.check_folders)
        form.addRow("", self.watch_folders)
        form.addRow("Audio editor", _path_row(self.audio_editor, self._choose_editor))
        form.addRow("Deep SVDD networks", self.svdd_ensemble)
        note = QLabel(
            "A new library file takes effect at the next start "
            "(Library > Open library… switches libraries at once)."
        )
        note.setStyleSheet(f"color: {colour('muted')}")
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choose_library(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Library file", self.library.text(), "Library (*.sqlite)"
        )
        if path:
            self.library.setText(path)

    def _choose_models(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Model folder", self.model_folder.text())
        if path:
            self.model_folder.setText(path)

    def _choose_editor(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Audio editor", self.audio_editor.text())
        if path:
            self.audio_editor.setText(path)

    def accept(self) -> None:
        self.settings.set("library", self.library.text().strip())
        if self.embedder.currentText() != embedder_id(self._embedder_choice):
            self.settings.set("embedder", self.embedder.currentText())
        self.settings.set("model_folder", self.model_folder.text().strip())
        self.settings.set("audio_editor", self.audio_editor.text().strip())
        self.settings.set("audio_device", self.audio.currentData())
        self.settings.set("theme", self.theme.currentData())
        self.settings.set("autoplay", self.autoplay.isChecked())
        self.settings.set("check_folders", self.check_folders.isChecked())
        self.settings.set("watch_folders", self.watch_folders.isChecked())
        self.settings.set("svdd_ensemble", self.svdd_ensemble.value())
        super().accept()
