"""Torch trainings at once share the cores (core.detector.core_share)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from anomalizer_desktop.core.detector import core_share
from anomalizer_desktop.core.detector.core_share import sharing_cores

pytestmark = pytest.mark.skipif(core_share.fcntl is None, reason="no fcntl: counted alone")


@pytest.fixture(autouse=True)
def torch_threads_kept():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_a_training_alone_has_every_core_and_two_share_them(tmp_path):
    torch.set_num_threads(4)
    with sharing_cores(tmp_path) as first:
        assert first.running() == 1 and first.apply() == 4
        with sharing_cores(tmp_path) as second:
            assert first.running() == second.running() == 2
            assert first.apply() == 2 and torch.get_num_threads() == 2
        assert first.apply() == 4  # the other is done: all of them again
    assert list(tmp_path.iterdir()) == []  # registrations are taken away
    assert torch.get_num_threads() == 4


def test_a_training_in_another_process_counts_and_a_dead_ones_file_does_not(tmp_path):
    """A training in another process holds its registration; one that was killed leaves a
    file nobody holds, which the next count deletes."""
    holder = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from anomalizer_desktop.core.detector.core_share import sharing_cores
        with sharing_cores(Path({str(tmp_path)!r})):
            print("in", flush=True)
            sys.stdin.readline()
        """
    )
    other = subprocess.Popen(
        [sys.executable, "-c", holder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert other.stdout.readline().strip() == "in"
        (tmp_path / "12345-killed").write_text("")  # a crashed training's leftover
        torch.set_num_threads(2)
        with sharing_cores(tmp_path) as mine:
            assert mine.running() == 2 and mine.apply() == 1
            assert not (tmp_path / "12345-killed").exists()
        other.kill()  # killed while it trains: its lock goes with it
        other.wait(10)
        with sharing_cores(tmp_path) as mine:
            assert mine.running() == 1 and mine.apply() == 2
    finally:
        other.kill()
