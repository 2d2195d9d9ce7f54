"""Why a loop asked about (Why unusual?, `explain`, `similar`) has no vector, and what each
front end advises: the command line a command, the window a button.

Every case used to read "… is not an embedded loop of this library (dsp)", and the window
turned that into "press Train to describe and score it", even for a file cut short, which no
training describes."""

from __future__ import annotations

from pathlib import Path

import audiogen
import pytest

from anomalizer_desktop.core.analysis.explain import ExplainError, explain
from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.run_models import TrainError, run_model
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.job_failure import job_failure
from anomalizer_desktop.core.job_process import _rebuilt
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan


@pytest.fixture
def drums(tmp_path) -> Path:
    return audiogen.write_drum_loops(tmp_path / "drums", range(8), "beat {i}.wav", (100, 4))


def _why(store, path: Path) -> ExplainError:
    with pytest.raises(ExplainError) as caught:
        explain(store, str(path))
    return caught.value


def test_a_file_cut_short_after_its_scan_says_it_could_not_be_read(store, drums):
    cut = drums / "beat 3.wav"
    run_job(scan(store, [str(drums)]))
    data = cut.read_bytes()
    cut.write_bytes(data[:2000])  # an interrupted copy, replaced after the scan
    run_job(embed(store, "dsp", workers=1))
    error = _why(store, cut)
    assert str(error).startswith(f"{cut} could not be read: truncated: ")
    assert error.window_text().startswith("This loop could not be read: truncated: ")
    assert "Train" not in error.window_text() and "anomalizer" not in error.window_text()


def test_a_loop_waiting_for_its_vector_is_advised_by_what_would_score_it(store, drums, tmp_path):
    run_job(scan(store, [str(drums)]))
    run_job(embed(store, "dsp", workers=1))
    new = drums / "beat 8.wav"
    audiogen.write(new, audiogen.drum_loop(seed=8, bpm=140))
    run_job(scan(store, [str(drums)]))  # scanned, not embedded (an embedding cancelled)
    error = _why(store, new)
    assert str(error) == f"{new} is not embedded yet (dsp): run `anomalizer embed` first"
    assert error.window_text() == (
        "This loop is not described yet: press Train to describe and score it"
    )
    run_job(train(store, ModelSpec("knn"), "dsp", tmp_path / "models"))
    # a run to score it with: the bar's Score new loops, not a whole new training
    assert _why(store, new).window_text() == (
        "This loop is not described yet: press Score new loops (in the bar below the table)"
        " to describe and score it"
    )


def test_a_missing_loop_and_a_file_outside_the_library_say_so(store, drums, tmp_path):
    run_job(scan(store, [str(drums)]))
    run_job(embed(store, "dsp", workers=1))
    gone = drums / "beat 5.wav"
    gone.unlink()
    run_job(scan(store, [str(drums)]))
    run_job(embed(store, "dsp", workers=1))  # (its vector stays; the space reads ok loops)
    assert str(_why(store, gone)) == (
        f"{gone} is missing: it is not where the library last found it"
    )
    outside = tmp_path / "elsewhere.wav"
    audiogen.write(outside, audiogen.tone(440, 1.0))
    error = _why(store, outside)
    assert str(error) == f"{outside} is not a loop of this library"
    assert error.window_text() == "This file is not a loop of this library"


def test_advice_names_the_command_on_the_command_line_and_the_button_in_the_window(store):
    with pytest.raises(TrainError) as caught:
        run_model(store)
    assert str(caught.value) == "no trained detector yet: run `anomalizer train` first"
    failure = job_failure(caught.value, store.path)
    assert failure.message == str(caught.value)
    assert failure.window_text() == "no trained detector yet: press Train first"
    # a job in a process of its own: the parent raises it again with both wordings
    again = _rebuilt(failure.kind, failure.message, failure.in_window)
    assert isinstance(again, TrainError) and str(again) == failure.message
    assert again.window_text() == "no trained detector yet: press Train first"
    plain = AnomalizerError("no such folder: /x")
    assert plain.window_text() == "no such folder: /x"
    assert job_failure(plain, store.path).window_text() == "no such folder: /x"
