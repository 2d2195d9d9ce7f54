"""`anomalizer evaluate`: protocols on known answers, JSON shape, audio and feature forms."""

from __future__ import annotations

import json

import audiogen
import numpy as np
import pytest

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.analysis.evaluation import (
    ASSISTED_ONLY,
    DETECTORS,
    EvaluationError,
    Scenario,
    evaluate_scenario,
    format_table,
    load_feature_scenarios,
)
from anomalizer_desktop.core.embedding.dsp_features import FEATURE_DIM, feature_groups
from anomalizer_desktop.core.jobs import run_job


def separable(n=60, n_out=6, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(0, 1, (n, dim)), rng.normal(8, 1, (n_out, dim))])
    return x.astype(np.float32), np.r_[np.zeros(n, bool), np.ones(n_out, bool)]


def test_protocols_give_auc_one_on_separable_data():
    x, y = separable()
    result = run_job(evaluate_scenario(Scenario("s", x, y), detectors=("knn", "default")))
    assert set(result) == {"library", "clean", "assisted"}
    assert set(result["assisted"]) == {"knn", "default", "sad-AE", "sad-AEwRES", "sad-Baseline"}
    for protocol in result:
        for detector in ("knn", "default"):
            assert result[protocol][detector] == pytest.approx(1.0), (protocol, detector)


def test_random_scores_give_auc_near_half():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (200, 8)).astype(np.float32)
    y = rng.random(200) < 0.2
    result = run_job(evaluate_scenario(Scenario("r", x, y), ("library",), ("knn",)))
    assert abs(result["library"]["knn"] - 0.5) < 0.12


def evaluate_cli(*source: str, out) -> int:
    """`anomalizer evaluate SOURCE --protocol library --json OUT`, short training, quiet."""
    command = ["evaluate", *source, "--protocol", "library", "--json", str(out)]
    return main([*command, "--epochs", "2", "-q"])


def test_evaluate_refuses_to_write_its_json_over_another_kind_of_file_before_starting(
    tmp_path, capsys
):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    assert evaluate_cli(str(tmp_path / "no corpus here"), out=notes) == 1
    assert "notes.txt exists and is not a .json file" in capsys.readouterr().err
    assert notes.read_text() == "mine"


