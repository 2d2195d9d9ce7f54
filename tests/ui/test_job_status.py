"""The status bar's progress: percent, time left once it means something, counts when they do."""

from __future__ import annotations

import time

from anomalizer_desktop.core.jobs import WHOLE, Progress
from anomalizer_desktop.ui.widgets.job_status import ETA_AFTER_S, format_eta, time_left


def test_time_left_waits_until_the_job_has_run_a_while():
    assert time_left(0.5, 1, 100) is None  # the first step carries the job's start-up
    assert time_left(ETA_AFTER_S - 0.1, 50, 100) is None
    assert time_left(4.0, 0, 100) is None
    assert time_left(4.0, 25, 100) == 12.0
    assert time_left(4.0, 1, 0) is None  # no total: no estimate
    assert format_eta(12.0) == "12 s left" and format_eta(243) == "4 min 03 s left"


def test_a_job_counted_in_parts_shows_percent_without_counts(qtbot, window):
    def training(store, cancel):
        yield Progress(WHOLE // 4, WHOLE, "[2/5 svdd] pretraining: epoch 3")
        while not cancel.cancelled:
            time.sleep(0.01)
        return None

    window._run("parts", "Training", training)
    qtbot.waitUntil(lambda: window.job_status.bar.maximum() == WHOLE, timeout=10_000)
    bar = window.job_status.bar
    assert bar.format() == "25%"  # no "left" in its first seconds
    assert bar.toolTip() == ""  # "2500 of 10000" would mean nothing
    assert window.job_status.label.text() == "Training: [2/5 svdd] pretraining: epoch 3"
    window.job_status.cancel_button.click()
    qtbot.waitUntil(lambda: window.runner.running("parts") is None, timeout=10_000)


def test_an_error_of_the_system_in_a_job_reads_as_one_line_not_a_bug_report(
    qtbot, window, monkeypatch
):
    from anomalizer_desktop.ui import plain_text

    dialogs = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: dialogs.append(args[2]))

    def denied(store, cancel):
        yield Progress(0, 1, "")
        raise PermissionError(13, "Permission denied", "/Volumes/Loops/kick.wav")

    window._run("denied", "Scanning", denied)
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=10_000)
    assert "/Volumes/Loops/kick.wav: Permission denied" in dialogs[0]
    assert "unexpected error" not in dialogs[0] and "Traceback" not in dialogs[0]


def test_cancelling_a_running_job_from_the_window_thread_lets_its_thread_end(qtbot, tmp_path):
    """The window waits for its jobs as it closes (cancel_all): the worker's thread was told
    to quit through the window's own event loop, which that wait blocks, so it never ended
    and the window waited out the whole timeout (10 s at every close during a job)."""
    from anomalizer_desktop.core.jobs import Progress
    from anomalizer_desktop.ui.workers import JobRunner

    def until_cancelled(store, cancel):
        while not cancel.cancelled:
            yield Progress(0, 0, "working")
        return "stopped"

    runner = JobRunner(str(tmp_path / "lib.sqlite"))
    handle = runner.start("long", until_cancelled)
    qtbot.waitUntil(lambda: handle.thread.isRunning(), timeout=10_000)
    runner.cancel_all(wait_ms=5_000)
    assert handle.thread.isFinished()
