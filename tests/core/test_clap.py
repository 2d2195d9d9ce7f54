"""CLAP embeddings from random-weight checkpoints in the official layout, fully offline."""

from __future__ import annotations

import http.server
import json
import os
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
from anomalizer_desktop.core.audio.decode import AudioDecodeError
from anomalizer_desktop.core.embedding.clap import decoding, preprocess
from anomalizer_desktop.core.embedding.clap.embedder import ClapEmbedder
from anomalizer_desktop.core.embedding.clap.model import CheckpointKindError, load_encoder
from anomalizer_desktop.core.jobs import run_job


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


def test_mels_made_with_the_batch_equal_mels_made_per_clip(clips):
    rng = np.random.default_rng(3)
    lengths = (20_000, 48_000, preprocess.MAX_LEN, preprocess.MAX_LEN + 200, 25 * 48_000)
    ys = [decoding.quantize(rng.uniform(-0.5, 0.5, n).astype(np.float32)) for n in lengths]
    padded = preprocess.repeat_pad_on(ys[:3], "cpu")
    for row, y in zip(padded, ys[:3], strict=True):
        np.testing.assert_array_equal(row.numpy(), preprocess.repeat_pad(y))
    host = preprocess.collate([preprocess.fusion_input(y) for y in ys], fusion=True)
    batched = preprocess.collate(ys, fusion=True)
    assert host["mel_fusion"].shape == (5, 4, preprocess.CHUNK_FRAMES, preprocess.N_MELS)
    assert host["longer"].tolist() == [False, False, False, False, True]
    assert batched["longer"].tolist() == host["longer"].tolist()
    torch.testing.assert_close(batched["mel_fusion"], host["mel_fusion"], atol=1e-3, rtol=1e-5)


def test_mel_on_the_device_path_gives_the_same_vectors(checkpoints, clips, tmp_path):
    """The GPU path (clips padded and turned into mels with the batch), run on the CPU."""
    on_host = ClapEmbedder(checkpoints["tiny-fusion"], device="cpu")
    with_batch = ClapEmbedder(checkpoints["tiny-fusion"], device="cpu", decode_threads=3)
    with_batch.mel_on_device = True
    paths = [str(p) for p in clips.values()]
    prepared = with_batch.prepare(with_batch.decode(paths[0]))
    assert isinstance(prepared, np.ndarray) and prepared.shape == (48_000,)  # the 1 s clip
    assert isinstance(with_batch.prepare(with_batch.decode(paths[-1])), tuple)  # 60 s: host mel
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    expected = dict(on_host.embed_files(paths))
    results = dict(with_batch.embed_files([*paths, str(broken)]))
    for path in paths:
        np.testing.assert_allclose(results[path], expected[path], atol=1e-5)
    error = results[str(broken)]
    assert isinstance(error, AudioDecodeError) and error.path == str(broken) and error.kind


def test_decoding_processes_give_the_vectors_decoding_threads_give(checkpoints, clips, tmp_path):
    """The GPU's decoding path (worker processes sending int16 clips back), run on the CPU:
    bitwise the same vectors, and a bad file's error comes back whole from its process."""
    threads = ClapEmbedder(checkpoints["tiny-fusion"], device="cpu", batch_size=2)
    processes = ClapEmbedder(
        checkpoints["tiny-fusion"], device="cpu", batch_size=2, decode_processes=2
    )
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    paths = [str(p) for p in clips.values()] + [str(broken)]
    try:
        expected = dict(threads.embed_files(paths))
        results = dict(processes.embed_files(paths))
        again = dict(processes.embed_files(paths[:2]))  # the same pool, started once
    finally:
        processes.close()
    for path in paths[:-1]:
        np.testing.assert_array_equal(results[path], expected[path])
    np.testing.assert_array_equal(again[paths[0]], expected[paths[0]])
    error = results[str(broken)]
    assert isinstance(error, AudioDecodeError)
    assert (error.path, error.kind, error.message) == (
        expected[str(broken)].path,
        expected[str(broken)].kind,
        expected[str(broken)].message,
    )


def test_int16_clips_from_processes_are_the_quantised_clips():
    y = np.random.default_rng(0).uniform(-1.2, 1.2, 5000).astype(np.float32)
    np.testing.assert_array_equal(decoding.from_int16(decoding.to_int16(y)), decoding.quantize(y))


