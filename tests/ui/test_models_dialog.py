"""The CLAP models dialog: lists checkpoints, downloads only when asked (here through a fake
download job: tests never touch the network), imports, removes, and keeps the embedder choice
in step."""

from __future__ import annotations

import pytest

from anomalizer_desktop.core.jobs import Progress


@pytest.fixture
def models(tmp_path, monkeypatch):
    folder = tmp_path / "clap-models"  # (the fixture library keeps its runs in models/)
    monkeypatch.setenv("ANOMALIZER_MODELS", str(folder))
    return folder


def _fake_transfer(folder, name, chunks=3):
    """A job shaped like download_job: progress in KiB, then the file in place."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, chunks + 1):
        yield Progress(i * 1024, chunks * 1024, f"{name}: {i} of {chunks} MB")
    (folder / name).write_bytes(b"weights")
    return folder / name


def _row_state(dialog, name):
    return dialog.table.item(dialog.names().index(name), 3).text()


def test_the_dialog_lists_the_known_checkpoints_and_what_is_there(qtbot, window, models):
    models.mkdir()
    (models / "630k-fusion-best.pt.part").write_bytes(b"x" * 3_000_000)
    (models / "my_own.pt").write_bytes(b"w")
    dialog = window.open_models()
    names = dialog.names()
    assert names[:4] == [
        "630k-audioset-fusion-best.pt",
        "630k-fusion-best.pt",
        "music_audioset_epoch_15_esc_90.14.pt",
        "music_speech_audioset_epoch_15_esc_89.98.pt",
    ]
    assert names[4] == "my_own.pt" and _row_state(dialog, "my_own.pt") == "installed"
    assert _row_state(dialog, "630k-fusion-best.pt") == "partly downloaded (3 MB)"
    assert _row_state(dialog, names[0]) == "not installed"
    assert str(models) in dialog.folder_label.text()
    dialog.select(names[0])
    assert dialog.download_button.isEnabled() and not dialog.remove_button.isEnabled()
    dialog.select("my_own.pt")
    assert not dialog.download_button.isEnabled() and dialog.remove_button.isEnabled()


def test_download_installs_and_the_embedder_choice_follows(qtbot, window, models, monkeypatch):
    from anomalizer_desktop.core.embedding.clap import download as clap_download

    name = "630k-audioset-fusion-best.pt"
    asked = []

    def fake_job(wanted, cancel=None, url=None):
        asked.append(wanted)
        return _fake_transfer(models, wanted)

    monkeypatch.setattr(clap_download, "download_job", fake_job)
    window.embedder_box.setCurrentText("clap (no checkpoint installed)")
    window.start_embed()  # no checkpoint: the dialog opens and says why, nothing embeds
    dialog = window._models_dialog
    assert dialog.isVisible() and "No CLAP checkpoint is installed yet" in dialog.message.text()
    assert window.runner.running("embed") is None
    dialog.select(name)
    assert dialog.download_selected()
    assert not dialog.download_button.isEnabled()  # one job at a time
    qtbot.waitUntil(lambda: (models / name).exists() and not dialog._busy, timeout=10_000)
    assert asked == [name]
    assert _row_state(dialog, name) == "installed"
    assert (
        dialog.message.text() == f"{name} is installed: press Embed to describe your loops with it."
    )
    assert window.embedder_box.currentText() == f"clap · {name}"
    assert window.embedder_box.currentData() == ("clap", str(models / name))


def test_a_failed_download_says_why_and_leaves_the_row_ready(qtbot, window, models, monkeypatch):
    from anomalizer_desktop.core.embedding.clap import download as clap_download
    from anomalizer_desktop.ui import plain_text

    def offline(wanted, cancel=None, url=None):
        yield Progress(0, 0, "connecting")
        raise clap_download.DownloadError(f"cannot download {wanted}: no connection")

    warnings = []
    monkeypatch.setattr(clap_download, "download_job", offline)
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    dialog = window.open_models()
    dialog.select("630k-fusion-best.pt")
    assert dialog.download_selected()
    qtbot.waitUntil(lambda: bool(warnings) and not dialog._busy, timeout=10_000)
    assert warnings == ["Cannot download 630k-fusion-best.pt: no connection"]
    assert _row_state(dialog, "630k-fusion-best.pt") == "not installed"
    assert dialog.download_button.isEnabled()


def test_import_and_remove(qtbot, window, models, monkeypatch, tmp_path):
    from anomalizer_desktop.core.embedding.clap import download as clap_download
    from anomalizer_desktop.ui import plain_text

    source = tmp_path / "music_audioset_epoch_15_esc_90.14.pt"
    source.write_bytes(b"weights")

    def fake_import(path, cancel=None):
        return _fake_transfer(models, source.name, chunks=1)

    monkeypatch.setattr(clap_download, "import_job", fake_import)
    dialog = window.open_models()
    assert dialog.import_file(str(source))
    qtbot.waitUntil(lambda: (models / source.name).exists() and not dialog._busy, timeout=10_000)
    assert window.embedder_box.findText(f"clap · {source.name}") >= 0
    dialog.select(source.name)
    monkeypatch.setattr(plain_text, "confirm", lambda *a: False)
    assert not dialog.remove_selected() and (models / source.name).exists()
    monkeypatch.setattr(plain_text, "confirm", lambda *a: True)
    assert dialog.remove_selected() and not (models / source.name).exists()
    assert window.embedder_box.findText("clap (no checkpoint installed)") >= 0


def test_a_new_model_folder_in_preferences_counts_at_once(qtbot, window, models, monkeypatch):
    from anomalizer_desktop.ui.preferences import PreferencesDialog

    other = models.parent / "other-models"
    other.mkdir()
    (other / "630k-fusion-best.pt").write_bytes(b"w")
    monkeypatch.setenv("ANOMALIZER_MODELS", str(models))  # restored after the test

    def choose_other(dialog):
        dialog.model_folder.setText(str(other))
        dialog.accept()
        return True

    monkeypatch.setattr(PreferencesDialog, "exec", choose_other)
    dialog = window.open_models()
    window.open_preferences()
    assert window.embedder_box.findText("clap · 630k-fusion-best.pt") >= 0
    assert str(other) in dialog.folder_label.text()
    assert _row_state(dialog, "630k-fusion-best.pt") == "installed"


def test_preferences_keep_the_checkpoint_chosen_in_the_toolbar(qtbot, window, models, monkeypatch):
    from anomalizer_desktop.ui.preferences import PreferencesDialog

    models.mkdir()
    for name in ("630k-fusion-best.pt", "music_audioset_epoch_15_esc_90.14.pt"):
        (models / name).write_bytes(b"w")
    window._models_changed()
    choice = "clap · music_audioset_epoch_15_esc_90.14.pt"
    window.embedder_box.setCurrentText(choice)
    window.settings.set("embedder", choice)
    dialog = PreferencesDialog(window.settings)
    qtbot.addWidget(dialog)
    assert dialog.embedder.currentText() == "clap"
    dialog.accept()  # OK without touching the embedder: the checkpoint stays chosen
    assert window.settings.get("embedder") == choice
    dialog = PreferencesDialog(window.settings)
    qtbot.addWidget(dialog)
    dialog.embedder.setCurrentText("dsp")
    dialog.accept()
    assert window.settings.get("embedder") == "dsp"
    window.settings.set("embedder", "clap")  # a preference names the embedder only
    assert window._embedder_index("clap") == window.embedder_box.findText(
        "clap · 630k-fusion-best.pt"
    )


def test_the_dialog_never_imports_torch_in_the_window_s_thread(tmp_path):
    """Listing the checkpoints, a partial download's size and pressing Download or Import
    leave torch (1.5-2 s to import: the window froze that long) to the job's thread: the job
    factory the dialog hands over imports it when it runs."""
    import os
    import subprocess
    import sys

    code = """
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from anomalizer_desktop.ui.models_dialog import ModelsDialog
started = []
dialog = ModelsDialog(lambda kind, title, factory, done: started.append(factory), lambda: None)
os.makedirs(os.environ["ANOMALIZER_MODELS"])
open(os.path.join(os.environ["ANOMALIZER_MODELS"], "630k-fusion-best.pt.part"), "wb").write(b"x")
dialog.refresh()
dialog.select("630k-audioset-fusion-best.pt")
dialog.download_selected()
dialog.import_file(sys.argv[1])
print(len(started), dialog.state_of("630k-fusion-best.pt"), "torch" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "mine.pt")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ANOMALIZER_MODELS": str(tmp_path / "models")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "partly", "downloaded", "(0", "MB)", "False"]
