"""Move embeddings between libraries and machines: export to Parquet, import Parquet or NPZ.

Export writes one row per embedded, usable sample: path, content_hash, embedder,
embedder_version, dim and the vector (a fixed-size list of float32), atomically.

Import matches rows to this library's samples by content hash first (the same file anywhere),
then by path: the exact path, else the longest tail of the path that equals a sample's path
below its library folder (the same pack under another root). Unmatched rows are reported, never
guessed. Everything is validated before anything is written, and the write is one transaction:
a bad file changes nothing.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath

import numpy as np

from anomalizer_desktop.core.embedding.info import embedder_info
from anomalizer_desktop.core.errors import AnomalizerError
from anomalizer_desktop.core.file_modes import as_if_created
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.replacing import refuse_replacing_another_kind
from anomalizer_desktop.core.text import quantity_with_verb

IMPORTED_VERSION = "imported"


class FeatureFileError(AnomalizerError):
    """A features file that cannot be exported or imported (with a message for people)."""


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    by_hash: int = 0
    by_path: int = 0
    unmatched: list[str] = field(default_factory=list)
    embedder: str = ""
    version: str = ""
    dim: int = 0

    def as_json(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------- export
def export_features(store: Store, embedder: str, target: str | os.PathLike[str]) -> dict:
    """Write the library's `embedder` vectors to a Parquet file; returns {rows, dim, path}."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = embedder_info(store, embedder)
    ids, x = store.feature_matrix(info.id, info.version)
    if not len(ids):
        raise FeatureFileError.advising(f"no {embedder} vectors to export: {{step}}", "embed")
    rows = dict(
        (r[0], (r[1], r[2]))
        for r in store.execute("SELECT id, path, content_hash FROM samples").fetchall()
    )
    table = pa.table(
        {
            "path": pa.array([rows[int(i)][0] for i in ids], pa.string()),
            "content_hash": pa.array([rows[int(i)][1] for i in ids], pa.string()),
            "embedder": pa.array([info.id] * len(ids), pa.string()),
            "embedder_version": pa.array([info.version] * len(ids), pa.string()),
            "dim": pa.array([x.shape[1]] * len(ids), pa.int32()),
            "vector": pa.FixedSizeListArray.from_arrays(
                pa.array(x.ravel(), pa.float32()), x.shape[1]
            ),
        }
    )
    target = Path(target).expanduser().absolute()
    refuse_replacing_another_kind(target, (".parquet",), FeatureFileError)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
    except OSError as error:
        raise FeatureFileError(f"cannot write to {target.parent}: {error.strerror}") from None
    try:
        pq.write_table(table, temp)
        as_if_created(temp, 0o666)  # a file to take to another machine, not a private one
        os.replace(temp, target)
    except OSError as error:
        raise FeatureFileError(f"cannot write {target}: {error.strerror or error}") from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return {"rows": len(ids), "dim": int(x.shape[1]), "path": str(target)}


# ---------------------------------------------------------------------------- reading
@dataclass
class _Rows:
    paths: list[str]
    hashes: list[str | None]
    x: np.ndarray
    version: str | None


def _read(path: Path) -> _Rows:
    if not path.exists():
        raise FeatureFileError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_npz(path)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    raise FeatureFileError(f"{path.name}: expected a .parquet or .npz file")


def _read_npz(path: Path) -> _Rows:
    try:
        with np.load(path, allow_pickle=False) as data:
            x = np.asarray(data["x"])
            paths = [str(p) for p in np.asarray(data["paths"])]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise FeatureFileError(
            f"{path.name} is not a features NPZ with arrays x (n x d) and paths ({error})"
        ) from None
    if x.ndim != 2 or len(paths) != len(x):
        raise FeatureFileError(f"{path.name}: x must be n x d with one path per row")
    return _Rows(paths, [None] * len(paths), x.astype(np.float32), None)


def _read_parquet(path: Path) -> _Rows:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise FeatureFileError(f"{path.name} is not a readable Parquet file ({error})") from None
    if "vector" not in table.column_names or "path" not in table.column_names:
        raise FeatureFileError(f"{path.name}: needs the columns path and vector")
    vectors = table.column("vector").to_pylist()
    dims = {len(v) if v is not None else -1 for v in vectors}
    if len(dims) > 1 or -1 in dims:
        raise FeatureFileError(f"{path.name}: vectors have different lengths {sorted(dims)}")
    x = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    hashes = (
        table.column("content_hash").to_pylist()
        if "content_hash" in table.column_names
        else [None] * len(vectors)
    )
    version = None
    if "embedder_version" in table.column_names and table.num_rows:
        versions = set(table.column("embedder_version").to_pylist())
        version = versions.pop() if len(versions) == 1 else None
    return _Rows(table.column("path").to_pylist(), hashes, x, version)


