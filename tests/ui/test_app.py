"""`anomalizer-desktop --screenshot`: the window is laid out, a loop selected and saved as PNG."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage

from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.app import row_named

#: the app as its command starts it
APP = [sys.executable, "-m", "anomalizer_desktop.ui.app"]


def test_select_takes_the_exact_name_then_a_unique_part_of_one():
    names = ["drum_01.wav", "drum_01.wav.bak.wav", "Tone_A.wav", "tone_b.wav"]
    assert row_named(names, "drum_01.wav") == (0, "")  # exact wins over containing names
    assert row_named(names, "tone_a") == (2, "")  # any case
    assert row_named(names, "tone") == (None, "2 loops match")
    assert row_named(names, "snare") == (None, "no loop matches")


def test_screenshot_saves_the_window_with_the_named_loop(scored_library, tmp_path):
    library, _ = scored_library
    out = tmp_path / "shot.png"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    command = [sys.executable, "-m", "anomalizer_desktop.ui.app", "--library", str(library)]
    done = subprocess.run(
        [*command, "--screenshot", str(out), "--select", "TONE_A"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "selecting nothing" not in done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 960)


def test_the_mp3_decoders_notes_stay_off_the_apps_terminal(tmp_path):
    """The window, started from a terminal, let mpg123's notes through ("Warning: Xing stream
    size off by more than 1%…" twice for an MP3 selected, even a sound one)."""
    import soundfile as sf

    folder = tmp_path / "mp3s"
    folder.mkdir()
    sine = 0.3 * np.sin(np.arange(44_100) / 10).astype(np.float32)
    sf.write(folder / "whole.mp3", sine, 44_100, format="MP3")
    (folder / "beat.mp3").write_bytes((folder / "whole.mp3").read_bytes()[:3000])  # cut short
    library = tmp_path / "lib.sqlite"
    with Store(library) as store:
        run_job(scan(store, [str(folder)]))
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    out = tmp_path / "shot.png"
    done = subprocess.run(
        [*APP, "--library", str(library), "--screenshot", str(out), "--select", "beat.mp3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.exists() and "saved" in done.stdout + done.stderr
    assert "Xing" not in done.stderr and "Note:" not in done.stderr, done.stderr


def test_a_dialog_during_a_screenshot_is_closed_and_told_not_waited_for(window, tmp_path, capsys):
    """A job that failed while `--screenshot` waited put up a warning nobody could answer:
    the screenshot hung until its caller killed it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from anomalizer_desktop.ui import plain_text
    from anomalizer_desktop.ui.app import _screenshot

    QTimer.singleShot(0, lambda: plain_text.warn(window, "anomalizer", "the reload failed"))
    out = tmp_path / "shot.png"
    assert _screenshot(QApplication.instance(), window, out, None) == 1
    assert "a dialog came up and was closed: the reload failed" in capsys.readouterr().err
    assert QImage(str(out)).width() == 1600  # saved all the same


def test_the_window_module_loads_no_model_or_dsp_code():
    """The window appears before torch, scikit-learn or the DSP code load: they take seconds
    and belong to the jobs that need them (they run in worker threads)."""
    heavy = (
        "torch",
        "sklearn",
        "librosa",
        "scipy.fft",
        "anomalizer_desktop.core.embedding.dsp",
        "anomalizer_desktop.core.detector.model",
    )
    code = (
        "import sys, anomalizer_desktop.ui.main_window\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == ""


def test_the_app_has_its_icon_and_the_desktop_entry_script_installs_and_removes_it(qapp, tmp_path):
    from anomalizer_desktop.ui.resources import ICON, app_icon

    icon = app_icon()
    assert not icon.isNull() and ICON.suffix == ".svg"
    assert icon.pixmap(64, 64).toImage().pixelColor(32, 32).alpha() == 255  # drawn, not empty

    root = ICON.parents[2]
    assert (root / ".venv" / "bin" / "anomalizer-desktop").exists()  # packaging/install.sh
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    script = str(root / "packaging" / "desktop-entry.sh")
    subprocess.run(["bash", script], env=env, check=True, capture_output=True)
    entry_file = tmp_path / "applications" / "anomalizer-desktop.desktop"
    entry = entry_file.read_text()
    assert f'Exec="{root}/.venv/bin/anomalizer-desktop" %F' in entry
    assert "Icon=anomalizer-desktop" in entry and "StartupWMClass=anomalizer-desktop" in entry
    installed = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "anomalizer-desktop.svg"
    assert installed.read_bytes() == ICON.read_bytes()
    subprocess.run(["bash", script, "--remove"], env=env, check=True, capture_output=True)
    assert not installed.exists() and not entry_file.exists()
