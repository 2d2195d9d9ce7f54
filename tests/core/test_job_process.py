"""`core.job_process`: a library job in a process of its own reports its progress, returns its
result, stops when cancelled, and its errors (or its death) come back as errors of the job."""

from __future__ import annotations

import os
import time

import process_jobs
import pytest

from anomalizer_desktop.core.job_process import JobProcessError, run_in_process
from anomalizer_desktop.core.jobs import CancelToken, run_job
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store


@pytest.fixture
def library(tmp_path):
    path = tmp_path / "library.sqlite"
    with Store(path) as store:
        store.execute("SELECT 1")
    return str(path)


def test_progress_and_result_come_back_from_another_process(library):
    steps = list(run_in_process(process_jobs.count_loops, library, (3,)))
    assert [(p.done, p.total, p.message) for p in steps][-1] == (3, 3, "counting")
    result = run_job(run_in_process(process_jobs.count_loops, library, (3,)))
    assert result["loops"] == 0 and result["pid"] != os.getpid()


def test_cancel_reaches_the_process(library):
    cancel = CancelToken()
    job = run_in_process(process_jobs.until_cancelled, library, (), cancel)
    assert next(job).message.startswith("waiting in ")  # it runs
    started = time.monotonic()
    cancel.cancel()
    assert run_job(job) == "cancelled"
    assert time.monotonic() - started < 5


def test_closing_the_job_ends_its_process(library):
    """A job the window lets go of (its worker stopped) takes its process with it."""
    job = run_in_process(process_jobs.until_cancelled, library)
    pid = int(next(job).message.removeprefix("waiting in "))
    os.kill(pid, 0)  # alive
    job.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_jobs_errors_come_back_as_its_errors(library):
    with pytest.raises(process_jobs.OddLibraryError, match="no loops of that kind"):
        run_job(run_in_process(process_jobs.fails, library))
    with pytest.raises(LibraryDamagedError) as damaged:
        run_job(run_in_process(process_jobs.meets_damage, library))
    assert damaged.value.path == library and "malformed" in damaged.value.reason


def test_a_process_that_dies_is_an_error_that_names_the_job(library):
    with pytest.raises(
        JobProcessError, match=r"^drawing the map stopped unexpectedly \(exit code 3\)$"
    ):
        run_job(run_in_process(process_jobs.dies, library, what="drawing the map"))