@pytest.mark.parametrize("slots", [0, 3])
def test_a_file_that_kills_its_decoding_process_fails_alone(tmp_path, slots):
    """With no shared-memory slots, and with fewer slots than files in flight (the rest come
    back through the pipe); every slot is free again afterwards."""
    from crashing_decoder import decode_or_die

    from anomalizer_desktop.core.embedding.clap.decode_workers import ProcessDecoder
    from anomalizer_desktop.core.parallel import WorkerCrashed

    names = ["a.wav", "b.wav", "crash.wav", "c.wav", "d.wav"]
    for i, name in enumerate(names):
        sf.write(tmp_path / name, audiogen.tone(220 + 40 * i, seconds=0.5), 48_000)
    decoder = ProcessDecoder(2, slots=slots, decode=decode_or_die)
    try:
        futures = [(decoder.submit(str(tmp_path / n)), str(tmp_path / n)) for n in names]
        results = [decoder.result(future, path) for future, path in futures]
        after = decoder.result(decoder.submit(str(tmp_path / "a.wav")), "a.wav")
        if slots:
            assert sorted(decoder.slots._free) == list(range(slots))
            slots_file = decoder.slots.path
    finally:
        decoder.close()
    if slots:
        assert not os.path.exists(slots_file)
    assert isinstance(results[2], WorkerCrashed) and "stopped the decoder" in str(results[2])
    for i in (0, 1, 3, 4):
        expected = decoding.decode_clip(tmp_path / names[i])
        np.testing.assert_array_equal(results[i], expected)
    np.testing.assert_array_equal(after, decoding.decode_clip(tmp_path / "a.wav"))


def test_work_sent_to_a_fresh_pool_survives_reading_the_old_pool_s_broken_results(tmp_path):
    """A crash breaks the pool with other files under way, and files sent since went to a
    fresh pool. Reading a broken result of the old pool must retry that file, not shut the
    fresh pool down (its waiting files were cancelled and the job failed)."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from crashing_decoder import decode_or_die

    from anomalizer_desktop.core.embedding.clap.decode_workers import ProcessDecoder

    names = ["a.wav", "slow_b.wav", "slow_c.wav", "d.wav", "e.wav"]
    for i, name in enumerate(names):
        sf.write(tmp_path / name, audiogen.tone(220 + 40 * i, seconds=0.5), 48_000)
    path = {name: str(tmp_path / name) for name in names}
    decoder = ProcessDecoder(1, slots=8, decode=decode_or_die)
    try:
        decoder._restart()  # the old pool went: this is its replacement
        fresh = [(decoder.submit(path[n]), path[n]) for n in names[1:]]  # d and e wait
        time.sleep(0.3)  # the fresh pool's worker has taken the slow ones
        broken = Future()  # a result of the old pool, read only now
        broken.set_exception(BrokenProcessPool("a worker died"))
        decoder._sent[broken] = (None, decoder._pool_number - 1)
        retried = decoder.result(broken, path["a.wav"])
        assert not any(future.cancelled() for future, _ in fresh)
        results = [decoder.result(*pair) for pair in fresh]
    finally:
        decoder.close()
    np.testing.assert_array_equal(retried, decoding.decode_clip(path["a.wav"]))
    for name, clip in zip(names[1:], results, strict=True):
        np.testing.assert_array_equal(clip, decoding.decode_clip(path[name]))


def test_clip_slots_are_refused_rather_than_overfilled_and_orphans_are_removed(
    tmp_path, monkeypatch
):
    """A /dev/shm too small for the slots would kill a worker with SIGBUS mid-clip: the space
    is reserved first and, refused, clips go through the pipe. Slot files of processes that
    are gone (killed) are removed by the next start; a live process's file stays."""
    import subprocess

    from anomalizer_desktop.core.embedding.clap import decode_workers

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    orphan = tmp_path / f"{decode_workers.PREFIX}{gone.stdout.strip()}-abc"
    mine = tmp_path / f"{decode_workers.PREFIX}{os.getpid()}-def"
    orphan.write_bytes(b"x")
    mine.write_bytes(b"x")
    decode_workers.remove_orphans(str(tmp_path))
    assert not orphan.exists() and mine.exists()

    slots = decode_workers.ClipSlots.create(3, samples=1000)
    assert slots is not None and os.path.getsize(slots.path) == 3 * 1000 * 2
    path = slots.path
    del slots  # unclosed: the file goes with it
    assert not os.path.exists(path)

    def full(fd, offset, size):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    assert decode_workers.ClipSlots.create(3) is None
    decoder = decode_workers.ProcessDecoder(2, slots=3)
    assert decoder._take_slot() is None and decoder.slots is None
    decoder.close()


