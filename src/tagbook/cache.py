"""An atomic on-disk cache of NumPy arrays with a content checksum beside each entry.

One entry is two files in the same folder:

* ``NAME.npz``: the arrays (uncompressed ``.npz``, read without pickle) plus a JSON metadata
  record stored as the byte array ``__meta__``;
* ``NAME.npz.sha256``: the SHA-256 of the ``.npz`` file's bytes.

Both are written to a temporary file in the target folder, flushed, ``fsync``-ed and moved into
place with ``os.replace`` (atomic on POSIX and Windows), data first and checksum second. A run
interrupted at any point therefore leaves either the previous complete entry, or an entry whose
checksum is missing or does not match: :func:`load_arrays` treats both as absent (and removes
them), so a half-written file is never trusted and the caller simply regenerates it.

Content hashing lives here too, once: :func:`content_hash` is the SHA-256 primitive every cache
key and checksum of the library is made with. Each caller keeps its own byte recipe (what it feeds
the hash), because a key that changed would orphan the entries already on disk:
:func:`content_key` hashes canonical JSON, :func:`file_sha256` a file's bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from tagbook.paths import cache_dir

META_KEY = "__meta__"
CHECKSUM_SUFFIX = ".sha256"
_CHUNK = 1 << 20
_HEX_DIGITS = 64


def content_hash(data: bytes | Iterable[bytes], length: int | None = None) -> str:
    """Hex SHA-256 (FIPS 180-4) of ``data``: one bytes-like object, or an iterable of them hashed
    in order as if concatenated (so a file can be hashed block by block).

    ``length`` keeps the first ``length`` hex digits (1 to 64); ``None`` keeps all 64.
    """
    if length is not None and (not isinstance(length, int) or not 1 <= length <= _HEX_DIGITS):
        raise ValueError(f"length must be an int in [1, {_HEX_DIGITS}] or None, got {length!r}")
    digest = hashlib.sha256()
    for part in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
        digest.update(part)
    return digest.hexdigest()[:length]


def content_key(obj: Any, length: int = 20) -> str:
    """A stable hex key for a JSON-serialisable description (e.g. a config and a version).

    The recipe is fixed (keys of existing cache entries depend on it): :func:`content_hash` of
    the ASCII bytes of ``json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
    default=str)``.
    """
    text = json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return content_hash(text.encode("ascii"), length)


def cache_path(namespace: str, key: str, suffix: str = ".npz") -> Path:
    """``$TAGBOOK_CACHE/<namespace>/<key><suffix>`` (default root ``~/.cache/tagbook``)."""
    if not namespace or "/" in namespace or namespace.startswith("."):
        raise ValueError(f"cache namespace must be a plain folder name, got {namespace!r}")
    return cache_dir() / namespace / f"{key}{suffix}"


def file_sha256(path: str | Path, length: int | None = None) -> str:
    """:func:`content_hash` of a file's bytes, read in blocks (the first ``length`` hex digits)."""
    with open(path, "rb") as f:
        return content_hash(iter(lambda: f.read(_CHUNK), b""), length)


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, write: Callable[[Any], None]) -> Path:
    """Write a file atomically: ``write(binary_file)`` into a temp file beside it, fsync, replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def save_arrays(path: str | Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any] | None = None) -> Path:
    """Store ``arrays`` (name -> ndarray, no object dtype) and JSON ``meta`` atomically at ``path``.

    Returns the path. The checksum file is written after the data, so a reader never trusts data
    whose checksum was not written for exactly those bytes.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"cache entries are .npz files, got {path}")
    payload: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if name == META_KEY:
            raise ValueError(f"array name {META_KEY!r} is reserved for the metadata")
        value = np.asarray(value)
        if value.dtype == object:
            raise TypeError(f"array {name!r} has dtype object; cache entries hold plain arrays only")
        payload[name] = value
    meta_bytes = json.dumps(dict(meta or {}), ensure_ascii=False).encode("utf-8")
    payload[META_KEY] = np.frombuffer(meta_bytes, dtype=np.uint8)

    checksum = _checksum_path(path)
    try:  # an old checksum must not vouch for the new bytes while they are being replaced
        checksum.unlink()
    except FileNotFoundError:
        pass
    atomic_write(path, lambda f: np.savez(f, **payload))
    # np.savez may seek back to patch zip headers, so hash the file as it lies on disk.
    atomic_write(checksum, lambda f: f.write(file_sha256(path).encode("ascii") + b"\n"))
    return path


def load_arrays(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Read an entry written by :func:`save_arrays`; ``None`` when absent, unverified or corrupt.

    An entry whose checksum file is missing, does not match the data, or whose data cannot be
    parsed is deleted (both files), so that the caller regenerates and rewrites it.
    """
    path = Path(path)
    checksum = _checksum_path(path)
    if not path.exists():
        return None
    try:
        expected = checksum.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        discard(path)
        return None
    if expected != file_sha256(path):
        discard(path)
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode("utf-8")) if META_KEY in arrays else {}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError):
        discard(path)
        return None
    return arrays, meta


def discard(path: str | Path) -> None:
    """Remove a cache entry and its checksum, whichever of them exist."""
    path = Path(path)
    for p in (path, _checksum_path(path)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
