"""The demo loops: written once as loops a scan reads (stereo 16-bit WAV at -1 dBFS, tempo
and key in their names), the same sound every time, and the four that do not belong come out
on top once scanned, embedded and trained: the whole path, as a first-time user sees it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.demo_loops import BASSES, BEATS, ODD_NAMES, PEAK, write_demo_loops
from anomalizer_desktop.core.detector.spec import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.jobs import CancelToken, run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.loop_names import declared


def test_demo_loops_are_loops_a_scan_reads_and_are_written_once(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "mine.txt").write_text("the producer's")
    done = run_job(write_demo_loops(folder))
    assert len(done.paths) == BEATS + BASSES + len(ODD_NAMES) == 44
    assert [p.name for p in done.odd] == list(ODD_NAMES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in done.paths] + ["mine.txt"]
    )  # no part files left behind
    for path in done.paths:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "PCM_16")
        assert 3.0 < info.duration < 6.0  # two bars
        audio, _ = sf.read(path)
        assert abs(np.abs(audio).max() - PEAK) < 1e-3
        tempo = declared(path.name, None, None).tempo
        assert tempo is not None and abs(info.duration - 8 * 60 / tempo) < 0.01
    assert declared("Demo Bass 01 - 120 BPM Am.wav", None, None).key == "Am"

    bass = folder / "Demo Bass 01 - 120 BPM Am.wav"
    sound = bass.read_bytes()
    dates = {p: p.stat().st_mtime_ns for p in done.paths}
    bass.unlink()
    again = run_job(write_demo_loops(folder))
    assert again.paths == done.paths and bass.read_bytes() == sound  # the same sound
    assert all(p.stat().st_mtime_ns == dates[p] for p in done.paths if p != bass)
    assert (folder / "mine.txt").read_text() == "the producer's"

    token = CancelToken()
    token.cancel()
    stopped = run_job(write_demo_loops(tmp_path / "other", token))
    assert stopped.cancelled and stopped.paths == []


def test_the_default_detector_puts_the_demos_odd_loops_first(tmp_path):
    folder = tmp_path / "demo"
    run_job(write_demo_loops(folder))
    with Store(tmp_path / "lib.sqlite") as store:
        run_job(scan(store, [str(folder)]))
        run_job(embed(store, "dsp", workers=1))
        run_job(train(store, ModelSpec(), "dsp", tmp_path / "models"))
        ranked = sorted(store.list_samples(), key=lambda r: -r.score)
    assert {r.path.rsplit("/", 1)[-1] for r in ranked[:4]} == set(ODD_NAMES)
    assert ranked[3].score > 2 * ranked[4].score  # far apart, not by a hair


def test_anomalizer_demo_writes_them_and_says_how_to_score_them(tmp_path, capsys):
    assert main(["demo", str(tmp_path / "d"), "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["folder"] == str(tmp_path / "d") and len(out["loops"]) == 44
    assert [p.rsplit("/", 1)[-1] for p in out["odd"]] == list(ODD_NAMES)
    assert main(["demo", str(tmp_path / "d"), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"wrote 44 demo loops to {tmp_path / 'd'}"
    assert lines[1].startswith("score them: anomalizer start ")


def test_a_folder_the_demo_cannot_write_to_is_said_plainly(tmp_path, capsys):
    taken = tmp_path / "a file"
    taken.write_text("not a folder")
    with pytest.raises(AnomalizerError, match=r"the demo loops cannot be written to .*a file"):
        run_job(write_demo_loops(taken))
    assert main(["demo", str(taken), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"anomalizer: the demo loops cannot be written to {taken}: ")
    assert "Traceback" not in err and taken.read_text() == "not a folder"