def test_asking_for_decoding_threads_means_threads(checkpoints, monkeypatch):
    from anomalizer_desktop.core.embedding.clap import embedder as embedder_module

    monkeypatch.setattr(embedder_module, "decode_processes_for", lambda device: 5)
    default = ClapEmbedder(checkpoints["tiny-fusion"], device="cpu")
    threads = ClapEmbedder(checkpoints["tiny-fusion"], device="cpu", decode_threads=3)
    both = ClapEmbedder(
        checkpoints["tiny-fusion"], device="cpu", decode_threads=3, decode_processes=2
    )
    try:
        assert (default.decode_processes, threads.decode_processes) == (5, 0)
        assert (both.decode_processes, both.decode_threads) == (2, 3)
        assert default._processes.slot_count == 2 * default.batch_size
    finally:
        for embedder in (default, threads, both):
            embedder.close()


def test_half_precision_autocast_embeds_a_batch_holding_a_long_clip(tiny, clips):
    """What CUDA autocast does, on the CPU: laion-clap's fusion layer returned float32 into a
    bfloat16 tensor and every batch with a clip over 10 s failed."""
    items = [tiny.prepare(tiny.decode(clips[s])) for s in (1, 25)]
    assert [longer for _, longer in items] == [False, True]
    with torch.inference_mode():
        exact = tiny.encoder(preprocess.collate(items, fusion=True))[1]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            half = tiny.encoder(preprocess.collate(items, fusion=True))[1].float()
    assert torch.isfinite(half).all()
    assert torch.nn.functional.cosine_similarity(half, exact).min() > 0.98


def test_bench_embed_clap_reports_both_ways_on_the_same_files(checkpoints, clips, capsys):
    folder = str(clips[1].parent)
    args = ["bench", "embed", folder, "--embedder", "clap", "--checkpoint"]
    args += [str(checkpoints["tiny-fusion"]), "--device", "cpu", "--repeats", "1"]
    assert main([*args, "--json", "--batch-size", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["files"], report["batch_size"], report["device"]) == (4, 2, "cpu")
    assert report["clap"]["ok"] == report["seed_shape"]["ok"] == 4
    assert report["clap"]["files_per_s"] > 0 and report["seed_shape"]["files_per_s"] > 0
    assert report["mel_on_device"] is False and "gpu" not in report
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "4 files" in text and "the paper's way (seed_shape)" in text and "clap " in text


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


def test_an_embed_job_in_a_worker_thread_decodes_in_processes_and_leaves_nothing(
    checkpoints, clips, tmp_path
):
    """What the window does on a GPU machine: the embed job runs in a worker thread, its
    decoding in spawned processes; the vectors are those of decoding threads, and when the
    job ends the processes and the shared-memory file are gone."""
    from anomalizer_desktop.core.embedding.clap import decode_workers
    from anomalizer_desktop.core.embedding.job import embed
    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.core.library.store import Store

    def embedded(name, **options):
        with Store(tmp_path / f"{name}.sqlite") as store:
            run_job(scan(store, [str(clips[1].parent)]))
            summary = run_job(
                embed(store, "clap", checkpoint=checkpoints["tiny-fusion"], device="cpu", **options)
            )
            ids, x = store.feature_matrix("clap")
            path_of = dict(store.execute("SELECT id, path FROM samples").fetchall())
            paths = [path_of[int(i)] for i in ids]
        return summary, dict(zip(paths, x, strict=True))

    made = []
    real_create = decode_workers.ClipSlots.create

    def noted_create(*args, **kwargs):
        made.append(real_create(*args, **kwargs))
        return made[-1]

    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(processes=embedded("processes", decode_processes=2))
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decode_workers.ClipSlots, "create", noted_create)
        thread.start()
        thread.join(timeout=240)
    summary, vectors = outcome["processes"]
    _, expected = embedded("threads", decode_threads=2)
    assert summary.embedded == 4 and summary.errors == 0
    assert vectors.keys() == expected.keys()
    for path, vector in vectors.items():
        np.testing.assert_array_equal(vector, expected[path])
    assert made and made[0] is not None and not os.path.exists(made[0].path)


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


@pytest.fixture
def served_checkpoints(checkpoints):
    """A loopback HTTP server over the test checkpoints' folder; yields its base URL."""
    served = checkpoints["tiny-fusion"].parent

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_download_from_a_loopback_server_installs_and_checks(
    checkpoints, served_checkpoints, tmp_path, monkeypatch
):
    from anomalizer_desktop.core.embedding.clap.download import download

    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    seen = []
    url = served_checkpoints + "630k-audioset-fusion-best.pt"
    path = download("630k-audioset-fusion-best.pt", lambda d, t: seen.append((d, t)), url=url)
    assert path == tmp_path / "models" / "630k-audioset-fusion-best.pt"
    assert path.stat().st_size == checkpoints["tiny-fusion"].stat().st_size
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert not (tmp_path / "models" / "630k-audioset-fusion-best.pt.part").exists()


