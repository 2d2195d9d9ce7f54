"""A window on a library made from test audio, for Qt tests that need their own library."""

from __future__ import annotations

from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


def window_on_loops(qtbot, settings, root, path):
    """A window on a new library at `path` of the loops in `root`, scanned and embedded (not
    trained): the window the app opens after a first embedding."""
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
    return window_on_store(qtbot, settings, Store(path))


def window_on_store(qtbot, settings, store):
    """A window on the open library `store`, with no sound device, closed with the test."""
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    window = MainWindow(store, settings, JobRunner(str(store.path)), AudioPlayer("none here"))
    qtbot.addWidget(window)
    return window


def window_on_written_loops(qtbot, settings, root, loops: dict):
    """A window on a new library of these loops ({name: samples}, written as WAVs into `root`),
    scanned (not embedded), at `root`.sqlite."""
    import audiogen

    for name, samples in loops.items():
        audiogen.write(root / f"{name}.wav", samples)
    path = root.with_suffix(".sqlite")
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    window = window_on_store(qtbot, settings, Store(path))
    qtbot.waitUntil(lambda: window.model.rowCount() == len(loops), timeout=20_000)
    return window
