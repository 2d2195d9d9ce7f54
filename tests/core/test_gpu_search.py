"""The kNN detectors' GPU search gives what the CPU search gives.

CI has no GPU, so the torch search runs here on torch's CPU device (the same code a CUDA GPU
runs, tensors elsewhere); `search_device` decides when a real GPU is used."""

from __future__ import annotations

import numpy as np
import torch

from anomalizer_desktop.core.detector import gpu_search
from anomalizer_desktop.core.detector.gpu_search import TorchCandidateSearch, search_device
from anomalizer_desktop.core.detector.knn import KnnDetector
from anomalizer_desktop.core.detector.model import AnomalyModel, ModelSpec
from anomalizer_desktop.core.jobs import run_job

GROUPS = {"timbre": slice(0, 14), "rhythm": slice(14, 20), "pitch": slice(20, 24)}


def packs(n=900, dim=24, seed=0) -> np.ndarray:
    """Loops in 12 packs (clusters), as a library holds them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (12, dim))
    return (centres[rng.integers(0, 12, n)] + rng.normal(0, 1, (n, dim))).astype(np.float32)


def search_with_torch(monkeypatch, on: bool) -> None:
    """Every kNN search takes the torch path, on the CPU (on), or the CPU's own (off)."""
    device = torch.device("cpu") if on else None
    monkeypatch.setattr(gpu_search, "search_device", lambda name, rows: device)


def test_the_cpu_and_small_libraries_and_missing_gpus_search_on_the_cpu(monkeypatch):
    assert search_device("cpu", 10**6) is None
    assert search_device("auto", gpu_search.GPU_MIN_ROWS - 1) is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert search_device("auto", 10**6) is None
    assert search_device("cuda", 10**6) is None  # asked for, not here: the CPU, no error
    assert search_device("nonsense", 10**6) is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert search_device("auto", 10**6) == torch.device("cuda")
    assert search_device("cuda", gpu_search.GPU_MIN_ROWS) == torch.device("cuda")


def test_mps_is_left_to_the_cpu(monkeypatch):
    monkeypatch.setattr(gpu_search, "resolve_device", lambda name: torch.device("mps"))
    assert search_device("auto", 10**6) is None


def test_torch_search_ranks_the_same_candidates_as_the_cpu_search(monkeypatch):
    x = packs()
    knn = KnnDetector(metric="manhattan")
    knn.fit(x.astype(np.float64))
    queries = x[:200]
    candidates = knn._candidates(len(x))
    index = knn.model.kneighbors(queries.astype(np.float64), n_neighbors=candidates)[1]
    cpu_order, cpu_distances = knn._ranked(queries, index)
    monkeypatch.setattr(gpu_search, "CHUNK_BYTES", 64 * 1024)  # several chunks of queries
    order, distances = TorchCandidateSearch(x, torch.device("cpu")).ranked(queries, candidates)
    assert order.shape == (200, candidates) == distances.shape
    np.testing.assert_allclose(distances, cpu_distances, rtol=1e-5, atol=1e-5)
    assert (order[:, :11] == cpu_order[:, :11]).mean() > 0.99  # the neighbours themselves
    assert (order[:, 0] == np.arange(200)).all() and (distances[:, 0] == 0).all()  # itself
    # the L1 distances are exact: |row - query| summed
    exact = np.abs(x[order[:5]] - queries[:5, None, :]).sum(axis=-1)
    np.testing.assert_allclose(distances[:5], exact, rtol=1e-5)


def test_a_default_fit_searched_by_torch_scores_as_the_cpu_fit(monkeypatch):
    search_with_torch(monkeypatch, on=True)
    x = packs()
    labels = np.zeros(len(x))
    labels[[3, 50, 51, 52, 400]] = -1  # flagged unusual: passed over as neighbours
    labels[[9]] = 1
    searched = run_job(AnomalyModel(ModelSpec("default")).fit(x, labels, GROUPS))
    search_with_torch(monkeypatch, on=False)
    cpu = run_job(AnomalyModel(ModelSpec("default")).fit(x, labels, GROUPS))
    np.testing.assert_allclose(searched.fit_scores, cpu.fit_scores, atol=1e-5)
    assert (
        np.argsort(searched.fit_scores)[-20:].tolist() == np.argsort(cpu.fit_scores)[-20:].tolist()
    )
    for mine, theirs in zip(
        searched.neighbour_lists.searches, cpu.neighbour_lists.searches, strict=True
    ):
        assert (mine == theirs).mean() > 0.98
    # the torch fit's lists serve the next fit (Retrain with flags) like the CPU fit's
    labels[[600, 601]] = -1
    search_with_torch(monkeypatch, on=True)
    again = run_job(
        AnomalyModel(ModelSpec("default")).fit(
            x, labels, GROUPS, earlier=lambda key: searched.neighbour_lists
        )
    )
    search_with_torch(monkeypatch, on=False)
    fresh = run_job(AnomalyModel(ModelSpec("default")).fit(x, labels, GROUPS))
    assert again.reused > 0
    np.testing.assert_allclose(again.fit_scores, fresh.fit_scores, atol=1e-5)


