"""Model management: list, download (on request only), import and remove CLAP checkpoints.

Downloads resume from a `.part` file (HTTP Range), check the size the server announced and that
the file loads as an HTS-AT checkpoint, then move into place. Without a network they fail within
seconds with the file name to fetch and the folder to put it in. Downloads and imports also run
as jobs (`download_job`, `import_job`: progress in KiB, cancellable between chunks), which is how
the app's CLAP models dialog runs them.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Generator
from pathlib import Path

from anomalizer_desktop.core.embedding.clap.model import (
    CheckpointKindError,
    audio_state,
    detect_spec,
    read_state,
)
from anomalizer_desktop.core.embedding.clap.store import KNOWN, installed, models_dir
from anomalizer_desktop.core.errors import AnomalizerError, os_reason
from anomalizer_desktop.core.jobs import CancelToken, Job, Progress, run_job

CHUNK = 1 << 20

CONNECT_TIMEOUT_S = 8.0


class DownloadError(AnomalizerError):
    """A download that cannot run or did not complete."""


def describe(path: Path) -> dict:
    """Name, size, family (read from the weights) of an installed checkpoint."""
    info = {"name": path.name, "path": str(path), "size_mb": round(path.stat().st_size / 1e6, 1)}
    try:
        spec = detect_spec(audio_state(read_state(path)), path.name)
        info["family"] = f"HTSAT-{spec.model_name}{' fusion' if spec.fusion else ''}"
    except CheckpointKindError as error:
        info["family"] = f"unusable: {error}"
    return info


def list_models() -> dict:
    return {
        "folder": str(models_dir()),
        "installed": [describe(p) for p in installed()],
        "known": [
            {
                "name": k.name,
                "family": k.family,
                "approx_mb": k.approx_mb,
                "note": k.note,
                "url": k.url,
            }
            for k in KNOWN.values()
        ],
    }


def _offline_message(name: str, reason: str) -> str:
    return (
        f"cannot download {name}: {reason}. Without a network, fetch it elsewhere from "
        f"{KNOWN[name].url if name in KNOWN else 'its source'} and put it in {models_dir()} "
        "(or run `anomalizer models import FILE`); the dsp embedder keeps working."
    )


def download(
    name: str, progress: Callable[[int, int], None] | None = None, url: str | None = None
) -> Path:
    """Fetch a known checkpoint into the models folder (resuming a partial download);
    `progress(bytes done, bytes in all)` after each chunk."""
    return run_job(_transfer(name, url), (lambda step: progress(*step)) if progress else None)


def download_job(name: str, cancel: CancelToken | None = None, url: str | None = None) -> Job[Path]:
    """`download` as a job. Cancelling keeps what came (the next download resumes from it)
    and raises DownloadError saying so."""
    steps = _transfer(name, url)
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        if cancel is not None and cancel.cancelled:
            steps.close()  # closes the connection and the .part file
            raise DownloadError(
                f"download of {name} stopped at {_mb(done)}; download it again to resume"
            )
        yield Progress(done >> 10, total >> 10, f"{name}: {_mb(done)} of {_mb(total)}")


def _models_folder() -> Path:
    """The models folder, made if need be; DownloadError when it cannot be."""
    folder = models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file in its place, a read-only drive
        raise DownloadError(f"cannot make the models folder {folder}: {os_reason(error)}") from None
    return folder


def _read(response, size: int, name: str, done: int) -> bytes:
    """The next chunk of the download; DownloadError when the connection breaks off (what came
    stays in the .part file, and the next download resumes from it)."""
    try:
        return response.read(size)
    except (OSError, http.client.HTTPException) as error:  # reset, timed out, cut short
        got = f"after {_mb(done)}" if done else "before any of it came"
        raise DownloadError(
            f"download of {name} broke off {got} ({os_reason(error)}); download it again to resume"
        ) from None


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size else "? MB"


def _transfer(name: str, url: str | None) -> Generator[tuple[int, int], None, Path]:
    """The download itself: yields (bytes done, bytes in all) per chunk, returns the path."""
    if name not in KNOWN and url is None:
        raise DownloadError(f"unknown checkpoint {name!r}; known: {', '.join(KNOWN)}")
    url = url or KNOWN[name].url
    folder = _models_folder()
    target, part = folder / name, folder / f"{name}.part"
    if target.exists():
        return target
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_S)
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(_offline_message(name, f"no connection ({reason})")) from None
    with response:
        resumed = response.status == 206
        total = int(response.headers.get("Content-Length") or 0) + (have if resumed else 0)
        done = have if resumed else 0
        try:
            with open(part, "ab" if resumed else "wb") as handle:
                while chunk := _read(response, CHUNK, name, done):
                    handle.write(chunk)
                    done += len(chunk)
                    yield done, total
        except OSError as error:  # a full drive, a read-only models folder
            raise DownloadError(f"cannot write {part}: {os_reason(error)}") from None
    if total and part.stat().st_size != total:
        raise DownloadError(
            f"{name}: got {part.stat().st_size} of {total} bytes; run the same "
            "command again to resume"
        )
    try:
        detect_spec(audio_state(read_state(part)), name)
    except CheckpointKindError as error:
        raise DownloadError(f"{name} downloaded but is not usable: {error}") from None
    os.replace(part, target)
    return target


def import_model(source: str | os.PathLike[str]) -> Path:
    """Copy a checkpoint file into the models folder after checking it is an HTS-AT one."""
    return run_job(import_job(source))


def import_job(source: str | os.PathLike[str], cancel: CancelToken | None = None) -> Job[Path]:
    """`import_model` as a job: check the file (loading it takes seconds), then copy it in
    chunks; a cancelled or failed copy leaves nothing behind."""
    source = Path(source).expanduser()
    yield Progress(0, 0, f"checking {source.name}")
    detect_spec(audio_state(read_state(source)), source.name)
    folder = _models_folder()
    target = folder / source.name
    temp = folder / f".{source.name}.importing"
    size, done = source.stat().st_size, 0
    try:
        with open(source, "rb") as reader, open(temp, "wb") as writer:
            while chunk := reader.read(CHUNK):
                if cancel is not None and cancel.cancelled:
                    raise DownloadError(f"import of {source.name} cancelled; nothing was added")
                writer.write(chunk)
                done += len(chunk)
                yield Progress(done >> 10, size >> 10, f"{source.name}: {_mb(done)} of {_mb(size)}")
        os.replace(temp, target)
    except OSError as error:  # a full drive, a read-only models folder
        raise DownloadError(
            f"cannot copy {source.name} into {folder}: {os_reason(error)}; nothing was added"
        ) from None
    finally:
        temp.unlink(missing_ok=True)
    return target
