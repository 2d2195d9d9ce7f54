"""Train and score through the library: runs, scores, flags as labels, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import audiogen
import numpy as np
import pytest
import torch

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import (
    TrainError,
    TrainResult,
    flag_labels,
    score,
    train,
)
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan


@pytest.fixture
def drums_with_odd_ones(tmp_path) -> Path:
    """Sixteen drum loops and two sustained tones that do not belong."""
    root = tmp_path / "kit"
    for i in range(16):
        audiogen.write(root / f"drums_{i:02d}.wav", audiogen.drum_loop(seed=i, bpm=110 + i))
    audiogen.write(root / "odd_tone.wav", audiogen.tone(330, 2.0))
    audiogen.write(root / "odd_tone_2.wav", audiogen.tone(523, 2.0))
    return root


@pytest.fixture
def embedded(store, drums_with_odd_ones):
    run_job(scan(store, [str(drums_with_odd_ones)]))
    run_job(embed(store, "dsp", workers=1))
    return store


def test_train_stores_a_run_scores_and_a_checkpoint(embedded, tmp_path):
    result = run_job(train(embedded, ModelSpec("knn"), "dsp", tmp_path / "models"))
    assert (result.trained_on, result.scored) == (18, 18)
    assert Path(result.checkpoint).exists()
    ranked = embedded.list_samples(sort="score", descending=True)
    assert {Path(r.path).name for r in ranked[:2]} == {"odd_tone.wav", "odd_tone_2.wav"}
    assert all(0 <= r.percentile <= 100 for r in ranked)
    run = embedded.execute("SELECT detector, embedder, seed, threshold FROM runs").fetchone()
    assert run[:3] == ("knn", "dsp", 0)
    assert run[3] == pytest.approx(result.threshold)


def test_a_retrain_says_how_many_loops_crossed_the_unusual_cut(embedded, tmp_path):
    """The first run says nothing of changes; the same run again, "the same loops as
    before"; a run that moves loops over or under the cut counts them (from the runs'
    stored scores)."""
    models = tmp_path / "models"
    first = run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert (first.newly_unusual, first.no_longer_unusual) == (None, None)
    assert first.summary().endswith(f"({first.threshold:.4g})")
    assert embedded.unusual_crossings() == ([], [])  # (one run: nothing to compare)
    again = run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert (again.newly_unusual, again.no_longer_unusual) == (0, 0)
    assert again.summary().endswith("(the same loops as before)")
    assert embedded.unusual_crossings() == ([], [])

    # as if the last run had judged two loops the other way: a drum loop above its cut, the
    # odd tone below it (this run puts them back)
    names = {Path(r.path).name: r.id for r in embedded.list_samples()}
    with embedded.transaction() as db:
        for name, shift in (("drums_03.wav", 100.0), ("odd_tone.wav", -100.0)):
            db.execute(
                "UPDATE scores SET score = ? WHERE run_id = ? AND sample_id = ?",
                (again.threshold + shift, again.run_id, names[name]),
            )
    third = run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert (third.newly_unusual, third.no_longer_unusual) == (1, 1)
    assert third.summary().endswith("(1 of them new; 1 fell below it)")
    # and the library names them: the odd tone is back above the cut, the drum loop below
    assert embedded.unusual_crossings() == ([names["odd_tone.wav"]], [names["drums_03.wav"]])
    assert embedded.unusual_crossings(names["odd_tone.wav"]) == ([names["odd_tone.wav"]], [])
    assert embedded.unusual_crossings(names["drums_01.wav"]) == ([], [])
    # as the loop's explanation says
    from anomalizer_desktop.core.analysis.explain import explain

    paths = {Path(r.path).name: r.path for r in embedded.list_samples()}
    said = {name: explain(embedded, paths[name]).summary for name in paths}
    assert (
        "The last training put it above the unusual cut; the one before had it below."
        in said["odd_tone.wav"]
    )
    assert (
        "The last training put it below the unusual cut; the one before had it above."
        in said["drums_03.wav"]
    )
    assert "The last training" not in said["drums_01.wav"]
    # a training with another detector than the one before names that one: the switch alone
    # moves loops across the cut
    with embedded.transaction() as db:
        db.execute("UPDATE runs SET detector = 'iforest' WHERE id = ?", (third.run_id,))
    assert (
        "The last training put it above the unusual cut; the one before (knn) had it below."
        in explain(embedded, paths["odd_tone.wav"]).summary
    )
    # a loop the run before did not score is in neither (nothing was said of it)
    with embedded.transaction() as db:
        db.execute("DELETE FROM scores WHERE run_id = ?", (again.run_id,))
    assert embedded.unusual_crossings() == ([], [])


def test_unusual_changes_count_only_loops_both_runs_scored():
    from anomalizer_desktop.core.library.store import Store

    with Store(":memory:") as store:
        with store.transaction() as db:
            db.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/loops', 0)")
            for i in range(1, 6):
                db.execute(
                    "INSERT INTO samples(id, path, root_id, status, first_seen, last_seen)"
                    " VALUES (?, ?, 1, 'ok', 0, 0)",
                    (i, f"/loops/{i}.wav"),
                )
            assert store.unusual_crossings() == ([], [])  # (no run)
            # above the cut (0.5) before: 1, 2; now: 1, 3 and 5, which is new to the library
            for run, above in ((1, [1, 2]), (2, [1, 3, 5])):
                db.execute(
                    "INSERT INTO runs(id, created_at, detector, embedder, threshold)"
                    " VALUES (?, 0, 'knn', 'dsp', 0.5)",
                    (run,),
                )
                for i in range(1, 6 if run == 2 else 5):
                    score = 1.0 if i in above else 0.0
                    db.execute("INSERT INTO scores VALUES (?, ?, ?, 50)", (run, i, score))
        assert store.unusual_crossings() == ([3], [2])  # 1 new, 1 fell; 5 is neither
    result = TrainResult(1, "knn", "dsp", 5, 5, 3, 1.0, "m.pt", 0.5, newly_unusual=6)
    assert result.changes_text() == ""  # (half known: nothing said)
    result.no_longer_unusual = 4
    assert result.changes_text() == " (6 of them new; 4 fell below it)"
    result.newly_unusual = 0
    assert result.changes_text() == " (4 fell below it)"
    result.last_detector = "knn"  # another detector moves loops for that reason alone
    assert result.changes_text() == " (4 fell below it; the last training used knn)"


def test_a_training_with_another_detector_names_the_last_one(embedded, tmp_path):
    models = tmp_path / "models"
    first = run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert first.last_detector is None
    same = run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert same.last_detector is None
    other = run_job(train(embedded, ModelSpec("svdd", network="AE", epochs=2), "dsp", models))
    assert other.last_detector == "knn"
    again = run_job(train(embedded, ModelSpec("iforest"), "dsp", models))
    assert again.last_detector == "svdd-AE" and again.as_json()["last_detector"] == "svdd-AE"


def test_the_latest_training_is_described_for_the_scores_on_show(embedded, tmp_path):
    """What the table's Score and Unusual % headers say the scores are from: the detector
    (with its network), embedder, loops, time, flags and run; None before any, and a run
    with a damaged config still says what its row holds."""
    from anomalizer_desktop.core.detector.run_models import latest_run_text

    assert latest_run_text(embedded) is None
    models = tmp_path / "models"
    run_job(train(embedded, ModelSpec("svdd", network="AE", epochs=2), "dsp", models))
    loops = len(embedded.list_samples(status="ok"))
    when = r"trained \d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.fullmatch(rf"svdd-AE \(dsp\) on {loops} loops, {when} \(run 1\)",
                        latest_run_text(embedded))  # fmt: skip
    first = embedded.list_samples()[0].id
    embedded.set_flag([first], "unusual")
    run_job(train(embedded, ModelSpec("knn"), "dsp", models, use_flags=True))
    assert re.fullmatch(rf"knn \(dsp\) on {loops} loops, {when} with 1 flag \(run 2\)",
                        latest_run_text(embedded))  # fmt: skip
    with embedded.transaction() as db:
        db.execute("UPDATE runs SET config = '{not json' WHERE id = 2")
    assert re.fullmatch(rf"knn \(dsp\), {when} \(run 2\)", latest_run_text(embedded))


@pytest.mark.parametrize("trouble", ["a file named like its folder", "a full disk"])
def test_a_checkpoint_that_cannot_be_written_stores_no_run_and_says_why(
    embedded, tmp_path, monkeypatch, trouble
):
    """Both ended the command in a traceback (torch says "[enforce fail at
    inline_container.cc:672] . unexpected pos 576 vs 534" on a full disk)."""
    from anomalizer_desktop.core.detector import checkpoint
    from anomalizer_desktop.core.detector.checkpoint import CheckpointError

    models = tmp_path / "models"
    if trouble == "a full disk":

        def full_disk(payload, file):
            Path(file).write_bytes(b"half a checkpoint")
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576")

        monkeypatch.setattr(checkpoint.torch, "save", full_disk)
        expected = (
            r"run-00001\.pt: the file could not be written \([\d,.]+ [kMG]B free on its drive\)$"
        )
    else:
        models.write_text("not a folder")
        expected = re.escape(f"run-00001.pt: cannot make its folder {models} (File exists)") + "$"
    with pytest.raises(CheckpointError, match=expected):
        run_job(train(embedded, ModelSpec("knn"), "dsp", models))
    assert embedded.execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)
    assert embedded.execute("SELECT COUNT(*) FROM scores").fetchone() == (0,)
    if models.is_dir():
        assert list(models.iterdir()) == []  # the half-written file went too


