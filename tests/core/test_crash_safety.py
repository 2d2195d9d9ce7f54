"""User data survives kill -9 in the middle of an embed, and the next embed completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import audiogen

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
    deadline = time.monotonic() + 120
    embedded = 0
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(lib, timeout=30) as db:
            embedded = db.execute("SELECT COUNT(*) FROM features").fetchone()[0]
        if embedded >= 10:
            break
        time.sleep(0.05)
    assert process.poll() is None, "embed finished before it could be killed"
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
