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


def test_a_library_opened_here_again_keeps_its_locks_for_another_process(library):
    """SQLite's locks are the process's, and closing any handle to the file drops them all:
    a job's Store that read the file's first bytes at every open dropped the window's locks,
    and another process then closed as if it were the last connection and deleted the
    write-ahead log under the window's connections ("database disk image is malformed" at
    the window's next open, at 20,000 loops). Now the bytes are read only when no connection
    here has the file open."""
    window = Store(library)  # held open, as the window holds its library
    cancel = CancelToken()
    job = run_in_process(process_jobs.writes_then_waits, library, (), cancel)
    assert next(job).message == "written"
    Store(library).close()  # a job's Store, opened and closed meanwhile
    cancel.cancel()
    assert run_job(job) == "closed"
    assert os.path.exists(library + "-wal")  # the other process knew it was not the last
    assert window.execute("SELECT COUNT(*) FROM written").fetchone() == (5000,)
    with Store(library) as again:
        assert again.execute("SELECT COUNT(*) FROM written").fetchone() == (5000,)
    window.close()