def test_a_cancelled_download_job_keeps_its_part_and_resumes(
    checkpoints, served_checkpoints, tmp_path, monkeypatch
):
    from anomalizer_desktop.core.embedding.clap import download as clap_download
    from anomalizer_desktop.core.embedding.clap import store as clap_store
    from anomalizer_desktop.core.jobs import CancelToken

    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    monkeypatch.setattr(clap_download, "CHUNK", 1 << 16)
    name = "630k-audioset-fusion-best.pt"
    url = served_checkpoints + name
    size = checkpoints["tiny-fusion"].stat().st_size
    cancel, steps = CancelToken(), []
    job = clap_download.download_job(name, cancel, url=url)
    with pytest.raises(clap_download.DownloadError, match="download it again to resume"):
        for progress in job:
            steps.append(progress)
            if len(steps) == 3:
                cancel.cancel()
    assert steps[-1].total == size >> 10 and steps[-1].done == (3 << 16) >> 10  # KiB
    # the chunk that came while the cancel was asked for is written too: all that came is kept
    assert clap_store.partial_size(name) == 4 << 16
    assert not (tmp_path / "models" / name).exists()  # and nothing half-done is installed
    path = run_job(clap_download.download_job(name, url=url))  # resumes from the part
    assert path.stat().st_size == size and clap_store.partial_size(name) == 0


def test_an_import_job_checks_copies_and_leaves_nothing_when_cancelled(
    checkpoints, tmp_path, monkeypatch
):
    from anomalizer_desktop.core.embedding.clap import download as clap_download
    from anomalizer_desktop.core.jobs import CancelToken

    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    monkeypatch.setattr(clap_download, "CHUNK", 1 << 16)
    cancel = CancelToken()
    job = clap_download.import_job(checkpoints["base"], cancel)
    with pytest.raises(clap_download.DownloadError, match="cancelled"):
        for progress in job:
            if progress.done:
                cancel.cancel()
    assert list((tmp_path / "models").iterdir()) == []  # no half file, no temp
    path = run_job(clap_download.import_job(checkpoints["base"]))
    assert path.read_bytes() == checkpoints["base"].read_bytes()
    bogus = tmp_path / "bogus.pt"
    bogus.write_text("nope")
    with pytest.raises(CheckpointKindError):
        run_job(clap_download.import_job(bogus))


def test_a_download_that_stalls_keeps_what_came_and_says_to_resume(tmp_path, monkeypatch):
    """A connection that stops sending mid-file (a dropped Wi-Fi) timed out in a traceback."""
    from anomalizer_desktop.core.embedding.clap import download as clap_download
    from anomalizer_desktop.core.embedding.clap import store as clap_store

    class Stalls(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * 5000)
            self.wfile.flush()
            time.sleep(2)  # then nothing comes

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ANOMALIZER_MODELS", str(tmp_path / "models"))
    monkeypatch.setattr(clap_download, "CONNECT_TIMEOUT_S", 0.3)
    monkeypatch.setattr(clap_download, "CHUNK", 1000)
    name = "630k-audioset-fusion-best.pt"
    try:
        with pytest.raises(clap_download.DownloadError) as caught:
            clap_download.download(name, url=f"http://127.0.0.1:{server.server_port}/{name}")
    finally:
        server.shutdown()
    assert str(caught.value) == (
        f"download of {name} broke off after 0 MB (timed out); download it again to resume"
    )
    assert clap_store.partial_size(name) == 5000
    assert not (tmp_path / "models" / name).exists()


def test_models_that_cannot_be_written_say_why(checkpoints, tmp_path, monkeypatch):
    from anomalizer_desktop.core.embedding.clap import download as clap_download

    models = tmp_path / "models"
    models.write_text("a file where the models folder goes")
    monkeypatch.setenv("ANOMALIZER_MODELS", str(models))
    with pytest.raises(clap_download.DownloadError, match="cannot make the models folder"):
        clap_download.download("630k-fusion-best.pt", url="http://127.0.0.1:9/x.pt")
    models.unlink()
    models.mkdir()

    class FullDrive:
        def __init__(self, file, mode):
            self.file = open(file, mode)  # noqa: SIM115  (closed by __exit__)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def read(self, size):
            return self.file.read(size)

        def write(self, chunk):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(clap_download, "open", FullDrive, raising=False)
    with pytest.raises(clap_download.DownloadError) as caught:
        run_job(clap_download.import_job(checkpoints["base"]))
    assert str(caught.value) == (
        f"cannot copy {checkpoints['base'].name} into {models}: No space left on device;"
        " nothing was added"
    )
    assert list(models.iterdir()) == []  # no half file, no temporary one
