"""Write a file or a folder so that readers see the old version or the new one, never half."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from anomalizer_desktop.core.errors import os_reason
from anomalizer_desktop.core.export.selection import ExportError
from anomalizer_desktop.core.file_modes import as_if_created
from anomalizer_desktop.core.text import some_names


def atomic_write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to `target` via a temporary file in the same folder and a rename."""
    target = Path(target).expanduser().absolute()
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise ExportError(f"cannot write to {target.parent}: {os_reason(error)}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        as_if_created(Path(temp), 0o666)
        os.replace(temp, target)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {os_reason(error)}") from None
    return target


class FolderNotEmptyError(ExportError):
    """The export's folder exists and holds something. `foreign` names what in it the export
    did not make (never replaced); when it is empty, the folder is an earlier export that
    `overwrite` replaces."""

    def __init__(self, target: Path, foreign: list[str]) -> None:
        self.target, self.foreign = target, foreign
        if foreign:
            message = (
                f"{target} holds files an export did not make ({some_names(foreign, 3)});"
                " choose an empty or"
                " new folder (only an earlier export is ever replaced)"
            )
        else:
            message = f"{target} holds an earlier export; replace it, or choose another folder"
        super().__init__(message)


def atomic_build_folder(
    target: str | os.PathLike[str],
    build: Callable[[Path], None],
    overwrite: bool = False,
    foreign: Callable[[Path], list[str]] = lambda folder: sorted(os.listdir(folder)),
) -> Path:
    """Fill a fresh temporary folder with `build(folder)`, then move it into place as `target`.

    An existing non-empty `target` raises FolderNotEmptyError unless `overwrite`, and even
    then while `foreign(target)` names anything in it (what the build did not make: a folder
    of the user's files is never deleted); otherwise it is replaced only after the new folder
    is complete.
    """
    target = Path(target).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ExportError(f"cannot create folder {target}: a file with that name exists")
    if target.is_dir() and any(target.iterdir()):
        strangers = foreign(target)
        if strangers or not overwrite:
            raise FolderNotEmptyError(target, strangers)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise ExportError(f"cannot write to {target.parent}: {os_reason(error)}") from None
    try:
        as_if_created(staging, 0o777)
        build(staging)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(f"cannot write {target}: {os_reason(error)}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