def test_a_loop_forgotten_while_training_runs_is_left_out_of_its_scores(embedded, tmp_path):
    """The window can move loops to the trash while a training job runs: the run finishes and
    scores the loops still there (writing the gone one's score failed the whole run)."""
    job = train(embedded, ModelSpec("knn"), "dsp", tmp_path / "models")
    next(job)  # training has read the vectors
    gone = embedded.list_samples()[0]
    assert embedded.forget_samples([gone.id]) == 1
    result = run_job(job)
    assert result.scored == 18  # what it trained on and scored
    stored = embedded.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    assert stored == 17 and len(embedded.list_samples()) == 17


def test_flags_become_deep_sad_labels(embedded):
    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["drums_00.wav"].id], "typical")
    embedded.set_flag([records["odd_tone.wav"].id], "unusual")
    ids, _ = embedded.feature_matrix("dsp")
    labels = dict(zip(ids.tolist(), flag_labels(embedded, ids).tolist(), strict=True))
    assert labels[records["drums_00.wav"].id] == 1
    assert labels[records["odd_tone.wav"].id] == -1
    assert sum(v == 0 for v in labels.values()) == 16
    result = run_job(train(embedded, ModelSpec("sad", epochs=4), "dsp"))
    config = json.loads(embedded.execute("SELECT config FROM runs").fetchone()[0])
    assert config["labelled"] == {"typical": 1, "unusual": 1}
    assert result.detector == "sad"


def test_score_rescores_with_the_stored_model_including_new_loops(embedded, drums_with_odd_ones):
    first = run_job(train(embedded, ModelSpec("iforest"), "dsp"))
    before = {r.path: r.score for r in embedded.list_samples()}
    audiogen.write(drums_with_odd_ones / "late_arrival.wav", audiogen.drum_loop(seed=99))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    outcome = run_job(score(embedded))
    assert (outcome["run_id"], outcome["scored"]) == (first.run_id, 19)
    after = {r.path: r.score for r in embedded.list_samples()}
    assert all(after[p] == pytest.approx(s) for p, s in before.items())
    assert after[str(drums_with_odd_ones / "late_arrival.wav")] is not None


def test_scoring_only_new_loops_leaves_the_others_and_can_be_cancelled(
    embedded, drums_with_odd_ones, capsys
):
    from anomalizer_desktop.core.detector.svdd import TrainingCancelled
    from anomalizer_desktop.core.jobs import CancelToken

    first = run_job(train(embedded, ModelSpec("default"), "dsp"))
    before = {r.path: r.score for r in embedded.list_samples()}
    for i in range(2):
        audiogen.write(drums_with_odd_ones / f"late_{i}.wav", audiogen.drum_loop(seed=90 + i))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(TrainingCancelled):
        run_job(score(embedded, cancel=cancel, only_new=True))
    assert embedded.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 18

    messages = []
    outcome = run_job(score(embedded, only_new=True), lambda p: messages.append(p.message))
    assert (outcome["run_id"], outcome["scored"]) == (first.run_id, 2)
    assert any("[2/2 aspects] aspect 1/" in m for m in messages)
    new_scores = {r.path: r.score for r in embedded.list_samples() if r.path not in before}
    assert len(new_scores) == 2 and None not in new_scores.values()
    # exactly what scoring everything gives them, and the others did not move
    run_job(score(embedded))
    after = {r.path: r.score for r in embedded.list_samples()}
    assert all(after[p] == s for p, s in {**before, **new_scores}.items())
    assert main(["--library", str(embedded.path), "score", "--new"]) == 0
    assert "scored 0 new loops" in capsys.readouterr().out


def test_too_few_loops_is_a_clear_error(store):
    with pytest.raises(TrainError, match="at least 5"):
        run_job(train(store, ModelSpec("knn"), "dsp"))
    with pytest.raises(TrainError, match="no trained detector"):
        run_job(score(store))


