"""SIGTERM (a logout, `kill`) and Ctrl+C close the window as its close button does."""

from __future__ import annotations

import os
import signal

from anomalizer_desktop.ui.quit_signals import close_on_signals


def test_sigterm_closes_the_window_which_saves_the_last_loop(qtbot, window, qapp):
    from anomalizer_desktop.ui.settings import last_loop

    window.show()
    window.table.selectRow(3)
    chosen = window.model.path(3)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    restore = close_on_signals(qapp)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    finally:
        restore()
    assert window._closed  # closeEvent ran: jobs cancelled, layout and last loop saved
    assert last_loop(window.settings, window.store.path) == chosen
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