def test_the_training_device_reaches_every_search(monkeypatch):
    asked = []

    def record(name, rows):
        asked.append((name, rows))
        return None

    monkeypatch.setattr(gpu_search, "search_device", record)
    x = packs(n=300)
    run_job(AnomalyModel(ModelSpec("default", device="cuda")).fit(x, None, GROUPS))
    assert asked == [("cuda", 300)] * (1 + len(GROUPS))  # the whole, then each aspect


def test_a_loaded_model_scores_on_the_device_it_is_loaded_for(monkeypatch):
    """`score --device cuda`: scoring a big library again is a search too."""
    x = packs(n=300)
    model = run_job(AnomalyModel(ModelSpec("default", device="cpu")).fit(x, None, GROUPS))
    asked = []

    def record(name, rows):
        asked.append(name)
        return torch.device("cpu")  # the torch path, here on the CPU

    monkeypatch.setattr(gpu_search, "search_device", record)
    loaded = AnomalyModel.from_state(model.state(), device="cuda")
    np.testing.assert_allclose(loaded.score(x[:50]), model.fit_scores[:50], atol=1e-5)
    assert asked == ["cuda"] * (1 + len(GROUPS))


def test_progress_says_when_the_search_ran_on_a_gpu(monkeypatch):
    search_with_torch(monkeypatch, on=True)
    knn = KnnDetector(metric="manhattan")
    knn.search_on = "cuda"
    job = knn.fit_job(packs(n=300).astype(np.float64))
    said = {step.message for step in job}
    assert said == {"nearest neighbours (GPU)"}
    search_with_torch(monkeypatch, on=False)
    euclidean = KnnDetector(metric="euclidean")
    euclidean.search_on = "cuda"
    euclidean.fit(packs(n=300).astype(np.float64))
    said = {step.message for step in euclidean.score_job(packs(n=50))}
    assert said == {"nearest neighbours"} and not euclidean._gpu


def test_a_gpu_out_of_memory_hands_the_search_to_the_cpu(monkeypatch):
    """A DAW or a game can hold the GPU's memory: the training goes on, on the CPU."""
    search_with_torch(monkeypatch, on=False)
    x = packs(n=400)
    cpu = run_job(AnomalyModel(ModelSpec("default")).fit(x, None, GROUPS))

    def full(self, queries, candidates):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.2 GiB")

    search_with_torch(monkeypatch, on=True)
    monkeypatch.setattr(TorchCandidateSearch, "ranked", full)
    knn = KnnDetector(metric="manhattan")
    said = {step.message for step in knn.fit_job(x.astype(np.float64))}
    assert said == {"nearest neighbours (on the CPU: the GPU ran out of memory)"}
    model = AnomalyModel(ModelSpec("default"))
    run_job(model.fit(x, None, GROUPS))
    np.testing.assert_allclose(model.fit_scores, cpu.fit_scores, atol=1e-6)

    def gone(self, train, device):
        raise RuntimeError("CUDA error: unspecified launch failure\nmore lines")

    monkeypatch.setattr(TorchCandidateSearch, "__init__", gone)
    knn = KnnDetector(metric="manhattan")
    said = {step.message for step in knn.fit_job(x.astype(np.float64))}
    assert said == {
        "nearest neighbours (on the CPU: the GPU failed (CUDA error: unspecified launch failure))"
    }


def test_a_training_says_when_it_searched_on_the_gpu(monkeypatch, tmp_path):
    from anomalizer_desktop.core.detector.training import train
    from anomalizer_desktop.core.library.store import Store
    from anomalizer_desktop.core.library.synthetic import build_synthetic_library

    library = tmp_path / "library.sqlite"
    build_synthetic_library(library, 300)
    with Store(library) as store:
        search_with_torch(monkeypatch, on=False)
        on_cpu = run_job(train(store, ModelSpec(device="auto")))
        (tmp_path / "detectors" / "library.sqlite" / "neighbours.npz").unlink()  # search again
        search_with_torch(monkeypatch, on=True)
        on_gpu = run_job(train(store, ModelSpec(device="auto")))
    assert not on_cpu.gpu and " on the GPU" not in on_cpu.summary()
    assert on_gpu.gpu and f"in {on_gpu.seconds:.1f} s on the GPU;" in on_gpu.summary()
    assert on_gpu.as_json()["gpu"] is True
