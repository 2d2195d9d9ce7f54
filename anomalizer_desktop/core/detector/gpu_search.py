"""The L1 kNN detectors' neighbour search on a GPU (torch), when the library is big enough.

On the CPU a kNN detector picks each loop's candidates among its Euclidean nearest with
scikit-learn (BLAS) and ranks them by exact L1 distance (`knn.KnnDetector`): nearly all of the
default detector's training time (minutes at 100,000 loops). The same two steps are a matrix
product, a top-k and a gather on a GPU, where they take a fraction of a second per search.

The search is the same as the CPU's: the same number of Euclidean candidates, ranked by L1
distance in float32, ties kept in Euclidean order (a stable sort). The matrix product gives
float32 distances (|a|^2 - 2ab + |b|^2) where scikit-learn computes in float64, and its
rounding can swap a list's last candidates with the next ones; so MARGIN more are taken and
the candidates picked among them by their distances measured directly, in float64. The L1 sums
add up in another order than numpy's: scores agree to about 1e-6 (README, Throughput).

Used for CUDA alone: `device.resolve_device` also picks Apple's MPS, where this search has not
been run (its top-k has had limits on k); there the CPU search stays. A GPU that runs out of
memory (another program holds it) or fails hands the search to the CPU, which says so in the
progress message: the training goes on.
"""

from __future__ import annotations

import numpy as np
import torch

from anomalizer_desktop.core.detector.device import DeviceError, resolve_device
from anomalizer_desktop.core.detector.spec import GPU_SEARCH_MIN_LOOPS

#: fewer training loops than this search on the CPU (`spec.GPU_SEARCH_MIN_LOOPS`)
GPU_MIN_ROWS = GPU_SEARCH_MIN_LOOPS
#: bytes of GPU memory one chunk of queries may take (its distances to every training loop,
#: or its gathered candidates), so that a laptop GPU with a few GB free does not run out
CHUNK_BYTES = 512 << 20
#: Euclidean candidates taken beyond those wanted from the matrix product, among which the
#: wanted ones are picked again by distances measured directly (`_ranked_chunk`)
MARGIN = 16


def search_device(name: str, rows: int) -> torch.device | None:
    """The GPU to search `rows` training loops on for a detector told to use device `name`
    ("auto", "cpu", "cuda", "mps"); None: search on the CPU. An unavailable device is the
    CPU here, not an error: the kNN detectors run anywhere (Deep SVDD says what is missing)."""
    if rows < GPU_MIN_ROWS or name == "cpu":
        return None
    try:
        device = resolve_device(name)
    except DeviceError:  # no such GPU here: the CPU searches
        return None
    return device if device.type == "cuda" else None


def failure_words(error: RuntimeError) -> str:
    """Why a GPU search was given up, in a few words for a progress message."""
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return "the GPU ran out of memory"
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"the GPU failed ({first[:80]})"


def release_memory() -> None:
    """Hand the memory torch keeps cached on the GPU back (after a search gave up)."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class TorchCandidateSearch:
    """Euclidean candidates ranked by L1 distance among `train` (rows x dims, float32), on
    `device`. `ranked(queries, candidates)` gives what `KnnDetector`'s CPU search gives."""

    def __init__(self, train: np.ndarray, device: torch.device) -> None:
        self.device = device
        self.train = torch.from_numpy(np.ascontiguousarray(train, dtype=np.float32)).to(device)
        self.norms = (self.train * self.train).sum(dim=1)

    def ranked(self, queries: np.ndarray, candidates: int) -> tuple[np.ndarray, np.ndarray]:
        """Each query row's `candidates` Euclidean nearest training rows, ordered by exact
        L1 distance: (row numbers as int64, L1 distances as float32), rows x candidates."""
        rows, dims = len(queries), self.train.shape[1]
        candidates = min(candidates, len(self.train))
        order = np.empty((rows, candidates), dtype=np.int64)
        distances = np.empty((rows, candidates), dtype=np.float32)
        # a row's distances to every training row (float32), or its wider candidates gathered
        # (float32, and float64 for the Euclidean distances measured again)
        per_row = max(len(self.train) * 4, (candidates + MARGIN) * dims * 12)
        step = max(1, CHUNK_BYTES // per_row)
        with torch.no_grad():
            for start in range(0, rows, step):
                stop = min(start + step, rows)
                chunk = torch.from_numpy(
                    np.ascontiguousarray(queries[start:stop], dtype=np.float32)
                ).to(self.device)
                found, measured = self._ranked_chunk(chunk, candidates)
                order[start:stop] = found.cpu().numpy()
                distances[start:stop] = measured.cpu().numpy()
        return order, distances

    def _ranked_chunk(self, queries: torch.Tensor, candidates: int):
        wide = min(candidates + MARGIN, len(self.train))
        squared = (
            (queries * queries).sum(dim=1, keepdim=True)
            - 2.0 * (queries @ self.train.T)
            + self.norms[None, :]
        )
        index = torch.topk(squared, wide, dim=1, largest=False, sorted=False).indices
        del squared
        gathered = self.train[index]  # queries x wide x dims
        # measured directly in float64, as scikit-learn measures them, the Euclidean distances
        # pick the CPU's candidates among the wider set. In float32 (the product's rounding,
        # or even float32 differences squared) the last ones swapped with the next: at 100,000
        # loops two loops' 110th and 111th candidates lay 2e-9 and 1e-8 apart, and the 111th
        # was one of their 10 L1 neighbours
        exact = gathered.double()
        exact -= queries.double()[:, None, :]
        _, keep = torch.topk(exact.square_().sum(dim=-1), candidates, dim=1, largest=False)
        del exact
        gathered -= queries[:, None, :]
        measured = torch.gather(gathered.abs_().sum(dim=-1), 1, keep)
        index = torch.gather(index, 1, keep)
        del gathered
        measured, by = torch.sort(measured, dim=1, stable=True)
        return torch.gather(index, 1, by), measured
