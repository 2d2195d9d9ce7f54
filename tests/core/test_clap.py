"""CLAP embeddings from random-weight checkpoints in the official layout, fully offline."""

from __future__ import annotations

import http.server
import json
import sys
import threading
import time

import audiogen
import numpy as np
import pytest
import soundfile as sf
import torch
from clap_checkpoints import make_checkpoint

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.embedding.clap.embedder import ClapEmbedder
from anomalizer_desktop.core.embedding.clap.model import CheckpointKindError, load_encoder


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clap")
    return {
        "tiny-fusion": make_checkpoint(folder / "630k-audioset-fusion-best.pt", "tiny-fusion"),
        "base": make_checkpoint(folder / "music_audioset_epoch_15_esc_90.14.pt", "base"),
    }


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    paths = {}
    for seconds in (1, 10, 25, 60):
        path = folder / f"clip_{seconds:02d}s.wav"
        sf.write(path, audiogen.drum_loop(seconds=seconds, sr=22_050, seed=seconds), 22_050)
        paths[seconds] = path
    return paths


@pytest.fixture(scope="session")
def tiny(checkpoints):
    return ClapEmbedder(checkpoints["tiny-fusion"], device="cpu")


def test_laion_clap_package_init_is_never_imported(tiny):
    assert "laion_clap" not in sys.modules  # its __init__ loads tokenizers from a hub
    assert "torchvision" not in sys.modules


def test_families_are_detected_from_the_weights(checkpoints):
    tiny = load_encoder(checkpoints["tiny-fusion"])
    base = load_encoder(checkpoints["base"])
    assert (tiny.spec.model_name, tiny.spec.fusion, tiny.spec.feature_dim) == ("tiny", True, 768)
    assert (base.spec.model_name, base.spec.fusion, base.spec.feature_dim) == ("base", False, 1024)


def test_every_length_gives_a_finite_normalised_vector(tiny, clips):
    for seconds, path in clips.items():
        vector = tiny.embed_file(path)
        assert vector.shape == (512,), seconds
        assert np.isfinite(vector).all(), seconds
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_same_file_same_vector_and_batch_equals_one_by_one(tiny, clips):
    paths = list(clips.values())
    np.testing.assert_array_equal(tiny.embed_file(paths[2]), tiny.embed_file(paths[2]))
    batched = dict(tiny.embed_files([str(p) for p in paths]))
    for path in paths:
        np.testing.assert_allclose(batched[str(path)], tiny.embed_file(path), atol=1e-5)


def test_base_checkpoint_gives_1024_d_features_without_fusion(checkpoints, clips):
    base = ClapEmbedder(checkpoints["base"], output="features", device="cpu")
    assert (base.dim, base.fusion) == (1024, False)
    for seconds in (1, 25):
        vector = base.embed_file(clips[seconds])
        assert vector.shape == (1024,)
        assert np.isfinite(vector).all()
    assert base.version.startswith("music_audioset_epoch_15_esc_90.14:")
    assert base.version.endswith(":features")


def test_wrong_and_damaged_checkpoints_give_clear_errors(checkpoints, tmp_path):
    truncated = tmp_path / "truncated.pt"
    data = checkpoints["tiny-fusion"].read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointKindError, match="not a readable checkpoint"):
        load_encoder(truncated)
    pann = tmp_path / "pann.pt"
    torch.save(
        {
            "state_dict": {
                "module.audio_branch.conv_block1.conv1.weight": torch.zeros(2),
                "module.text_branch.x": torch.zeros(2),
            }
        },
        pann,
    )
    with pytest.raises(CheckpointKindError, match="PANN"):
        load_encoder(pann)
    text_only = tmp_path / "text.pt"
    torch.save({"state_dict": {"module.text_branch.x": torch.zeros(2)}}, text_only)
    with pytest.raises(CheckpointKindError, match="not an HTS-AT laion-clap checkpoint"):
        load_encoder(text_only)
    state = torch.load(checkpoints["tiny-fusion"], weights_only=True)["state_dict"]
    missing = {k: v for k, v in state.items() if "layers.2" not in k}
    broken = tmp_path / "missing.pt"
    torch.save({"state_dict": missing}, broken)
    with pytest.raises(CheckpointKindError, match="lacks"):
        load_encoder(broken)


def test_embed_job_stores_clap_vectors_with_checkpoint_identity(
    checkpoints, clips, tmp_path, capsys
):
    lib = str(tmp_path / "lib.sqlite")
    folder = clips[1].parent
    assert main(["--library", lib, "scan", str(folder), "-q"]) == 0
    capsys.readouterr()
    args = [
        "--library",
        lib,
        "embed",
        "--embedder",
        "clap",
        "--checkpoint",
        str(checkpoints["tiny-fusion"]),
        "--device",
        "cpu",
        "--json",
        "-q",
    ]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["embedded"] == 4
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["embedded"] == 0
    assert main(["--library", lib, "info", "--json"]) == 0
    embedders = json.loads(capsys.readouterr().out)["embedders"]
    [(key, count)] = embedders.items()
    assert key.startswith("clap:630k-audioset-fusion-best:") and key.endswith(":projected")
    assert count == 4


def test_no_checkpoint_installed_says_what_to_fetch(tmp_path, monkeypatch, capsys, clips):
    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "empty"))
    lib = str(tmp_path / "lib.sqlite")
    main(["--library", lib, "scan", str(clips[1].parent), "-q"])
    assert main(["--library", lib, "embed", "--embedder", "clap"]) == 1
    message = capsys.readouterr().err
    assert "630k-audioset-fusion-best.pt" in message and str(tmp_path / "empty") in message


def test_models_import_list_remove(checkpoints, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    assert main(["models", "import", str(checkpoints["tiny-fusion"])]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    [entry] = listing["installed"]
    assert entry["family"] == "HTSAT-tiny fusion"
    assert main(["models", "remove", "630k-audioset-fusion-best.pt"]) == 0
    assert not (tmp_path / "models" / "630k-audioset-fusion-best.pt").exists()
    bogus = tmp_path / "bogus.pt"
    bogus.write_text("nope")
    assert main(["models", "import", str(bogus)]) == 1


def test_download_without_a_network_fails_fast_and_plainly(tmp_path, monkeypatch):
    from anomalizer_desktop.core.embedding.clap.download import DownloadError, download

    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    start = time.monotonic()
    with pytest.raises(DownloadError) as caught:  # a closed port on loopback: refused at once
        download("630k-fusion-best.pt", url="http://127.0.0.1:9/630k-fusion-best.pt")
    assert time.monotonic() - start < 10
    assert "630k-fusion-best.pt" in str(caught.value)
    assert str(tmp_path / "models") in str(caught.value)


def test_download_from_a_loopback_server_installs_and_checks(checkpoints, tmp_path, monkeypatch):
    from anomalizer_desktop.core.embedding.clap.download import download

    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    served = checkpoints["tiny-fusion"].parent

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        seen = []
        url = f"http://127.0.0.1:{server.server_port}/630k-audioset-fusion-best.pt"
        path = download("630k-audioset-fusion-best.pt", lambda d, t: seen.append((d, t)), url=url)
    finally:
        server.shutdown()
    assert path == tmp_path / "models" / "630k-audioset-fusion-best.pt"
    assert path.stat().st_size == checkpoints["tiny-fusion"].stat().st_size
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert not (tmp_path / "models" / "630k-audioset-fusion-best.pt.part").exists()
