"""A window on a library made from test audio, for Qt tests that need their own library."""

from __future__ import annotations

from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


def window_on_loops(qtbot, settings, root, path):
    """A window on a new library at `path` of the loops in `root`, scanned and embedded (not
    trained): the window the app opens after a first embedding."""
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
    window = MainWindow(Store(path), settings, JobRunner(str(path)), AudioPlayer("none here"))
    qtbot.addWidget(window)
    return window
