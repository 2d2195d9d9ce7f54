"""`clap`: CLAP (HTS-AT) embeddings, batched, decoding in parallel with inference.

The vector stored is the 512-d projected embedding, L2-normalised as laion-clap returns it, or
the pre-projection feature (1024-d for HTSAT-base, the paper's choice) with output="features".
The embedder's version names the checkpoint, a hash of it and the output kind, so vectors from
different checkpoints never mix.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from anomalizer_desktop.core.audio.decode import AudioDecodeError
from anomalizer_desktop.core.detector.device import resolve_device
from anomalizer_desktop.core.embedding.clap import decoding, preprocess
from anomalizer_desktop.core.embedding.clap.decode_workers import ProcessDecoder
from anomalizer_desktop.core.embedding.clap.model import file_hash, load_encoder

OUTPUTS = ("projected", "features")


def decode_threads_for(device: torch.device) -> int:
    """Decoding threads: 2 beside CPU inference (which takes every core). On a GPU decoding is
    the bottleneck: 8 threads gave 538 files/s and 16 gave 499 on a 16-core H200 machine (the
    threads and the thread driving the GPU share the GIL), so up to 8."""
    if device.type == "cpu":
        return 2
    return max(2, min(8, os.cpu_count() or 1))


def decode_processes_for(device: torch.device) -> int:
    """Decoding processes by default: on a GPU every core but the one driving it (see
    `decode_workers`); with CPU inference none (2 threads beside the model). On a 16-core H200
    machine 15 processes fed 888-922 files/s to the model, 8 threads 680-731 (README)."""
    if device.type == "cpu":
        return 0
    return max(1, (os.cpu_count() or 1) - 1)


def cpu_threads() -> int:
    """Inference threads on CPU: every core. Decoding (in threads that release the GIL) costs
    a tenth of inference, and on 2 cores 1 inference thread ran at 240 ms/clip, 2 at 150."""
    return max(1, os.cpu_count() or 1)


class ClapEmbedder:
    id = "clap"

    def __init__(
        self,
        checkpoint: str | os.PathLike[str],
        output: str = "projected",
        device: str = "auto",
        batch_size: int | None = None,
        decode_threads: int | None = None,
        decode_processes: int | None = None,
    ) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}")
        self.checkpoint = Path(checkpoint)
        self.output = output
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch.meshgrid notice inside htsat.py
            self.encoder = load_encoder(self.checkpoint)
        self.device = resolve_device(device)
        self.encoder.to(self.device)
        self.fusion = self.encoder.spec.fusion
        self.dim = 512 if output == "projected" else self.encoder.spec.feature_dim
        self.version = f"{self.checkpoint.stem}:{file_hash(self.checkpoint)[:12]}:{output}"
        # CPU: batch 4 measured fastest (147 ms/clip vs 177 for 1 and 160 for 8 on 2 cores)
        self.batch_size = batch_size or (64 if self.device.type == "cuda" else 4)
        self.decode_threads = decode_threads or decode_threads_for(self.device)
        #: worker processes decoding instead of threads (0: threads, also when only a number
        #: of threads is asked for)
        if decode_processes is None:
            decode_processes = 0 if decode_threads else decode_processes_for(self.device)
        self.decode_processes = decode_processes
        self._processes = (
            # at most two batches wait decoded at once (see _embed_all)
            ProcessDecoder(self.decode_processes, slots=2 * self.batch_size)
            if self.decode_processes
            else None
        )
        # On a GPU the fusion mels are computed there, batched (see preprocess.collate)
        self.mel_on_device = self.fusion and self.device.type == "cuda"
        if self.device.type == "cpu":
            torch.set_num_threads(cpu_threads())

    # ------------------------------------------------------------------ single clips
    def prepare(self, samples: np.ndarray, mel_on_host: bool = False):
        """Model input for one decoded 48 kHz clip (see `prepare_quantized`)."""
        return self.prepare_quantized(decoding.quantize(samples), mel_on_host)

    def prepare_quantized(self, y: np.ndarray, mel_on_host: bool = False):
        """Model input for one quantised 48 kHz clip. For fusion models on a GPU, a clip of 10 s
        or less stays as it is: it is padded and turned into a mel on the GPU with its batch.
        Longer clips (rare in loop libraries) get their mel here, so a queue of clips waiting
        for the GPU stays small. `mel_on_host` makes every mel here, as laion-clap does."""
        if not self.fusion:
            return preprocess.waveform_input(y)
        if self.mel_on_device and not mel_on_host and len(y) <= preprocess.MAX_LEN:
            return y
        return preprocess.fusion_input(y)

    @torch.inference_mode()
    def embed_prepared(self, items: list) -> np.ndarray:
        """(n, dim) vectors for prepared inputs, in one forward pass."""
        batch = preprocess.collate(items, self.fusion, self.device)
        autocast = (
            torch.autocast(
                "cuda", dtype=torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            )
            if self.device.type == "cuda"
            else contextlib.nullcontext()
        )
        with autocast:
            features, projected = self.encoder(batch)
        if self.output == "projected":
            out = torch.nn.functional.normalize(projected.float(), dim=-1)
        else:
            out = features.float()
        return out.cpu().numpy().astype(np.float32)

    def decode(self, path: str | os.PathLike[str]) -> np.ndarray:
        return decoding.load(path)

    def embed_file(self, path: str | os.PathLike[str]) -> np.ndarray:
        return self.embed_prepared([self.prepare(self.decode(path))])[0]

    # ------------------------------------------------------------------ many files
    def _load(self, path: str):
        """Decode and prepare, in a decoding thread (soundfile and soxr release the GIL)."""
        clip = decoding.decode_clip(path)
        return clip if isinstance(clip, AudioDecodeError) else self.prepare_quantized(clip)

    def close(self) -> None:
        """Stop the decoding processes, if any (they are also stopped when the embedder goes)."""
        if self._processes is not None:
            self._processes.close()

    def embed_files(
        self, paths: Iterable[str]
    ) -> Iterator[tuple[str, np.ndarray | AudioDecodeError | RuntimeError]]:
        """(path, vector or error) for each file, in order. Files are decoded and prepared ahead
        of the model, in a thread pool or in worker processes (`decode_processes`), while the
        model works on the previous batch."""
        paths = list(paths)
        if self._processes is not None:
            processes = self._processes
            yield from self._embed_all(
                paths, processes.submit, self._from_process, processes.abandon
            )
            return
        with ThreadPoolExecutor(self.decode_threads, thread_name_prefix="clap-decode") as pool:
            yield from self._embed_all(
                paths,
                lambda path: pool.submit(self._load, path),
                lambda future, _: future.result(),
                lambda future: future.cancel(),
            )

    def _from_process(self, future, path: str):
        clip = self._processes.result(future, path)
        return clip if isinstance(clip, Exception) else self.prepare_quantized(clip)

    def _embed_all(self, paths: list[str], submit, prepared_of, abandon):
        """Keep up to three batches decoding ahead of the model. A file that fails to decode
        fails alone; a failed forward pass fails its batch. (Starting each batch's forward pass
        before collecting the one before it measured slower on an H200 machine: 811-813 files/s
        against 888-922 at batch 64, 828-855 at batch 32.)"""
        ahead = min(len(paths), 2 * self.batch_size)
        futures = [submit(p) for p in paths[:ahead]]
        try:
            for start in range(0, len(paths), self.batch_size):
                chunk = paths[start : start + self.batch_size]
                prepared = []
                for i, path in enumerate(chunk):
                    prepared.append(prepared_of(futures[start + i], path))
                    futures[start + i] = None  # read: the batch holds the audio now
                while len(futures) < min(len(paths), start + 3 * self.batch_size):
                    futures.append(submit(paths[len(futures)]))
                good = [i for i, item in enumerate(prepared) if not isinstance(item, Exception)]
                try:
                    vectors = self.embed_prepared([prepared[i] for i in good]) if good else []
                    results = dict(zip(good, vectors, strict=True))
                except (RuntimeError, MemoryError) as error:  # e.g. out of GPU memory
                    results = {i: RuntimeError(f"CLAP forward pass failed: {error}") for i in good}
                for i, path in enumerate(chunk):
                    yield path, results.get(i, prepared[i])
        finally:  # stopped early (a cancelled job): files not started yet are not decoded
            for future in futures:
                if future is not None:
                    abandon(future)
