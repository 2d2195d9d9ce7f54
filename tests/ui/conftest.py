"""Qt tests run offscreen with a throwaway settings file and a library built from test audio."""

from __future__ import annotations

import os
import sys
import time
import types

import audiogen
import pytest
from qt_windows import window_on_store

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QSettings

from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


class NoSoundHardware(types.ModuleType):
    """sounddevice as on a machine with no audio output: the tests never open a developer's
    speakers, and give the same answers on every machine (the app falls back to the
    system's default output, which a laptop has and this machine has not)."""

    def __init__(self) -> None:
        super().__init__("sounddevice")

    @staticmethod
    def query_devices(*_args, **_kwargs):
        raise RuntimeError("no audio device in the tests")

    @staticmethod
    def OutputStream(*_args, **_kwargs):  # sounddevice's name
        raise RuntimeError("no audio device in the tests")

    @staticmethod
    def _terminate() -> None:
        pass

    @staticmethod
    def _initialize() -> None:
        pass


@pytest.fixture(autouse=True)
def no_sound_hardware(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", NoSoundHardware())


@pytest.fixture(autouse=True)
def no_keys_held(qapp):
    """Each test starts with no modifier key held in Qt's eyes.

    A chord that a window's shortcut takes (QTest's Ctrl+E reaching Export) leaves Qt's
    keyboardModifiers() at Ctrl: its key release goes to the widget, not through the path that
    keeps that state. The next test's selectRow(0) then toggled the row off, as a Ctrl+click
    does, and its U flagged nothing (it passed alone, failed after test_window_keys_first).
    A plain key click takes that path and sets the state back to no modifier."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    if QApplication.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
        QTest.keyClick(QWidget(), Qt.Key.Key_F35)  # a key no widget or shortcut uses
    assert QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


@pytest.fixture(autouse=True)
def no_clipboard_left_holding_data(qapp):
    """The clipboard is emptied after each test. Qt's offscreen platform (the tests') crashes
    as the process exits when its clipboard still holds mime data (`setMimeData`, as Ctrl+C
    copies loops): the whole suite passed and pytest exited 139. xcb does not, and there the
    app leaves what it copied to the desktop's clipboard manager as it quits."""
    from PySide6.QtWidgets import QApplication

    yield
    QApplication.clipboard().clear()


UNANSWERED_S = 15


@pytest.fixture(autouse=True)
def no_dialog_left_unanswered(qapp):
    """A modal dialog no test answers fails that test instead of blocking the suite.

    Its exec() runs Qt's own event loop, where pytest-timeout's alarm cannot end the test
    (PySide swallows the exception in whatever slot it lands in): one CI run sat on such a
    dialog until its 90 minutes were up. A dialog still open after UNANSWERED_S seconds is
    rejected, and the test fails with its title and text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    opened_at: dict[int, float] = {}
    unanswered: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            opened_at.clear()
            return
        if time.monotonic() - opened_at.setdefault(id(dialog), time.monotonic()) > UNANSWERED_S:
            text = dialog.text() if isinstance(dialog, QMessageBox) else ""
            unanswered.append(f"{type(dialog).__name__} {dialog.windowTitle()!r}: {text}")
            dialog.reject()

    watchdog = QTimer()
    watchdog.timeout.connect(look)
    watchdog.start(1000)
    yield
    watchdog.stop()
    if unanswered:
        pytest.fail(f"a dialog nobody answered was closed after {UNANSWERED_S} s: {unanswered}")


@pytest.fixture
def settings(tmp_path):
    from anomalizer_desktop.ui.settings import Settings

    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    # the folder watch is on in the app; its tests (test_folder_watch) turn it on. Elsewhere its
    # short looks at the folders would race the tests that wait for no job to be running
    settings.set("watch_folders", False)
    # the app draws the sound map once a library is loaded; here the PCA map, so that each
    # window test does not wait for a t-SNE (test_sound_map_window draws it)
    settings.set("map_kind", "pca")
    return settings


@pytest.fixture
def scored_library(tmp_path):
    """A trained library: 14 drum loops, 2 tones, 1 broken file."""
    root = tmp_path / "loops"
    for i in range(14):
        audiogen.write(root / f"drum_{i:02d}.wav", audiogen.drum_loop(seed=i, bpm=100 + 2 * i))
    audiogen.write(root / "tone_a.wav", audiogen.tone(330, 2.0))
    audiogen.write(root / "tone_b.wav", audiogen.tone(440, 2.0))
    audiogen.text_as_wav(root / "broken.wav")
    path = tmp_path / "lib.sqlite"
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        run_job(train(store, ModelSpec("knn"), "dsp", tmp_path / "models"))
    return path, root


@pytest.fixture
def window(qtbot, scored_library, settings):
    path, _ = scored_library
    store = Store(path)
    win = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: win.model.rowCount() == 17, timeout=20_000)
    qtbot.waitUntil(lambda: not win.runner.any_running(), timeout=20_000)
    yield win
    win.runner.cancel_all()
    store.close()