def write_kit_corpus(root):
    """One scenario, `kit`: 10 synthetic drum loops (normal) and 2 tones (outliers)."""
    kit = root / "kit"
    rows = ["path,label"]
    for i in range(10):
        audiogen.write(kit / "normal" / f"d{i}.wav", audiogen.drum_loop(seed=i))
        rows.append(f"normal/d{i}.wav,normal")
    for i in range(2):
        audiogen.write(kit / "outlier" / f"t{i}.wav", audiogen.tone(300 + 100 * i, 2.0))
        rows.append(f"outlier/t{i}.wav,outlier")
    (kit / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def test_feature_and_audio_forms_share_the_json_shape(tmp_path):
    features = tmp_path / "features"
    features.mkdir()
    for name, seed in (("alpha", 0), ("beta", 1)):
        x, y = separable(seed=seed)
        np.savez(features / f"{name}.npz", x=x, y=y, paths=np.array([f"{i}.wav" for i in y]))
    out = tmp_path / "f.json"
    assert evaluate_cli("--features", str(features), out=out) == 0
    feature_result = json.loads(out.read_text())
    assert feature_result["embedder"] == "features"
    assert feature_result["mean"]["library"]["knn"] == pytest.approx(1.0)

    corpus = write_kit_corpus(tmp_path / "corpus")
    out_audio = tmp_path / "a.json"
    assert evaluate_cli(str(corpus), out=out_audio) == 0
    audio_result = json.loads(out_audio.read_text())
    assert audio_result["embedder"] == "dsp"
    assert set(audio_result) == set(feature_result)
    assert set(audio_result["scenarios"]["kit"]["library"]) == set(
        feature_result["scenarios"]["alpha"]["library"]
    )
    assert audio_result["mean"]["library"]["default"] > 0.9


def test_saved_scenario_features_evaluate_like_the_audio(tmp_path):
    corpus = write_kit_corpus(tmp_path / "corpus")
    saved = tmp_path / "saved"
    command = ["evaluate", str(corpus), "--protocol", "library", "-q", "--save-features"]
    assert main([*command, str(saved), "--json", str(tmp_path / "a.json")]) == 0
    [scenario] = load_feature_scenarios(saved)
    assert scenario.name == "kit" and scenario.x.shape == (12, FEATURE_DIM)
    assert scenario.groups == feature_groups()  # so the aspects detector sees the groups
    assert sorted(scenario.paths) == sorted(
        [f"normal/d{i}.wav" for i in range(10)] + ["outlier/t0.wav", "outlier/t1.wav"]
    )
    assert scenario.y.sum() == 2 and all(
        p.startswith("outlier/") for p, out in zip(scenario.paths, scenario.y, strict=True) if out
    )
    audio = json.loads((tmp_path / "a.json").read_text())
    again = run_job(evaluate_scenario(scenario, ("library",)))
    assert again == audio["scenarios"]["kit"]  # same vectors, groups and seeds: same AUCs


def test_group_bounds_are_checked(tmp_path):
    x, y = separable()
    for bounds, message in (([[0, 4]], "one start < stop"), ([[0, 4], [4, 99]], "reach past")):
        folder = tmp_path / str(len(bounds)) / message.split()[0]
        folder.mkdir(parents=True)
        names = np.array(["timbre", "pitch"])
        np.savez(folder / "s.npz", x=x, y=y, group_names=names, group_bounds=np.array(bounds))
        with pytest.raises(EvaluationError, match=message):
            load_feature_scenarios(folder)


def test_bad_feature_files_give_clear_errors(tmp_path):
    x, y = separable()
    bad_nan = x.copy()
    bad_nan[0, 0] = np.nan
    cases = {
        "nan.npz": dict(x=bad_nan, y=y),
        "dims.npz": dict(x=x, y=y[:-1]),
        "one_class.npz": dict(x=x, y=np.zeros(len(x), bool)),
    }
    for name, arrays in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        np.savez(folder / name, **arrays)
        with pytest.raises(EvaluationError):
            load_feature_scenarios(folder)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "s.npz").write_text("not a zip")
    with pytest.raises(EvaluationError, match="not a features file"):
        load_feature_scenarios(junk)
    (junk / "s.npz").write_bytes(b"PK\x03\x04 a broken zip")
    with pytest.raises(EvaluationError, match="not a features file"):
        load_feature_scenarios(junk)
    with pytest.raises(EvaluationError, match=r"no <scenario>\.npz"):
        load_feature_scenarios(tmp_path / "missing")


def test_the_table_shows_whole_scenario_names_and_the_mean():
    result = {
        "embedder": "dsp",
        "scenarios": {
            "hand_percussion_long_name": {"library": {"default": 0.9, "knn": 0.8}},
            "kicks": {"library": {"default": 0.7, "knn": 0.95}},
        },
        "mean": {"library": {"default": 0.8, "knn": 0.875}},
    }
    table = format_table(result)
    header, best, second = table.splitlines()[2:5]
    assert "hand_percussion_long_name" in header and header.split()[-1] == "mean"
    assert best.split() == ["knn", "0.800", "0.950", "0.875"]  # sorted by mean
    assert second.split() == ["default", "0.900", "0.700", "0.800"]


