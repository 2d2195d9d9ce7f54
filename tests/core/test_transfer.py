"""Embeddings from elsewhere: Parquet export/import round trip, NPZ import, bad inputs."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.embedding.transfer import (
    FeatureFileError,
    export_features,
    import_features,
)
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


def scores_by_name(store: Store) -> dict[str, float]:
    return {r.path.rsplit("/", 1)[-1]: r.score for r in store.list_samples()}


@pytest.fixture
def source(tmp_path, loop_folder):
    with Store(tmp_path / "source.sqlite") as store:
        run_job(scan(store, [str(loop_folder)]))
        run_job(embed(store, "dsp", workers=1))
        yield store


def test_round_trip_to_a_library_under_another_root_gives_identical_scores(
    source, tmp_path, loop_folder
):
    out = export_features(source, "dsp", tmp_path / "features.parquet")
    assert out["rows"] == 12
    if os.name == "posix":  # a file to take elsewhere: not private like its temporary file
        umask = os.umask(0)
        os.umask(umask)
        assert (tmp_path / "features.parquet").stat().st_mode & 0o777 == 0o666 & ~umask
    table = pq.read_table(tmp_path / "features.parquet")
    assert {"path", "content_hash", "embedder", "dim", "vector"} <= set(table.column_names)
    assert pa.types.is_fixed_size_list(table.schema.field("vector").type)
    run_job(train(source, ModelSpec("default"), "dsp", tmp_path / "m1"))

    elsewhere = tmp_path / "laptop" / "Samples"
    shutil.copytree(loop_folder, elsewhere)
    with Store(tmp_path / "laptop.sqlite") as laptop:
        run_job(scan(laptop, [str(elsewhere)]))
        summary = import_features(laptop, tmp_path / "features.parquet", "dsp")
        assert (summary.imported, summary.by_hash, summary.unmatched) == (12, 12, [])
        assert laptop.samples_to_embed("dsp", summary.version) == []
        run_job(train(laptop, ModelSpec("default"), "dsp", tmp_path / "m2"))
        theirs, ours = scores_by_name(source), scores_by_name(laptop)
        assert set(theirs) == set(ours)
        for name, score in theirs.items():
            assert ours[name] == pytest.approx(score, abs=1e-6)


def test_npz_import_matches_by_path_below_a_moved_root(source, tmp_path, loop_folder):
    ids, x = source.feature_matrix("dsp")
    paths = dict(source.execute("SELECT id, path FROM samples").fetchall())
    studio_paths = [paths[int(i)].replace(str(loop_folder), "/mnt/studio/Loops") for i in ids]
    np.savez(tmp_path / "studio.npz", x=x[:, :40] * 2, paths=np.array(studio_paths))
    summary = import_features(source, tmp_path / "studio.npz", "studio")
    assert (summary.imported, summary.by_path, summary.unmatched) == (12, 12, [])
    assert summary.dim == 40
    run_job(train(source, ModelSpec("knn"), "studio", tmp_path / "m"))  # first-class vectors
    from anomalizer_desktop.core.analysis.explain import explain
    from anomalizer_desktop.core.analysis.projection import library_map

    assert library_map(source, "studio").xy.shape == (12, 2)
    studio = explain(source, paths[int(ids[0])], "studio")
    assert studio.deviations[0].group == "all"
    # imported vectors have no words for their dimensions: the summary names one and its size
    assert "words" not in studio.deviations[0].top_descriptors[0]
    assert "dimension " in studio.summary and "σ)." in studio.summary


def test_unmatched_rows_are_reported_not_guessed(source, tmp_path):
    _, x = source.feature_matrix("dsp")
    np.savez(tmp_path / "f.npz", x=x[:2], paths=np.array(["/nowhere/a.wav", "/elsewhere/zz.wav"]))
    summary = import_features(source, tmp_path / "f.npz", "other")
    assert summary.imported == 0
    assert summary.unmatched == ["/nowhere/a.wav", "/elsewhere/zz.wav"]


def _snapshot(store: Store):
    return store.execute(
        "SELECT sample_id, embedder, version, vector FROM features ORDER BY 1, 2"
    ).fetchall()


def test_bad_inputs_give_clear_errors_and_change_nothing(source, tmp_path):
    before = _snapshot(source)
    _, x = source.feature_matrix("dsp")
    paths = [p for (p,) in source.execute("SELECT path FROM samples ORDER BY id")]
    cases = {}
    np.savez(tmp_path / "wrongdim.npz", x=x[:, :10], paths=np.array(paths))
    cases["wrongdim.npz"] = "are 287-d" if x.shape[1] == 287 else "-d"
    nan = x.copy()
    nan[3, 5] = np.nan
    np.savez(tmp_path / "nan.npz", x=nan, paths=np.array(paths))
    cases["nan.npz"] = "NaN"
    np.savez(tmp_path / "dupes.npz", x=x[:2], paths=np.array([paths[0], paths[0]]))
    cases["dupes.npz"] = "more than once"
    (tmp_path / "notes.parquet").write_text("not parquet at all")
    cases["notes.parquet"] = "not a readable Parquet file"
    (tmp_path / "table.csv").write_text("a,b\n")
    cases["table.csv"] = "expected a .parquet or .npz"
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 broken")
    cases["junk.npz"] = "not a features NPZ"
    for name, message in cases.items():
        with pytest.raises(FeatureFileError, match=message):
            import_features(source, tmp_path / name, "dsp")
    assert _snapshot(source) == before


def test_exporting_vectors_never_replaces_a_file_of_another_kind(tmp_path, loop_folder, capsys):
    lib = str(tmp_path / "a.sqlite")
    main(["--library", lib, "scan", str(loop_folder), "-q"])
    main(["--library", lib, "embed", "-q", "--workers", "1"])
    loop = loop_folder / "noise.wav"
    before = loop.read_bytes()
    assert main(["--library", lib, "features", "export", str(loop)]) == 1
    assert "noise.wav exists and is not a .parquet file" in capsys.readouterr().err
    assert loop.read_bytes() == before


def test_cli_features_export_and_import(tmp_path, loop_folder, capsys):
    lib = str(tmp_path / "a.sqlite")
    main(["--library", lib, "scan", str(loop_folder), "-q"])
    main(["--library", lib, "embed", "-q", "--workers", "1"])
    assert main(["--library", lib, "features", "export", str(tmp_path / "v.parquet")]) == 0
    other = str(tmp_path / "b.sqlite")
    main(["--library", other, "scan", str(loop_folder), "-q"])
    capsys.readouterr()
    assert (
        main(
            [
                "--library",
                other,
                "features",
                "import",
                str(tmp_path / "v.parquet"),
                "--embedder",
                "dsp",
                "--json",
            ]
        )
        == 0
    )
    import json

    assert json.loads(capsys.readouterr().out)["imported"] == 12
    assert (
        main(
            [
                "--library",
                other,
                "features",
                "import",
                str(tmp_path / "nope.npz"),
                "--embedder",
                "x",
            ]
        )
        == 1
    )
    assert "no such file" in capsys.readouterr().err