def _validate(rows: _Rows, name: str) -> None:
    if not len(rows.x):
        raise FeatureFileError(f"{name}: no rows")
    bad = np.flatnonzero(~np.isfinite(rows.x).all(axis=1))
    if len(bad):
        first = int(bad[0])
        raise FeatureFileError(
            f"{name}: {quantity_with_verb(len(bad), 'row', 'contains', 'contain')} NaN or "
            f"infinite values, first row {first} "
            f"({rows.paths[first]})"
        )
    seen: set[str] = set()
    for path in rows.paths:
        if path in seen:
            raise FeatureFileError(f"{name}: the path {path} appears more than once")
        seen.add(path)


# ---------------------------------------------------------------------------- matching
def _relative_index(store: Store) -> dict[str, list[int]]:
    """Each sample's path below its library folder -> sample ids."""
    index: dict[str, list[int]] = {}
    rows = store.execute(
        "SELECT s.id, s.path, r.path FROM samples s LEFT JOIN roots r ON r.id = s.root_id"
    ).fetchall()
    for sample_id, path, root in rows:
        if root and path.startswith(root.rstrip("/") + "/"):
            index.setdefault(path[len(root.rstrip("/")) + 1 :], []).append(sample_id)
    return index


def _match(store: Store, rows: _Rows) -> tuple[list[int | None], int, int]:
    by_hash: dict[str, list[int]] = {}
    by_path: dict[str, int] = {}
    for sample_id, path, digest in store.execute(
        "SELECT id, path, content_hash FROM samples WHERE status != 'missing'"
    ):
        by_path[path] = sample_id
        if digest:
            by_hash.setdefault(digest, []).append(sample_id)
    relative = _relative_index(store)
    matches: list[int | None] = []
    hash_hits = path_hits = 0
    used: set[int] = set()
    for path, digest in zip(rows.paths, rows.hashes, strict=True):
        found = None
        candidates = [i for i in by_hash.get(digest or "", []) if i not in used]
        if len(candidates) == 1 or (candidates and by_path.get(path) in candidates):
            found = by_path.get(path) if by_path.get(path) in candidates else candidates[0]
            hash_hits += 1
        elif path in by_path and by_path[path] not in used:
            found = by_path[path]
            path_hits += 1
        else:
            parts = PurePath(path).parts
            for k in range(len(parts)):
                tail = "/".join(parts[k:])
                hits = [i for i in relative.get(tail, []) if i not in used]
                if len(hits) == 1:
                    found = hits[0]
                    path_hits += 1
                    break
                if len(hits) > 1:
                    break  # ambiguous: do not guess
        if found is not None:
            used.add(found)
        matches.append(found)
    return matches, hash_hits, path_hits


# ---------------------------------------------------------------------------- import
def import_features(store: Store, source: str | os.PathLike[str], embedder: str) -> ImportSummary:
    """Attach the vectors in `source` to this library's samples under the name `embedder`."""
    path = Path(source).expanduser()
    rows = _read(path)
    _validate(rows, path.name)
    dim = rows.x.shape[1]
    existing = store.execute(
        "SELECT DISTINCT dim FROM features WHERE embedder = ?", (embedder,)
    ).fetchall()
    if existing and {d for (d,) in existing} != {dim}:
        raise FeatureFileError(
            f"{path.name} has {dim}-d vectors but this library's {embedder} vectors are "
            f"{existing[0][0]}-d: import under another --embedder name"
        )
    version = rows.version or IMPORTED_VERSION
    stored_versions = store.execute(
        "SELECT DISTINCT version FROM features WHERE embedder = ?", (embedder,)
    ).fetchall()
    if stored_versions and version not in {v for (v,) in stored_versions}:
        version = stored_versions[0][0]  # one version per embedder name in a library
    matches, by_hash, by_path = _match(store, rows)
    summary = ImportSummary(
        rows=len(rows.paths),
        by_hash=by_hash,
        by_path=by_path,
        embedder=embedder,
        version=version,
        dim=dim,
    )
    with store.transaction():
        for sample_id, vector, source_path in zip(matches, rows.x, rows.paths, strict=True):
            if sample_id is None:
                summary.unmatched.append(source_path)
                continue
            store.put_features(sample_id, embedder, version, vector)
            summary.imported += 1
    return summary