def test_cli_train_score_list_explain_flow(tmp_path, drums_with_odd_ones, capsys):
    lib = str(tmp_path / "lib.sqlite")
    assert main(["--library", lib, "scan", str(drums_with_odd_ones), "-q"]) == 0
    assert main(["--library", lib, "embed", "-q", "--workers", "1"]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "--library",
                lib,
                "train",
                "--detector",
                "svdd",
                "--epochs",
                "4",
                "--device",
                "cpu",
                "--json",
                "-q",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["trained_on"] == 18
    assert Path(result["checkpoint"]).parent == tmp_path / "detectors" / "lib.sqlite"
    assert main(["--library", lib, "list", "--sort", "score", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert main(["--library", lib, "score", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scored"] == 18
    capsys.readouterr()
    code = main(["--library", lib, "train", "--detector", "knn", "--device", "cuda", "-q"])
    if not torch.cuda.is_available():  # knn ignores the device; svdd must refuse it plainly
        assert code == 0
        assert main(["--library", lib, "train", "--detector", "svdd", "--device", "cuda"]) == 1
        assert "no CUDA GPU is available" in capsys.readouterr().err


def test_explain_names_neighbours_and_the_deviating_groups(embedded, drums_with_odd_ones):
    from anomalizer_desktop.core.analysis.explain import ExplainError, explain

    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    result = explain(embedded, str(drums_with_odd_ones / "odd_tone.wav"), neighbours=3)
    assert len(result.neighbours) == 3
    assert all("odd_tone" not in Path(n["path"]).name for n in result.neighbours)
    assert {d.group for d in result.deviations} == {
        "timbre",
        "dynamics",
        "rhythm",
        "pitch",
        "tonality",
        "texture",
        "length",
    }
    assert result.deviations[0].percentile >= result.deviations[-1].percentile
    assert all(len(d.top_descriptors) >= 1 for d in result.deviations)
    assert result.summary.startswith("odd_tone.wav is more unusual than")
    # the summary says in words what the most deviating descriptor of the top aspect means
    lead = result.deviations[0].top_descriptors[0]
    assert lead["words"].endswith(("than usual", "off the usual", "from usual"))
    assert f"of loops): {lead['words']}." in result.summary and "σ" not in result.summary
    with pytest.raises(ExplainError, match=r"nope\.wav is not a loop of this library$"):
        explain(embedded, str(drums_with_odd_ones / "nope.wav"))


def test_explanations_reuse_the_library_read_while_its_generation_stays(
    embedded, drums_with_odd_ones, monkeypatch
):
    """Selecting loop after loop reads the library once (2.2 s at 100k loops, each time); a
    new generation (the window reloaded or wrote) reads it again, and sees what changed."""
    from anomalizer_desktop.core.analysis import loop_space
    from anomalizer_desktop.core.analysis.explain import explain

    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    odd = str(drums_with_odd_ones / "odd_tone.wav")
    reads = []
    read_for_real = loop_space.library_space

    def counted_read(*args):
        reads.append(args)
        return read_for_real(*args)

    monkeypatch.setattr(loop_space, "library_space", counted_read)
    generation = loop_space.new_generation()
    first = explain(embedded, odd, neighbours=3, generation=generation)
    explain(embedded, str(drums_with_odd_ones / "drums_03.wav"), generation=generation)
    assert len(reads) == 1
    nearest = first.neighbours[0]["path"]
    embedded.set_flag(embedded.sample_ids_for_paths([nearest]).values(), "unusual")
    again = explain(embedded, odd, neighbours=3, generation=loop_space.new_generation())
    assert len(reads) == 2
    assert nearest not in [n["path"] for n in again.neighbours]  # flagged unusual now
    explain(embedded, odd)  # no generation (the command line): read anew
    assert len(reads) == 3
    space = loop_space.locate(embedded, odd, generation=generation)
    with pytest.raises(ValueError):  # shared between explanations: nobody may change it
        space.z[0, 0] = 1.0


def test_explanations_take_the_run_s_standardiser_from_its_row_not_its_model_file(
    embedded, drums_with_odd_ones
):
    """The space explanations measure in is the latest run's standardised one; the run's row
    records its standardiser, so the model file (torch: 1.2-1.5 s of the first "Why
    unusual?") is loaded only for the pull of a flagged loop near the one explained, and then
    once. A run that records none (trained before runs did) still reads its model file."""
    from anomalizer_desktop.core.analysis import loop_space
    from anomalizer_desktop.core.analysis.explain import explain
    from anomalizer_desktop.core.detector import checkpoint
    from anomalizer_desktop.core.detector.run_standardizer import KEY

    loads = []
    real_load = checkpoint.load_checkpoint

    def counted_load(path, *args, **kwargs):
        loads.append(Path(path).name)
        return real_load(path, *args, **kwargs)

    def space():
        return loop_space.cached_library_space(embedded, "dsp", loop_space.new_generation())

    odd = str(drums_with_odd_ones / "odd_tone.wav")
    twin = str(drums_with_odd_ones / "odd_tone_2.wav")
    first = run_job(train(embedded, ModelSpec("knn"), "dsp"))
    model, _ = real_load(first.checkpoint)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoint, "load_checkpoint", counted_load)
        for _ in range(2):  # the library read again (a flag, a reload): no model loaded
            said = explain(embedded, odd, generation=loop_space.new_generation())
        assert loads == [] and said.score is not None
        read = space().standardizer
        for name in ("center", "scale", "weights"):  # the model's own numbers, exactly
            np.testing.assert_array_equal(getattr(read, name), getattr(model.standardizer, name))
        # a flagged loop beside the one explained: its pull needs the model, loaded once
        embedded.set_flag(embedded.sample_ids_for_paths([odd]).values(), "unusual")
        run_job(train(embedded, ModelSpec("default"), "dsp"))
        for _ in range(2):
            liked = explain(embedded, twin, generation=loop_space.new_generation())
            assert [Path(f["path"]).name for f in liked.like_flagged] == ["odd_tone.wav"]
        assert loads == ["run-00002.pt"]
        # a run without the record (or with a damaged one) reads its model file instead
        expected = space().z.copy()
        patch.setattr(loop_space, "_loaded_checkpoint", loop_space._LastOne())  # (a new process)
        for entry in (None, {"dim": 3, "f32le": "not base64!"}):
            with embedded.transaction() as db:
                config = json.loads(
                    db.execute("SELECT config FROM runs WHERE id = 2").fetchone()[0]
                )
                config[KEY] = entry
                db.execute("UPDATE runs SET config = ? WHERE id = 2", (json.dumps(config),))
            np.testing.assert_array_equal(space().z, expected)
        assert loads == ["run-00002.pt"] * 2  # once more, then kept


def test_explaining_a_loop_imports_no_torch(embedded, drums_with_odd_ones):
    """A fresh process (the window's first "Why unusual?", `anomalizer explain`) explains a
    loop of a trained library without importing torch."""
    import subprocess
    import sys

    run_job(train(embedded, ModelSpec("default"), "dsp"))
    code = (
        "import sys\n"
        "from anomalizer_desktop.core.analysis.explain import explain\n"
        "from anomalizer_desktop.core.library.store import Store\n"
        "with Store(sys.argv[1]) as store:\n"
        "    said = explain(store, sys.argv[2])\n"
        "print(said.percentile is not None, 'torch' in sys.modules)\n"
    )
    odd = str(drums_with_odd_ones / "odd_tone.wav")
    done = subprocess.run(
        [sys.executable, "-c", code, str(embedded.path), odd],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_explain_names_the_flagged_loop_a_loop_sounds_like(embedded, drums_with_odd_ones):
    from anomalizer_desktop.core.analysis.explain import explain

    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone.wav"].id], "unusual")
    run_job(train(embedded, ModelSpec("default"), "dsp"))
    twin = explain(embedded, str(drums_with_odd_ones / "odd_tone_2.wav"))
    assert [Path(f["path"]).name for f in twin.like_flagged] == ["odd_tone.wav"]
    assert 0.5 <= twin.like_flagged[0]["gain"] <= 2.0
    assert twin.summary.endswith("It sounds like odd_tone.wav, which you flagged unusual.")
    assert explain(embedded, str(drums_with_odd_ones / "odd_tone.wav")).like_flagged == []
    drum = explain(embedded, str(drums_with_odd_ones / "drums_03.wav"))
    assert drum.like_flagged == [] and "flagged" not in drum.summary


def test_a_loop_far_from_every_flagged_loop_is_explained_without_a_neighbour_search(
    embedded, drums_with_odd_ones
):
    """Only a flagged loop among a loop's nearest can be named, so a loop with none near
    works out no pull: the model's neighbour index (and scikit-learn) waits until one does."""
    from anomalizer_desktop.core.analysis.explain import explain
    from anomalizer_desktop.core.analysis.loop_space import cached_library_space, new_generation
    from anomalizer_desktop.core.detector.knn import KnnDetector

    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone.wav"].id], "unusual")
    run_job(train(embedded, ModelSpec("default"), "dsp"))
    generation = new_generation()
    drum = explain(embedded, str(drums_with_odd_ones / "drums_03.wav"), generation=generation)
    assert drum.like_flagged == []
    model = cached_library_space(embedded, "dsp", generation).model()
    searcher = next(
        m.model
        for m in model.members
        if isinstance(m.model, KnnDetector) and m.model.metric == "manhattan"
    )
    assert searcher._index is None
    twin = explain(embedded, str(drums_with_odd_ones / "odd_tone_2.wav"), generation=generation)
    assert [Path(f["path"]).name for f in twin.like_flagged] == ["odd_tone.wav"]
    assert searcher._index is not None


def test_a_flag_that_lifts_a_loop_is_named_only_among_its_nearest_loops():
    """A pull reaches far in a small varied library; "sounds like" needs the flagged loop to be
    among the loop's NAMED_AMONG nearest."""
    from types import SimpleNamespace

    from anomalizer_desktop.core.analysis.explain import NAMED_AMONG, _like_flagged

    z = np.arange(20, dtype=float)[:, None] * np.ones((1, 3))  # row i at L1 distance 3|i-j|
    paths = [f"loop_{i}.wav" for i in range(20)]
    flagged = 10
    model = SimpleNamespace(
        pull=SimpleNamespace(anchors=z[[flagged]]), pull_gains=lambda x: np.array([[0.9]])
    )

    flags = [None] * 20
    flags[flagged] = "unusual"

    def named(row):
        distances = np.abs(z - z[row]).sum(axis=1)
        return [f["path"] for f in _like_flagged(lambda: model, z, z, row, paths, flags, distances)]

    # loop 8: loops 7, 9 and 10 share the nearest places; the flagged one is among the nearest
    assert named(8) == ["loop_10.wav"]
    # loop 0: the flagged loop lifts it as much, but 9 loops are nearer than it
    assert NAMED_AMONG <= 9 and named(0) == []
    assert named(flagged) == []


def test_a_copy_of_a_flagged_loop_is_never_named_as_the_flagged_one():
    """The same file twice in a library (a pack copied into another): the flagged loop is not
    said to sound like "its copy, which you flagged", and the copy names the flagged one."""
    from types import SimpleNamespace

    from anomalizer_desktop.core.analysis.explain import _like_flagged

    z = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [9.0, 9.0]])  # rows 0 and 1: one file
    paths = ["copy_in_pack_a.wav", "flagged_in_pack_b.wav", "other.wav", "far.wav"]
    flags = [None, "unusual", None, None]
    model = SimpleNamespace(
        pull=SimpleNamespace(anchors=z[[1]]), pull_gains=lambda x: np.array([[2.0]])
    )

    def named(row):
        distances = np.abs(z - z[row]).sum(axis=1)
        return [f["path"] for f in _like_flagged(lambda: model, z, z, row, paths, flags, distances)]

    assert named(1) == []  # the flagged loop itself: it was matched to its copy before
    assert named(0) == ["flagged_in_pack_b.wav"]
    assert named(2) == ["flagged_in_pack_b.wav"]


def test_training_can_leave_flags_out(embedded):
    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone.wav"].id], "unusual")
    run_job(train(embedded, ModelSpec("knn"), "dsp", use_flags=False))
    config = json.loads(embedded.execute("SELECT config FROM runs ORDER BY id DESC").fetchone()[0])
    assert config["labelled"] == {"typical": 0, "unusual": 0}
    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    config = json.loads(embedded.execute("SELECT config FROM runs ORDER BY id DESC").fetchone()[0])
    assert config["labelled"] == {"typical": 0, "unusual": 1}


def _status(store):
    from anomalizer_desktop.core.detector.freshness import score_status

    return score_status(store, "dsp")


def test_new_loops_whose_run_lost_its_model_ask_for_training(
    embedded, drums_with_odd_ones, tmp_path
):
    """The detectors folder deleted (or on a drive that is gone): the bar offered "Score new
    loops" and each click failed with "no checkpoint at …"; `start` failed the same way."""
    from anomalizer_desktop.core.detector.freshness import TRAIN
    from anomalizer_desktop.core.detector.training import refresh_scores

    first = run_job(train(embedded, ModelSpec("knn"), "dsp", tmp_path / "models"))
    Path(first.checkpoint).unlink()
    audiogen.write(drums_with_odd_ones / "new_loop.wav", audiogen.drum_loop(seed=99, bpm=120))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    status = _status(embedded)
    assert status.action == TRAIN
    assert status.message == (
        "1 loop has no score yet, and the model of run 1 that would score it is gone"
        f" ({first.checkpoint}): train to score it"
    )
    gone = r"the model of run 1 is gone .*: run `anomalizer train` again$"
    with pytest.raises(TrainError, match=gone):
        run_job(score(embedded))
    run_job(refresh_scores(embedded, "dsp"))
    assert _status(embedded).current and embedded.latest_run_id() == 2


def test_new_loops_whose_run_s_model_is_damaged_say_to_train_and_start_trains(
    embedded, drums_with_odd_ones, tmp_path
):
    from anomalizer_desktop.core.detector.checkpoint import CheckpointError
    from anomalizer_desktop.core.detector.freshness import TRAIN
    from anomalizer_desktop.core.detector.training import refresh_scores

    first = run_job(train(embedded, ModelSpec("knn"), "dsp", tmp_path / "models"))
    Path(first.checkpoint).write_bytes(b"half a checkpoint")
    audiogen.write(drums_with_odd_ones / "new_loop.wav", audiogen.drum_loop(seed=99, bpm=120))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    status = _status(embedded)
    assert (status.action, status.message) == (
        TRAIN,
        "1 loop has no score yet, and the model of run 1 that would score it cannot be read"
        f" ({first.checkpoint} is damaged): train to score it",
    )
    with pytest.raises(CheckpointError, match=r"; run `anomalizer train` again to score$"):
        run_job(score(embedded))
    said = run_job(refresh_scores(embedded, "dsp"))
    assert said.startswith("run 2: default (dsp) on 19 loops")
    assert _status(embedded).current


def test_score_status_names_what_went_stale_and_the_fix(embedded, drums_with_odd_ones):
    from anomalizer_desktop.core.detector.freshness import RETRAIN_WITH_FLAGS, SCORE, TRAIN

    first = _status(embedded)
    assert (first.run_id, first.embedded, first.action) == (None, 18, TRAIN)
    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    now = _status(embedded)
    assert now.current and (now.run_id, now.embedded, now.scored) == (1, 18, 18)

    audiogen.write(drums_with_odd_ones / "new_loop.wav", audiogen.drum_loop(seed=99, bpm=120))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    added = _status(embedded)
    assert (added.action, added.embedded, added.scored) == (SCORE, 19, 18)
    assert "1 loop added or changed since run 1 has no score yet" in added.message
    run_job(score(embedded))
    assert _status(embedded).current
    # scanned, not embedded yet (an embedding cancelled): no score either (it read "current")
    audiogen.write(drums_with_odd_ones / "later.wav", audiogen.drum_loop(seed=98, bpm=110))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    waiting = _status(embedded)
    assert (waiting.action, waiting.embedded, waiting.scored) == (SCORE, 19, 19)
    assert "1 loop added or changed since run 1 has no score yet" in waiting.message
    run_job(embed(embedded, "dsp", workers=1))
    run_job(score(embedded))
    assert _status(embedded).current

    # a file whose sound changed loses its old score (it described the old sound) and is
    # scored again, with the last run, after embedding
    changed = drums_with_odd_ones / "new_loop.wav"
    audiogen.write(changed, audiogen.tone(330.0))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    record = next(r for r in embedded.list_samples() if r.path == str(changed.resolve()))
    assert record.score is None
    run_job(embed(embedded, "dsp", workers=1))
    assert _status(embedded).action == SCORE
    run_job(score(embedded))
    assert _status(embedded).current
    rescored = next(r for r in embedded.list_samples() if r.path == str(changed.resolve()))
    assert rescored.score is not None

    records = {Path(r.path).name: r.id for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone.wav"]], "unusual")
    flagged = _status(embedded)
    assert flagged.action == RETRAIN_WITH_FLAGS and "now 0 typical, 1 unusual" in flagged.message
    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    assert _status(embedded).current
    # the same counts on other loops still differ from what the run learned from
    embedded.set_flag([records["odd_tone.wav"]], None)
    embedded.set_flag([records["odd_tone_2.wav"]], "unusual")
    assert _status(embedded).action == RETRAIN_WITH_FLAGS
    # a run trained without flags asks for them once there are some
    run_job(train(embedded, ModelSpec("knn"), "dsp", use_flags=False))
    assert _status(embedded).action == RETRAIN_WITH_FLAGS
    # a loop added beside flags the run did not use: scoring it leaves them unused
    from anomalizer_desktop.core.detector.freshness import scoring_keeps_current

    audiogen.write(drums_with_odd_ones / "one_more.wav", audiogen.drum_loop(seed=97, bpm=100))
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    run_job(embed(embedded, "dsp", workers=1))
    assert _status(embedded).action == SCORE and not scoring_keeps_current(embedded, "dsp")


def test_a_library_that_grew_or_shrank_since_the_run_asks_for_training(
    embedded, drums_with_odd_ones, tmp_path
):
    """A new pack scored with the old run says how it fits the library as it was; once it is
    10 loops or more (and 2 % of the library) the scores ask for a training, as they do when
    10 loops have left. Loops whose files are only missing (until `forget`) do not count."""
    from anomalizer_desktop.core.detector.freshness import SCORE, TRAIN, scoring_keeps_current
    from anomalizer_desktop.core.detector.training import refresh_scores

    folders = [str(drums_with_odd_ones), str(tmp_path / "new pack")]

    def add_loops(seeds) -> None:
        for i in seeds:
            audiogen.write(tmp_path / "new pack" / f"bass_{i:02d}.wav", audiogen.bass_loop(seed=i))
        run_job(scan(embedded, folders))
        run_job(embed(embedded, "dsp", workers=1))

    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    add_loops(range(9))
    assert _status(embedded).action == SCORE
    assert scoring_keeps_current(embedded, "dsp")  # (what a folder added in the window does)
    assert scoring_keeps_current(embedded, "dsp", chosen=ModelSpec("knn"))  # the run's detector
    assert not scoring_keeps_current(embedded, "dsp", chosen=ModelSpec("default"))  # another
    assert run_job(refresh_scores(embedded, "dsp")).startswith("run 1: scored 9 new loops")
    assert _status(embedded).current  # 9 new loops: scored, no more
    assert not scoring_keeps_current(embedded, "dsp")  # nothing to score
    add_loops([9])
    assert not scoring_keeps_current(embedded, "dsp")  # the tenth: news
    run_job(score(embedded, only_new=True))  # as Rescan does
    grown = _status(embedded)
    assert (grown.action, grown.message) == (
        TRAIN,
        "10 loops have come in since run 1 learnt the library from its 18 loops:"
        " train to learn it as it is now",
    )
    assert run_job(refresh_scores(embedded, "dsp")).startswith("run 2: default (dsp) on 28 loops")
    assert _status(embedded).current
    # the one-step command scores new loops, sees the library is another and trains
    add_loops(range(10, 20))
    assert _status(embedded).action == SCORE
    assert run_job(refresh_scores(embedded, "dsp")).startswith("run 3: default (dsp) on 38 loops")

    for loop in (tmp_path / "new pack").iterdir():  # missing: still the library's loops
        loop.unlink()
    run_job(scan(embedded, folders))
    assert embedded.counts_by_status()["missing"] == 20 and _status(embedded).current
    embedded.forget_missing()
    shrunk = _status(embedded)
    assert (shrunk.action, shrunk.message) == (
        TRAIN,
        "20 of the 38 loops run 3 learnt from have left the library:"
        " train to learn it as it is now",
    )


def test_a_small_pack_is_scored_only_by_a_run_of_the_network_chosen(
    embedded, drums_with_odd_ones, tmp_path
):
    """Add folder scores a few new loops with the latest run only when that run trained what
    the producer chose: the same Deep SVDD network and number of networks (Deep SAD, its
    flagged form, counts as the same); another network or ensemble trains."""
    from anomalizer_desktop.core.detector.freshness import scoring_keeps_current

    run_job(train(embedded, ModelSpec("svdd", network="AE", epochs=2, ensemble=2), "dsp"))
    audiogen.write(tmp_path / "pack" / "bass.wav", audiogen.bass_loop(seed=3))
    run_job(scan(embedded, [str(drums_with_odd_ones), str(tmp_path / "pack")]))
    run_job(embed(embedded, "dsp", workers=1))

    def keeps(**chosen) -> bool:
        return scoring_keeps_current(embedded, "dsp", chosen=ModelSpec(**chosen))

    assert keeps(detector="svdd", network="AE", ensemble=2)
    assert keeps(detector="sad", network="AE", ensemble=2)
    assert not keeps(detector="svdd", network="AEwRES", ensemble=2)
    assert not keeps(detector="svdd", network="AE", ensemble=5)
    assert not keeps(detector="knn")


def test_scores_from_an_older_embedder_version_ask_for_training(embedded):
    from anomalizer_desktop.core.detector.freshness import TRAIN
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    config = json.loads(embedded.execute("SELECT config FROM runs").fetchone()[0])
    config["embedder_version"] = "1"  # what a run from before an embedder upgrade recorded
    embedded.execute("UPDATE runs SET config = ?", (json.dumps(config),))
    old = _status(embedded)
    assert old.action == TRAIN
    assert f"dsp v1 vectors; the library now holds dsp v{DspEmbedder.version}" in old.message


def test_info_says_whether_the_scores_are_current(embedded, capsys):
    args = ["--library", str(embedded.path), "info"]
    assert main(args) == 0
    assert (
        "scores    none yet: 18 loops embedded, none scored: train to score them"
        in capsys.readouterr().out
    )
    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    assert main([*args, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["scores"]["action"] is None and said["scores"]["scored"] == 18
    # ...and where the runs' models are, and how much room they take
    folder = Path(embedded.path).parent / "detectors" / "library.sqlite"
    size = (folder / "run-00001.pt").stat().st_size
    assert said["run_models"] == {
        "folders": [str(folder)],
        "files": 1,
        "bytes": size,
        "neighbour_lists_bytes": 0,  # the Euclidean knn keeps none
    }
    assert main(args) == 0
    said = capsys.readouterr().out
    assert f"models    1 run model (the newest 5 are kept), {size / 1e3:.0f} kB in {folder}" in said
    assert "neighbour lists" not in said
    run_job(train(embedded, ModelSpec(), "dsp"))  # the default keeps its neighbour lists
    lists = (folder / "neighbours.npz").stat().st_size
    assert main(args) == 0
    assert (
        f"          and the last training's neighbour lists, {lists / 1e3:.0f} kB: a retrain"
        " with other flags starts from them (deleting them loses nothing)"
    ) in capsys.readouterr().out


def test_loops_whose_files_went_missing_leave_the_scores_current(embedded, drums_with_odd_ones):
    records = {Path(r.path).name: r.id for r in embedded.list_samples()}
    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    embedded.set_flag([records["drums_03.wav"]], "typical")  # flagged, then its file goes
    (drums_with_odd_ones / "drums_03.wav").unlink()
    (drums_with_odd_ones / "drums_04.wav").unlink()
    run_job(scan(embedded, [str(drums_with_odd_ones)]))
    now = _status(embedded)
    assert now.current, now.message
    assert (now.embedded, now.scored) == (16, 16)


def test_explanations_never_say_more_than_100_percent():
    from anomalizer_desktop.core.text import more_than

    assert [more_than(p) for p in (0.0, 85.6, 99.2, 99.8, 100.0)] == [0, 85, 99, 99, 99]


def test_the_most_typical_loops_are_said_to_be_less_unusual_than_the_rest():
    """The library's most typical loop read "more unusual than 0% of your library"."""
    from anomalizer_desktop.core.text import standing_in

    assert standing_in(0.0, "your library") == "less unusual than 99% of your library"
    assert standing_in(0.7, "the library") == "less unusual than 99% of the library"
    assert standing_in(1.0, "x") == "more unusual than 1% of x"
    assert standing_in(99.8, "x") == "more unusual than 99% of x"


def test_the_summary_agrees_in_number_with_each_aspect():
    from anomalizer_desktop.core.analysis.explain import GROUP_WORDS, stands_out

    assert f"{GROUP_WORDS['rhythm']} {stands_out(GROUP_WORDS['rhythm'])}" == (
        "rhythm and tempo stand out"
    )
    assert f"{GROUP_WORDS['length']} {stands_out(GROUP_WORDS['length'])}" == "length stands out"
    assert stands_out(GROUP_WORDS["timbre"]) == "stands out"


def test_start_brings_the_scores_up_to_date_with_the_least_work(
    tmp_path, drums_with_odd_ones, capsys
):
    library = str(tmp_path / "start.sqlite")

    def start(*extra):
        assert main(["--library", library, "start", str(drums_with_odd_ones), "-q", *extra]) == 0
        return capsys.readouterr().out

    assert "run 1: default (dsp) on 18 loops" in start()
    assert main(["--library", library, "list", "--sort", "score", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert {Path(r["path"]).name for r in ranked[:2]} == {"odd_tone.wav", "odd_tone_2.wav"}
    audiogen.write(drums_with_odd_ones / "late.wav", audiogen.drum_loop(seed=77))
    assert "run 1: scored 1 new loop," in start()  # (it read "1 new loops")
    assert "scores are up to date (run 1)" in start()
    main(["--library", library, "flag", str(drums_with_odd_ones / "drums_03.wav"), "--unusual"])
    capsys.readouterr()
    assert "scores" not in start("--no-train").split("library:")[0]
    assert "run 2: default (dsp) on 19 loops" in start()
    report = json.loads(start("--json"))  # one object for a timer's log
    assert report["library"] == library and report["scan"]["unchanged"] == 19
    assert (report["embed"]["embedded"], report["embed"]["skipped"]) == (0, 19)
    assert report["scoring"] == "scores are up to date (run 2)"
    assert report["scores"]["action"] is None and report["scores"]["scored"] == 19


def test_start_on_too_few_loops_says_training_waits(tmp_path, capsys):
    folder = tmp_path / "few"
    for i in range(3):
        audiogen.write(folder / f"loop_{i}.wav", audiogen.drum_loop(seed=i))
    assert main(["--library", str(tmp_path / "few.sqlite"), "start", str(folder), "-q"]) == 0
    out = capsys.readouterr().out
    assert "not trained: 3 loops embedded: learning what is normal needs at least 5" in out


def test_a_deviation_at_the_clip_reads_as_at_least_that_much():
    from anomalizer_desktop.core.analysis.explain import spreads_text
    from anomalizer_desktop.core.detector.preprocess import CLIP

    assert spreads_text(1.84) == "+1.8σ"
    assert spreads_text(CLIP) == "+8σ or more"
    assert spreads_text(-CLIP) == "-8σ or more"


def test_vectors_of_an_older_dsp_version_ask_for_new_embeddings_and_start_makes_them(
    embedded, capsys
):
    """After an upgrade the library still holds the old version's vectors, and the last run
    scored those: the scores look current but are not this version's. The status says so,
    and `start` (or the GUI's button) embeds again and trains."""
    from anomalizer_desktop.core.detector.freshness import EMBED
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    embedded.set_flag([embedded.list_samples()[0].id], "unusual")
    embedded.execute("UPDATE features SET version = '3'")  # what the previous release made
    run_job(train(embedded, ModelSpec(), "dsp"))
    status = _status(embedded)
    assert (status.action, status.embedded, status.scored) == (EMBED, 18, 18)
    assert status.message == (
        f"18 loops have dsp v3 vectors; this version describes sounds as dsp "
        f"v{DspEmbedder.version}: update the embeddings and train"
    )
    folder = str(Path(embedded.list_samples()[0].path).parent)
    assert main(["--library", str(embedded.path), "start", folder, "-q"]) == 0
    out = capsys.readouterr().out
    assert "run 2: default (dsp) on 18 loops" in out
    versions = embedded.execute("SELECT DISTINCT version FROM features").fetchall()
    assert versions == [(DspEmbedder.version,)]
    config = json.loads(embedded.execute("SELECT config FROM runs WHERE id = 2").fetchone()[0])
    assert config["embedder_version"] == DspEmbedder.version
    assert config["labelled"] == {"typical": 0, "unusual": 1}  # the flag survived and was used
    assert _status(embedded).current
    # the job alone embeds again too; run 2 was trained on exactly those vectors, so no retrain
    from anomalizer_desktop.core.detector.training import refresh_scores

    embedded.execute("UPDATE features SET version = '3'")
    assert run_job(refresh_scores(embedded)) == "scores are up to date (run 2)"
    assert embedded.execute("SELECT DISTINCT version FROM features").fetchall() == versions


def test_scores_from_another_embedder_than_the_chosen_one_ask_for_training(embedded):
    from anomalizer_desktop.core.detector.freshness import DESCRIBE, TRAIN, score_status

    run_job(train(embedded, ModelSpec("knn"), "dsp"))
    assert score_status(embedded, "mine").current  # no "mine" vectors yet: nothing to train
    # a built-in embedder chosen that has described no loop (CLAP picked in the window): the
    # run's own status showed, and its Score new loops embedded with CLAP
    clap = score_status(embedded, "clap")
    assert (clap.action, clap.embedder, clap.embedded, clap.other_embedder) == (
        DESCRIBE,
        "clap",
        0,
        True,
    )
    assert clap.message == (
        "the scores on show come from dsp vectors (run 1); no loop has clap vectors yet: embed"
        " the library with clap and train to score it with clap"
    )
    rng = np.random.default_rng(0)
    for record in embedded.list_samples():
        embedded.put_features(record.id, "mine", "1", rng.standard_normal(8))
    chosen = score_status(embedded, "mine")
    assert (chosen.action, chosen.embedder, chosen.embedded, chosen.scored) == (
        TRAIN,
        "mine",
        18,
        0,
    )
    assert chosen.message == (
        "the scores on show come from dsp vectors (run 1); 18 loops have mine vectors: "
        "train to score them with mine"
    )
    assert score_status(embedded, "dsp").current
    run_job(train(embedded, ModelSpec("knn"), "mine"))
    assert score_status(embedded, "mine").current
    assert score_status(embedded, "dsp").action == TRAIN  # and now the other way round


def test_the_summary_never_says_an_ordinary_aspectstands_out():
    from types import SimpleNamespace

    from anomalizer_desktop.core.analysis.explain import Deviation, _summary

    def deviation(group, percentile):
        words = {"rhythm": "rhythm and tempo", "length": "length"}[group]
        descriptor = {"name": "onset rate", "z": 1.2, "direction": "higher"}
        return Deviation(group, words, percentile, [descriptor | {"words": f"{group} is off"}])

    cases = [  # (name, percentile, flag, [(aspect, percentile)], what the summary says)
        (
            "odd.wav",
            99.7,
            "unusual",
            [("rhythm", 50.0), ("length", 10.0)],
            "odd.wav is more unusual than 99% of your library. No single aspect stands out."
            " Closest: its rhythm and tempo (more than 50% of loops): rhythm is off. You"
            " flagged it unusual.",
        ),
        (
            "rare.wav",
            99.7,
            None,
            [("rhythm", 50.0)],
            "rare.wav is more unusual than 99% of your library. No single aspect stands out; it"
            " is the mix of them that is rare here. Closest: its rhythm and tempo (more than 50%"
            " of loops): rhythm is off.",
        ),
        (
            "plain.wav",
            40.0,
            None,
            [("rhythm", 60.0)],
            "plain.wav is more unusual than 40% of your library. No single aspect stands out."
            " Closest: its rhythm and tempo (more than 60% of loops): rhythm is off.",
        ),
        (
            "long.wav",
            95.0,
            "typical",
            [("length", 97.0), ("rhythm", 85.0)],
            "long.wav is more unusual than 95% of your library. Its length stands out (more"
            " than 97% of loops): length is off. Its rhythm and tempo stand out (more than 85%"
            " of loops): rhythm is off. You flagged it typical.",
        ),
    ]
    for name, percentile, flag, aspects, expected in cases:
        record = SimpleNamespace(path=f"/l/{name}", percentile=percentile, flag=flag)
        assert _summary(record, [deviation(*a) for a in aspects], []) == expected

    # a loop of a small pack: its length stands out from the library, yet it ranks low
    pack = SimpleNamespace(path="/l/pack_03.wav", percentile=2.0, flag=None)
    aspects = [deviation("length", 95.0)]
    assert _summary(pack, aspects, [], by_neighbours=True) == (
        "pack_03.wav is more unusual than 2% of your library. Its length stands out (more than"
        " 95% of loops): length is off. It ranks low all the same: the loops nearest to it"
        " share what sets it apart."
    )
    assert "ranks low" not in _summary(pack, aspects, [])  # Deep SVDD: not by neighbours
    high = SimpleNamespace(path="/l/x.wav", percentile=97.0, flag=None)
    assert "ranks low" not in _summary(high, aspects, [], by_neighbours=True)


def test_loops_like_a_loop_come_nearest_first_and_match_the_explanation(
    embedded, drums_with_odd_ones, capsys
):
    from anomalizer_desktop.core.analysis.explain import explain
    from anomalizer_desktop.core.analysis.likeness import likeness
    from anomalizer_desktop.core.analysis.loop_space import NotEmbeddedError

    tone = str(drums_with_odd_ones / "odd_tone.wav")
    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone_2.wav"].id], "unusual")
    run_job(train(embedded, ModelSpec("default"), "dsp"))
    result = likeness(embedded, tone)
    assert result.path == tone and result.distances[0] == 0.0 and len(result.ids) == 18
    assert (np.diff(result.distances) >= 0).all()  # nearest first
    # the other tone is its nearest loop, flagged unusual or not; the drums follow
    assert result.nearest(1) == [
        {
            "path": str(drums_with_odd_ones / "odd_tone_2.wav"),
            "distance": pytest.approx(result.distances[1], abs=1e-4),
            "flag": "unusual",
        }
    ]
    # the explanation's typical neighbours are the nearest loops not flagged unusual
    near = [n["path"] for n in explain(embedded, tone, neighbours=3).neighbours]
    kept = [p for p, f in zip(result.paths, result.flags, strict=True) if f != "unusual"]
    assert near == kept[1:4]
    assert likeness(embedded, tone).paths == result.paths  # the same order every time
    with pytest.raises(NotEmbeddedError, match=r"nope\.wav is not a loop of this library$"):
        likeness(embedded, str(drums_with_odd_ones / "nope.wav"))

    assert main(["--library", embedded.path, "similar", tone, "-n", "2", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [Path(n["path"]).name for n in shown["nearest"]] == [
        "odd_tone_2.wav",
        Path(result.paths[2]).name,
    ]


def test_a_silent_or_nearly_silent_loop_is_said_to_be_so_first(store, drums_with_odd_ones):
    from anomalizer_desktop.core.analysis.explain import explain

    audiogen.write(drums_with_odd_ones / "bounced_empty.wav", np.zeros(44100, np.float32))
    audiogen.write(drums_with_odd_ones / "very_quiet.wav", audiogen.tone(330, 1.0) * 3e-4)
    run_job(scan(store, [str(drums_with_odd_ones)]))
    run_job(embed(store, "dsp", workers=1))
    run_job(train(store, ModelSpec("default"), "dsp"))
    empty = explain(store, str(drums_with_odd_ones / "bounced_empty.wav")).summary
    assert empty.split(". ", 1)[1] == "It is silent: every sample is (nearly) zero."
    assert "stands out" not in empty and "aspect" not in empty  # its "tempo" is no tempo
    quiet = explain(store, str(drums_with_odd_ones / "very_quiet.wav")).summary
    assert "It is almost silent: its loudest moment is -" in quiet
    drum = explain(store, str(drums_with_odd_ones / "drums_03.wav")).summary
    assert "silent" not in drum


def test_copies_of_one_loop_are_said_to_be_like_the_rest_not_slightly_different(store, tmp_path):
    from anomalizer_desktop.core.analysis.explain import explain

    loop = audiogen.drum_loop(seed=4)
    for i in range(6):
        audiogen.write(tmp_path / "copies" / f"c{i}.wav", loop)
    run_job(scan(store, [str(tmp_path / "copies")]))
    run_job(embed(store, "dsp", workers=1))
    run_job(train(store, ModelSpec("default"), "dsp"))
    summary = explain(store, str(tmp_path / "copies" / "c3.wav")).summary
    assert summary.endswith(
        "Nothing sets it apart: it is like the rest of your library."
        " Your library holds 5 more copies of it."
    )
    assert "than usual" not in summary


def test_two_libraries_in_one_folder_keep_their_own_models(tmp_path, drums_with_odd_ones):
    """Run ids count per library: both libraries' run 1 was `detectors/run-00001.pt`, and the
    first library then scored its loops with the second one's model (its 16 drum loops came
    out 92 % unusual, the odd tone ordinary)."""
    from anomalizer_desktop.core.library.store import Store

    tones = tmp_path / "tones"
    for i in range(8):
        audiogen.write(tones / f"tone_{i}.wav", audiogen.tone(200 + 40 * i, 2.0))
    with Store(tmp_path / "a.sqlite") as first, Store(tmp_path / "b.sqlite") as second:
        for store, folder in ((first, drums_with_odd_ones), (second, tones)):
            run_job(scan(store, [str(folder)]))
            run_job(embed(store, "dsp", workers=1))
        trained = [run_job(train(store, ModelSpec(), "dsp")) for store in (first, second)]
        assert [Path(r.checkpoint) for r in trained] == [
            tmp_path / "detectors" / "a.sqlite" / "run-00001.pt",
            tmp_path / "detectors" / "b.sqlite" / "run-00001.pt",
        ]
        before = {r.path: r.score for r in first.list_samples()}
        run_job(score(first))
        assert {r.path: r.score for r in first.list_samples()} == pytest.approx(before)


def test_a_library_named_relative_to_the_working_folder_records_where_its_model_is(
    tmp_path, drums_with_odd_ones, monkeypatch
):
    """`anomalizer --library lib.sqlite train` recorded `detectors/run-00001.pt`, a path that
    only held from the folder it ran in: `score` from anywhere else said the model was gone."""
    monkeypatch.chdir(tmp_path)
    assert main(["--library", "lib.sqlite", "start", str(drums_with_odd_ones), "-q"]) == 0
    monkeypatch.chdir(drums_with_odd_ones)
    assert main(["--library", str(tmp_path / "lib.sqlite"), "score", "-q"]) == 0


def test_a_model_saved_for_another_run_is_refused_and_start_trains_anew(embedded, tmp_path):
    """A library's model file written over by another library's run of the same number (as
    versions before per-library folders did): refused, not used to score."""
    import shutil

    from anomalizer_desktop.core.detector.checkpoint import CheckpointError, save_checkpoint
    from anomalizer_desktop.core.detector.training import refresh_scores

    first = run_job(train(embedded, ModelSpec("knn"), "dsp"))
    other = run_job(train(embedded, ModelSpec("knn"), "dsp"))
    shutil.copy(other.checkpoint, first.checkpoint)
    with pytest.raises(CheckpointError, match="holds the model of another run"):
        run_job(score(embedded, first.run_id))
    # a checkpoint from before runs were recorded in it: its save time must match the run's
    model, _ = __import__(
        "anomalizer_desktop.core.detector.checkpoint", fromlist=["load_checkpoint"]
    ).load_checkpoint(other.checkpoint)
    save_checkpoint(model, other.checkpoint, {"id": "dsp", "version": "x", "dim": 1})
    with embedded.transaction() as db:
        db.execute("UPDATE runs SET created_at = created_at - 3600 WHERE id = ?", (other.run_id,))
    with pytest.raises(CheckpointError, match="holds the model of another run"):
        run_job(score(embedded, other.run_id))
    said = run_job(refresh_scores(embedded, "dsp"))  # nothing new: current, no model needed
    assert said == f"scores are up to date (run {other.run_id})"


def test_only_the_newest_runs_keep_their_models_and_scores(embedded, tmp_path):
    from anomalizer_desktop.core.detector.run_models import KEEP_RUN_MODELS

    legacy = tmp_path / "detectors" / "run-00001.pt"  # where every library's run 1 once went
    results = [run_job(train(embedded, ModelSpec("knn"), "dsp")) for _ in range(3)]
    Path(results[0].checkpoint).rename(legacy)
    with embedded.transaction() as db:
        config = json.loads(db.execute("SELECT config FROM runs WHERE id = 1").fetchone()[0])
        db.execute(
            "UPDATE runs SET config = ? WHERE id = 1",
            (json.dumps({**config, "checkpoint": str(legacy)}),),
        )
    results += [run_job(train(embedded, ModelSpec("knn"), "dsp")) for _ in range(KEEP_RUN_MODELS)]
    kept = sorted(p.name for p in (tmp_path / "detectors" / "library.sqlite").iterdir())
    assert kept == [f"run-{i:05d}.pt" for i in range(4, 4 + KEEP_RUN_MODELS)]
    assert legacy.exists()  # never deleted: it may be another library's
    with pytest.raises(TrainError, match="model of run 2 was removed when newer runs"):
        run_job(score(embedded, 2))
    # their scores go too (the newest runs' stay), their rows stay
    scored = dict(embedded.execute("SELECT run_id, COUNT(*) FROM scores GROUP BY run_id"))
    assert scored == {run_id: 18 for run_id in range(4, 9)}
    assert embedded.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 8
    # a run whose model was removed keeps no standardiser either (run 1's file was left)
    configs = dict(embedded.execute("SELECT id, config FROM runs"))
    assert [run_id for run_id, c in configs.items() if "standardizer" in json.loads(c)] == [
        1,
        *range(4, 9),
    ]
    assert len(run_job(score(embedded, 4))) and embedded.latest_run_id() == 8


def test_a_library_moved_with_its_detectors_folder_still_scores_with_its_models(
    tmp_path, drums_with_odd_ones
):
    """Runs record absolute paths: a library copied to another drive or computer with its
    `detectors/` folder said its model was gone and asked to train again."""
    from anomalizer_desktop.core.detector.freshness import SCORE
    from anomalizer_desktop.core.library.store import Store

    old = tmp_path / "old" / "library.sqlite"
    with Store(old) as store:
        run_job(scan(store, [str(drums_with_odd_ones)]))
        run_job(embed(store, "dsp", workers=1))
        trained = run_job(train(store, ModelSpec(), "dsp"))
    (tmp_path / "old").rename(tmp_path / "new")
    assert not Path(trained.checkpoint).exists()
    audiogen.write(drums_with_odd_ones / "new_loop.wav", audiogen.drum_loop(seed=99, bpm=120))
    with Store(tmp_path / "new" / "library.sqlite") as store:
        run_job(scan(store, [str(drums_with_odd_ones)]))
        run_job(embed(store, "dsp", workers=1))
        assert _status(store).action == SCORE
        assert run_job(score(store, only_new=True))["scored"] == 1
        assert _status(store).current


def test_copies_of_a_loop_share_its_score_and_are_named_not_listed_as_neighbours(
    store, drums_with_odd_ones, tmp_path, capsys
):
    """A pack copied into another folder: the copied odd tone stays on top with its original,
    its explanation names the copy once (not as a neighbour), and a copied drum loop takes
    one place among another loop's nearest, not two."""
    import shutil

    from anomalizer_desktop.core.analysis.explain import explain

    other = tmp_path / "project"
    other.mkdir()
    for name in ("odd_tone.wav", "drums_01.wav"):
        shutil.copy(drums_with_odd_ones / name, other / name)
    run_job(scan(store, [str(drums_with_odd_ones), str(other)]))
    run_job(embed(store, "dsp", workers=1))
    result = run_job(train(store, ModelSpec("default"), "dsp"))
    assert (result.trained_on, result.distinct) == (20, 18)
    assert result.loops_text() == "20 loops (18 distinct sounds)"
    ranked = [Path(r.path) for r in store.list_samples(sort="score", descending=True)]
    assert {p.name for p in ranked[:3]} == {"odd_tone.wav", "odd_tone_2.wav"}
    scores = {r.path: r.score for r in store.list_samples()}
    assert scores[str(other / "odd_tone.wav")] == scores[str(drums_with_odd_ones / "odd_tone.wav")]

    odd = explain(store, str(drums_with_odd_ones / "odd_tone.wav"))
    assert odd.copies == [str(other / "odd_tone.wav")]
    assert "Your library holds 1 more copy of it." in odd.summary
    assert all(Path(n["path"]).name != "odd_tone.wav" for n in odd.neighbours)
    for loop in sorted(drums_with_odd_ones.glob("drums_*.wav")):
        near = explain(store, str(loop), neighbours=8).neighbours
        names = [Path(n["path"]).name for n in near]
        assert len(names) == len(set(names)) == 8  # never both copies of drums_01
    assert explain(store, str(drums_with_odd_ones / "drums_02.wav")).copies == []

    lib = store.path
    assert main(["--library", str(lib), "train", "-q"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("run 2: default (dsp) on 20 loops (18 distinct sounds) in ")
    assert main(["--library", str(lib), "explain", str(other / "odd_tone.wav")]) == 0
    out = capsys.readouterr().out
    assert f"The same audio, elsewhere:\n  {drums_with_odd_ones / 'odd_tone.wav'}\n" in out


def test_retraining_with_other_flags_starts_from_the_last_search(embedded):
    """Retrain with flags: the vectors are the same, so the default detector takes every
    loop's neighbour candidates from the last fit (`neighbours.npz` beside the models), and
    scores as a training from nothing does. Other vectors search again."""
    from anomalizer_desktop.core.detector.run_models import detectors_folder

    lists = detectors_folder(embedded.path) / "neighbours.npz"
    first = run_job(train(embedded, ModelSpec(), "dsp"))
    assert lists.exists() and not first.search_reused
    records = {Path(r.path).name: r for r in embedded.list_samples()}
    embedded.set_flag([records["odd_tone.wav"].id], "unusual")
    embedded.set_flag([records["drums_03.wav"].id], "typical")
    again = run_job(train(embedded, ModelSpec(), "dsp"))
    assert again.search_reused
    assert " s (from the last training's neighbour search); " in again.summary()
    assert "neighbour search" not in first.summary()
    reused = {r.id: r.score for r in embedded.list_samples()}
    lists.unlink()
    fresh = run_job(train(embedded, ModelSpec(), "dsp"))
    assert not fresh.search_reused and lists.exists()
    assert {r.id: r.score for r in embedded.list_samples()} == reused
    # a loop described again (another vector) is another library for the lists
    from anomalizer_desktop.core.embedding.info import embedder_info

    version = embedder_info(embedded, "dsp").as_dict()["version"]
    ids, x = embedded.feature_matrix("dsp")
    embedded.put_features(int(ids[0]), "dsp", version, x[0] + 1.0)
    assert not run_job(train(embedded, ModelSpec(), "dsp")).search_reused
