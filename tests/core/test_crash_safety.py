"""User data survives kill -9 in the middle of an embed, and the next embed completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import audiogen
import pytest
from process_table import alive, children

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.embedding.dsp import DspEmbedder
from anomalizer_desktop.core.library.store import Store


def test_kill_9_during_embed_loses_nothing(tmp_path, capsys):
    folder = tmp_path / "many"
    for i in range(160):
        audiogen.write(folder / f"loop_{i:03d}.wav", audiogen.drum_loop(seconds=4.0, seed=i))
    lib = tmp_path / "lib.sqlite"
    assert main(["--library", str(lib), "scan", str(folder), "-q"]) == 0
    flagged = [str(folder / f"loop_{i:03d}.wav") for i in (3, 77, 150)]
    assert main(["--library", str(lib), "flag", *flagged, "--unusual", "--note", "keep me"]) == 0

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "anomalizer_desktop.cli",
            "--library",
            str(lib),
            "embed",
            "-q",
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_until_embedded(process, lib, 10)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    with Store(lib) as store:
        assert store.integrity_check() == "ok"
        done_before = store.count_embedded("dsp", DspEmbedder.version)
        assert 10 <= done_before < 160
        flags = {r.path: (r.flag, r.note) for r in store.list_samples(flag="unusual")}
        assert flags == dict.fromkeys(flagged, ("unusual", "keep me"))

    capsys.readouterr()
    assert main(["--library", str(lib), "embed", "-q", "--json"]) == 0
    import json

    resumed = json.loads(capsys.readouterr().out)
    assert resumed["embedded"] == 160 - done_before
    assert resumed["skipped"] == done_before
    with Store(lib) as store:
        assert store.integrity_check() == "ok"
        assert store.count_embedded("dsp", DspEmbedder.version) == 160
        assert len(store.list_samples(flag="unusual")) == 3


@pytest.mark.skipif(sys.platform != "linux", reason="reads /dev/shm and the process table")
def test_sigterm_ends_a_clap_embed_with_its_clean_up(tmp_path):
    """`kill PID` (SIGTERM) ended the process on the spot: its clip slots stayed in /dev/shm
    until the next embed and its decoding workers idled until their watchdog fired. Now it
    unwinds like Ctrl+C: vectors stored so far stay, slots and workers go, exit status 143."""
    from clap_checkpoints import make_checkpoint

    models = tmp_path / "models"
    make_checkpoint(models / "630k-audioset-fusion-best.pt", "tiny-fusion")
    folder = tmp_path / "many"
    for i in range(120):
        audiogen.write(folder / f"loop_{i:03d}.wav", audiogen.drum_loop(seconds=4.0, seed=i))
    lib = tmp_path / "lib.sqlite"
    assert main(["--library", str(lib), "scan", str(folder), "-q"]) == 0
    env = {**os.environ, "ANOMALIZER_MODELS": str(models)}
    command = [sys.executable, "-m", "anomalizer_desktop.cli", "--library", str(lib), "embed"]
    options = ["-q", "--embedder", "clap", "--decode-processes", "2", "--batch-size", "2"]
    process = subprocess.Popen(
        [*command, *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    slots = f"anomalizer-clips-{process.pid}-"
    _wait_until_embedded(process, lib, 4)
    workers = children(process.pid)
    assert [n for n in os.listdir("/dev/shm") if n.startswith(slots)]  # the slots are in use
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143
    assert "anomalizer: terminated (SIGTERM)" in err.decode()
    assert not [n for n in os.listdir("/dev/shm") if n.startswith(slots)]
    assert len(workers) >= 2
    deadline = time.monotonic() + 5  # the pool's shutdown has joined them; allow the reaping
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)]
    with Store(lib) as store:
        assert store.integrity_check() == "ok"
        stored = store.execute("SELECT COUNT(*) FROM features WHERE embedder = 'clap'")
        assert 4 <= stored.fetchone()[0] < 120


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")
def test_a_closed_terminal_ends_a_command_with_its_clean_up_unless_nohup(tmp_path):
    """Closing the terminal sends SIGHUP, which ended a command on the spot as SIGTERM did;
    started with SIGHUP ignored (nohup), the command is left to finish."""
    folder = tmp_path / "many"
    for i in range(80):
        audiogen.write(folder / f"loop_{i:03d}.wav", audiogen.drum_loop(seconds=4.0, seed=i))
    lib = tmp_path / "lib.sqlite"
    assert main(["--library", str(lib), "scan", str(folder), "-q"]) == 0
    command = [sys.executable, "-m", "anomalizer_desktop.cli", "--library", str(lib), "embed"]

    def hangups_as_a_terminal_has_them():
        # (a suite run under nohup hands its children SIGHUP ignored: they rightly finished)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)

    process = subprocess.Popen(
        [*command, "-q", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=hangups_as_a_terminal_has_them,
    )
    _wait_until_embedded(process, lib, 3)
    process.send_signal(signal.SIGHUP)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 129
    assert "anomalizer: terminated (SIGHUP)" in err.decode()

    def ignore_hangups():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    process = subprocess.Popen(
        [*command, "-q", "--workers", "1", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_hangups,
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGHUP)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    result = json.loads(out)
    assert result["skipped"] >= 3 and result["skipped"] + result["embedded"] == 80
    with Store(lib) as store:
        assert store.count_embedded("dsp", DspEmbedder.version) == 80


def _wait_until_embedded(process: subprocess.Popen, lib, count: int) -> None:
    """Wait until the library holds `count` vectors, with the embedding `process` still
    running (one that finished first cannot be stopped halfway)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(lib, timeout=30) as db:
            if db.execute("SELECT COUNT(*) FROM features").fetchone()[0] >= count:
                break
        time.sleep(0.02)
    assert process.poll() is None, "embed finished before it could be stopped"
