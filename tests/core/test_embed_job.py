"""The embed job: every usable file embedded, in parallel, skipped next time, errors per file."""

from __future__ import annotations

import audiogen
import numpy as np

from anomalizer_desktop.core.embedding import get_embedder
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import CancelToken, run_job
from anomalizer_desktop.core.library.scanner import scan


def _prepare(store, folder):
    run_job(scan(store, [str(folder)]))


def test_embeds_everything_in_parallel_then_skips(store, loop_folder):
    _prepare(store, loop_folder)
    summary = run_job(embed(store, "dsp", workers=2))
    assert (summary.embedded, summary.errors, summary.skipped) == (12, 0, 0)
    _ids, matrix = store.feature_matrix("dsp")
    assert matrix.shape == (12, get_embedder("dsp").dim)
    assert np.isfinite(matrix).all()
    again = run_job(embed(store, "dsp", workers=2))
    assert (again.embedded, again.skipped) == (0, 12)


def test_pool_and_in_process_give_identical_vectors(store, loop_folder, tmp_path):
    from anomalizer_desktop.core.library.store import Store

    _prepare(store, loop_folder)
    run_job(embed(store, "dsp", workers=2))
    with Store(tmp_path / "other.sqlite") as other:
        _prepare(other, loop_folder)
        run_job(embed(other, "dsp", workers=1))
        np.testing.assert_array_equal(
            store.feature_matrix("dsp")[1], other.feature_matrix("dsp")[1]
        )


def test_decode_failures_mark_the_file_and_the_job_completes(store, awkward_folder):
    root, files = awkward_folder
    _prepare(store, root)
    summary = run_job(embed(store, "dsp", workers=2))
    assert summary.embedded == len(files["valid"])
    assert summary.errors == 1
    [(path, message)] = summary.problems
    assert path.endswith("nan samples.wav")
    assert "NaN" in message
    record = next(r for r in store.list_samples() if r.path == path)
    assert record.status == "error"
    assert run_job(embed(store, "dsp")).embedded == 0


def test_other_failures_are_recorded_per_embedder(store, loop_folder, monkeypatch):
    from anomalizer_desktop.core.embedding import dsp_features

    _prepare(store, loop_folder)

    def explode(y, duration):
        raise ValueError("synthetic failure")

    monkeypatch.setattr(dsp_features, "describe", explode)
    summary = run_job(embed(store, "dsp", workers=1))
    assert summary.errors == 12
    record = store.list_samples()[0]
    assert record.status == "ok"
    assert "synthetic failure" in record.error
    assert run_job(embed(store, "dsp", workers=1)).errors == 0  # not retried by default
    monkeypatch.undo()
    retried = run_job(embed(store, "dsp", workers=1, retry_errors=True))
    assert retried.embedded == 12
    assert store.list_samples()[0].error is None


def test_cancel_stops_early_and_keeps_what_was_done(store, loop_folder):
    _prepare(store, loop_folder)
    token = CancelToken()
    job = embed(store, "dsp", cancel=token, workers=1)
    next(job)  # the opening progress
    token.cancel()
    summary = run_job(job)
    assert summary.cancelled
    assert summary.embedded < 12
    assert run_job(embed(store, "dsp", workers=1)).embedded == 12 - summary.embedded


def test_loops_on_a_drive_not_mounted_are_left_for_later_not_failed(store, loop_folder, tmp_path):
    drive = tmp_path / "drive"
    for i in range(3):
        audiogen.write(drive / "Loops" / f"far_{i}.wav", audiogen.drum_loop(seed=40 + i))
    run_job(scan(store, [str(loop_folder), str(drive / "Loops")]))
    drive.rename(tmp_path / "unplugged")
    summary = run_job(embed(store, "dsp", workers=1))
    assert (summary.embedded, summary.errors, summary.unreachable) == (12, 0, 3)
    assert all(r.status == "ok" and not r.error for r in store.list_samples())
    (tmp_path / "unplugged").rename(drive)
    again = run_job(embed(store, "dsp", workers=1))
    assert (again.embedded, again.errors, again.unreachable) == (3, 0, 0)


def test_an_older_dsp_version_of_the_same_layout_keeps_its_words(store, loop_folder):
    """Vectors of DSP v5 (the same descriptors as v6, computed otherwise) are read as v5 until
    `embed` updates them, but explained with v6's names; v4's (another layout) are not."""
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder
    from anomalizer_desktop.core.embedding.info import embedder_info

    run_job(scan(store, [str(loop_folder)]))
    run_job(embed(store, "dsp", workers=1))
    with store.transaction() as db:
        db.execute("UPDATE features SET version = '5' WHERE embedder = 'dsp'")
    older = embedder_info(store, "dsp")
    assert (older.version, older.dim) == ("5", DspEmbedder.dim)
    assert older.names == DspEmbedder.feature_names() and older.groups is not None
    ids, x = store.feature_matrix("dsp", older.version)
    assert len(ids) == len(x) > 0
    with store.transaction() as db:
        db.execute("UPDATE features SET version = '4' WHERE embedder = 'dsp'")
    oldest = embedder_info(store, "dsp")
    assert oldest.version == "4" and oldest.names is None and oldest.groups is None
