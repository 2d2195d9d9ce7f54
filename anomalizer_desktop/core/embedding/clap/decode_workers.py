"""Decoding for CLAP in worker processes: what feeds a GPU fast enough.

On a GPU the model embeds clips faster than decoding threads can make them: the threads and the
thread driving the GPU share one interpreter lock, and every one of the thousands of small
operations in a forward pass takes it back. Worker processes decode with no lock in common.
They are spawned (forking beside the GUI's threads and a CUDA context is unsafe) and import
numpy, soundfile and soxr only, not torch.

A clip comes back as int16 (`decoding.decode_clip_int16`: all that quantising keeps) written
into a slot of a shared-memory file (`ClipSlots`), so only its length crosses the pipe; a clip
longer than a slot, or one decoded while every slot is taken, comes back pickled instead.

A worker that dies (a decoder crashing on a malformed file) breaks the whole pool: every file
in flight then fails with it. Each such file is tried once more in a fresh pool; a file that
breaks the pool a second time is reported as the one that crashed it, and the job goes on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import threading
import weakref
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from anomalizer_desktop.core.audio.decode import AudioDecodeError
from anomalizer_desktop.core.embedding.clap import decoding
from anomalizer_desktop.core.parallel import WorkerCrashed, watch_parent

#: a slot holds a clip of up to 10 s at 48 kHz: the window CLAP sees (longer clips are rare)
SLOT_SAMPLES = 480_000
#: slot files are named for the process that made them, so orphans can be told apart
PREFIX = "anomalizer-clips-"


class ClipSlots:
    """A file of fixed-size int16 slots in shared memory that decoding workers write clips into.

    It lives in /dev/shm where there is one (memory, not disk). Its space is reserved when it is
    made, so a full /dev/shm (64 MB in a default Docker container) refuses it here rather than
    killing a worker with SIGBUS halfway through a clip; `create` then answers None and clips
    go through the pipe."""

    def __init__(self, path: str, count: int, samples: int) -> None:
        self.path, self.count, self.samples = path, count, samples
        self.array = np.memmap(path, dtype=np.int16, mode="r+", shape=(count, samples))
        self._free = list(range(count))
        self._lock = threading.Lock()
        # removed when the slots go, also unclosed; after a crash, by the next `create`
        self._remove = weakref.finalize(self, _remove_file, path)

    @classmethod
    def create(cls, count: int, samples: int = SLOT_SAMPLES) -> ClipSlots | None:
        size = count * samples * 2
        folders = ["/dev/shm"] if os.path.isdir("/dev/shm") else []
        for folder in [*folders, tempfile.gettempdir()]:
            remove_orphans(folder)
            try:
                fd, path = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", dir=folder)
            except OSError:
                continue
            try:
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(fd, 0, size)
                else:
                    os.ftruncate(fd, size)
                return cls(path, count, samples)
            except OSError:
                os.unlink(path)
            finally:
                os.close(fd)
        return None

    def take(self) -> int | None:
        with self._lock:
            return self._free.pop() if self._free else None

    def give_back(self, slot: int | None) -> None:
        if slot is not None:
            with self._lock:
                self._free.append(slot)

    def read(self, slot: int, length: int) -> np.ndarray:
        """The clip in `slot` as float32 (a copy: the slot can be taken again at once)."""
        return decoding.from_int16(self.array[slot, :length])

    def close(self) -> None:
        self.array = None  # unmapped once no clip view is left (reads copy)
        self._remove()


def _remove_file(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def remove_orphans(folder: str) -> None:
    """Remove slot files left by processes that are gone (killed before they could): in
    /dev/shm they would hold their memory until the machine restarts. (Not on Windows, where
    asking whether a process is alive this way would end it.)"""
    if os.name == "nt":
        return
    try:
        names = [n for n in os.listdir(folder) if n.startswith(PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _remove_file(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


_opened: dict[str, np.ndarray] = {}


def decode_task(decode, path: str, slots_path: str | None, slot: int | None, samples: int):
    """In a worker: decode `path` with `decode` (path -> int16 clip or AudioDecodeError) and
    write the clip into `slot`, answering its length; or answer the clip or error itself."""
    clip = decode(path)
    if slot is None or isinstance(clip, AudioDecodeError) or len(clip) > samples:
        return clip
    view = _opened.get(slots_path)
    if view is None:
        view = _opened[slots_path] = np.memmap(slots_path, dtype=np.int16, mode="r+")
    view[slot * samples : slot * samples + len(clip)] = clip
    return len(clip)


class ProcessDecoder:
    """A pool of decoding processes, started on first use and kept until `close`."""

    def __init__(self, workers: int, slots: int = 0, decode=decoding.decode_clip_int16) -> None:
        """`slots`: clips that can wait in shared memory at once (the most in flight; beyond
        them clips are pickled). `decode`: a top-level function path -> int16 clip or
        AudioDecodeError."""
        self.workers = max(1, workers)
        self._decode = decode
        self._pool: ProcessPoolExecutor | None = None
        self.slot_count = slots
        self.slots: ClipSlots | None = None  # made with the first clip (memory reserved then)
        self._slots_tried = False
        self._pool_number = 0  # which pool the current one is (a broken one is replaced)
        self._sent: dict[Future, tuple[int | None, int]] = {}  # each result's slot and pool

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _submit(self, path: str, slot: int | None) -> Future:
        slots = self.slots
        arguments = (path, slots.path, slot, slots.samples) if slots else (path, None, None, 0)
        return self._executor().submit(decode_task, self._decode, *arguments)

    def _take_slot(self) -> int | None:
        if not self._slots_tried:
            self._slots_tried = True
            self.slots = ClipSlots.create(self.slot_count) if self.slot_count else None
        return self.slots.take() if self.slots else None

    def submit(self, path: str) -> Future:
        slot = self._take_slot()
        try:
            future = self._submit(path, slot)
        except BrokenProcessPool:  # a worker died since the last result was read
            self._restart()
            future = self._submit(path, slot)
        self._sent[future] = (slot, self._pool_number)
        return future

    def result(self, future: Future, path: str) -> np.ndarray | AudioDecodeError | WorkerCrashed:
        """The quantised float32 clip (as `decoding.decode_clip` gives it), the file's decode
        error, or WorkerCrashed for a file that stopped the decoder twice."""
        slot, pool = self._sent.pop(future)
        try:
            try:
                answer = future.result()
            except (BrokenProcessPool, CancelledError):
                if pool == self._pool_number:  # not a pool already replaced, with new work
                    self._restart()
                try:
                    answer = self._submit(path, slot).result()
                except BrokenProcessPool:
                    self._restart()
                    return WorkerCrashed(
                        "decoding this file stopped the decoder (twice): the file is probably"
                        " damaged in a way the decoder does not survive"
                    )
            if isinstance(answer, int):
                return self.slots.read(slot, answer)
            return answer if isinstance(answer, AudioDecodeError) else decoding.from_int16(answer)
        finally:
            if self.slots is not None:
                self.slots.give_back(slot)

    def abandon(self, future: Future) -> None:
        """A result that will not be read: its slot is free once its worker is done with it."""
        slot, _ = self._sent.pop(future, (None, 0))
        if future.cancel() or self.slots is None:
            if self.slots is not None:
                self.slots.give_back(slot)
            return
        slots = self.slots
        future.add_done_callback(lambda _: slots.give_back(slot))

    def _restart(self) -> None:
        """Replace the current pool, which a worker's death broke."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self._pool_number += 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self.slots is not None:
            self.slots.close()
            self.slots = None