@pytest.mark.parametrize(
    "content, says",
    [
        (b"file,class\nx.wav,normal\n", "must name the columns path,label"),
        (b"path,label\nx.wav,weird\n", "line 2: expected a path and a label"),
        (b"path,label\n,outlier\n", "line 2: expected a path and a label"),
        (b"\xff\xfe garbage", "not UTF-8 text"),
        (b"", "found nothing"),
    ],
)
def test_a_bad_labels_file_is_a_clear_error(tmp_path, capsys, content, says):
    from anomalizer_desktop.core.analysis.evaluation import read_labels

    scenario = tmp_path / "corpus" / "s1"
    scenario.mkdir(parents=True)
    (scenario / "labels.csv").write_bytes(content)
    with pytest.raises(EvaluationError, match=says):
        read_labels(scenario)
    assert main(["evaluate", str(tmp_path / "corpus"), "-q"]) == 1
    assert says in capsys.readouterr().err


def test_labels_from_a_spreadsheet_read_as_written(tmp_path):
    """Excel writes a byte-order mark and may capitalise; both are fine."""
    from anomalizer_desktop.core.analysis.evaluation import read_labels

    (tmp_path / "labels.csv").write_bytes(
        "\ufeffPath,Label\r\na.wav,Normal\r\nb.wav, OUTLIER \r\n".encode()
    )
    labels = read_labels(tmp_path)
    assert labels == {
        str((tmp_path / "a.wav").resolve()): False,
        str((tmp_path / "b.wav").resolve()): True,
    }


def test_files_left_out_of_the_aucs_are_named_with_the_reason(tmp_path, capsys):
    corpus = write_kit_corpus(tmp_path / "corpus")
    kit = corpus / "kit"
    audiogen.text_as_wav(kit / "normal" / "broken.wav")
    audiogen.write(kit / "normal" / "unlisted.wav", audiogen.drum_loop(seed=50))
    with open(kit / "labels.csv", "a") as labels:
        labels.write("normal/broken.wav,normal\nnormal/gone.wav,normal\n")
    out = tmp_path / "a.json"
    assert evaluate_cli(str(corpus), out=out) == 0
    result = json.loads(out.read_text())
    assert result["left_out"] == {
        "kit": [
            {"path": "normal/broken.wav", "why": "not an audio file (the file contains text)"},
            {"path": "normal/gone.wav", "why": "listed in labels.csv, not found"},
            {"path": "normal/unlisted.wav", "why": "not listed in labels.csv"},
        ]
    }
    said = capsys.readouterr().err
    assert "kit: 3 files left out of the AUCs:" in said
    assert "normal/gone.wav: listed in labels.csv, not found" in said
    assert evaluate_cli(str(write_kit_corpus(tmp_path / "clean")), out=tmp_path / "c.json") == 0
    clean = json.loads((tmp_path / "c.json").read_text())
    assert set(clean) == {"embedder", "scenarios", "mean"}  # the shape when all is well


def test_detectors_can_be_chosen_and_sad_runs_under_assisted_only(tmp_path, capsys):
    from anomalizer_desktop.core.analysis.evaluation import EvaluationError, chosen_detectors

    assert chosen_detectors(None) == (DETECTORS, ASSISTED_ONLY)
    assert chosen_detectors("knn, default,knn,sad-AE") == (("knn", "default"), ("sad-AE",))
    with pytest.raises(EvaluationError, match="unknown detector 'knnn'"):
        chosen_detectors("default,knnn")
    features = tmp_path / "features"
    features.mkdir()
    x, y = separable()
    np.savez(features / "alpha.npz", x=x, y=y)
    out = tmp_path / "r.json"
    command = ["evaluate", "--features", str(features), "-q", "--json", str(out)]
    assert main([*command, "--detectors", "default,sad-Baseline", "--epochs", "2"]) == 0
    result = json.loads(out.read_text())["mean"]
    assert {p: set(d) for p, d in result.items()} == {
        "library": {"default"},
        "clean": {"default"},
        "assisted": {"default", "sad-Baseline"},
    }
    assert main([*command, "--detectors", "sad-AE", "--protocol", "library"]) == 1
    assert "add --protocol assisted" in capsys.readouterr().err
