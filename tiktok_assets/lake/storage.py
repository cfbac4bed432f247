"""The lake's storage seam: the few operations the writer and readers need, and the local-disk backend.

- ``publish(local_file, key)``: make a finished file visible under ``key`` atomically — a reader sees the old
  object or the new one, never half;
- ``exists``, ``list``, ``open`` (for pyarrow), ``delete``, ``uri``, ``fingerprint`` (changes whenever the
  object is replaced);
- ``scratch_dir()``: a local folder where writers stream temp files before publishing.
An object store implements the same interface (publish = one upload of the whole object: ``s3_storage``),
so the writer's callers never change. ``storage_for(url)`` picks the backend from the lake's location: a path
(or ``file://``) is the local disk, ``s3://bucket/prefix`` an S3-compatible store.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from tiktok_assets import settings

SCRATCH_DIR = ".tmp"


@runtime_checkable
class LakeStorage(Protocol):
    def uri(self, key: str) -> str: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str, filename: str) -> list[str]: ...

    def open(self, key: str) -> str | object: ...

    def publish(self, local_file: Path, key: str) -> None: ...

    def delete(self, key: str, *, prune_to: str | None = None) -> None: ...

    def fingerprint(self, key: str) -> str | None: ...

    def scratch_dir(self) -> Path: ...

    def sweep_scratch(self, max_age_seconds: float = ...) -> int: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """The lake on a local (or mounted) filesystem. Temp files live under ``<root>/.tmp``: the same
    filesystem, so ``os.replace`` is atomic, but outside every dataset's tree, so a reader globbing
    ``<root>/research/videos/**/*.parquet`` never sees half a file."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / key

    def uri(self, key: str) -> str:
        return str(self.path(key))

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def list(self, prefix: str, filename: str) -> list[str]:
        base = self.path(prefix)
        if not base.exists():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob(filename))

    def open(self, key: str) -> str:
        return str(self.path(key))

    def publish(self, local_file: Path, key: str) -> None:
        with open(local_file, "rb") as fh:
            os.fsync(fh.fileno())
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(local_file, final)
        _fsync_dir(final.parent)

    def delete(self, key: str, *, prune_to: str | None = None) -> None:
        """Remove ``key``; with ``prune_to`` (a prefix of ``key``) also the folders below it left empty, so a
        scratch tree such as the page journal leaves no empty folders behind."""
        path = self.path(key)
        path.unlink(missing_ok=True)
        if prune_to is None:
            return
        stop = self.path(prune_to)
        folder = path.parent
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()  # only when empty: a folder something else still uses stays
            except OSError:
                return
            folder = folder.parent

    def fingerprint(self, key: str) -> str | None:
        """What changes whenever the object under ``key`` is replaced (None: absent)."""
        try:
            st = self.path(key).stat()
        except FileNotFoundError:
            return None
        return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"  # publish is a rename: a new inode each time

    def scratch_dir(self) -> Path:
        return self.root / SCRATCH_DIR

    def sweep_scratch(self, max_age_seconds: float = 24 * 3600) -> int:
        return sweep_old_files(self.scratch_dir(), max_age_seconds)


def sweep_old_files(root: Path, max_age_seconds: float) -> int:
    """Delete temp files a killed writer left in a scratch folder (never visible to readers, only disk).

    Only files untouched for ``max_age_seconds`` go: a live writer touches its file at every row group.
    """
    removed = 0
    if not root.exists():
        return removed
    cutoff = time.time() - max_age_seconds
    for path in root.glob("*.parquet"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # a writer committed or aborted it meanwhile
            continue
    return removed


class PartitionReplacedError(OSError):
    """The partition was replaced while being read (object stores); reading it again sees one whole version."""


class LakeUrlError(ValueError):
    """A lake location this code cannot store to (an unknown scheme); raised at once, naming the URL."""


def lake_url() -> str:
    """The configured lake location: ``TIKTOK_LAKE_URL`` (``s3://bucket/prefix``, ``file:///…`` or a path),
    else the local folder ``settings.lake_dir()`` (``TIKTOK_LAKE_DIR``, default ``<data>/lake``)."""
    return os.environ.get("TIKTOK_LAKE_URL") or str(settings.lake_dir())


def storage_for(url: str | Path) -> LakeStorage:
    """The storage of a lake location: a path or ``file://`` URL → ``LocalStorage``; ``s3://`` → ``S3Storage``
    (endpoint, region and credentials from the environment)."""
    location = str(url)
    scheme, sep, rest = location.partition("://")
    if not sep:
        return LocalStorage(location)
    if scheme == "file":
        return LocalStorage(rest)
    if scheme == "s3":
        from tiktok_assets.lake.s3_storage import S3Storage  # pyarrow's S3 support loads only when used

        return S3Storage(location)
    raise LakeUrlError(
        f"unsupported lake URL scheme {scheme!r} in {location!r}: use a path, file:// or s3://"
    )


def as_storage(lake: LakeStorage | Path | str) -> LakeStorage:
    """The storage itself, or the storage of a lake location (path or URL)."""
    return lake if isinstance(lake, LakeStorage) else storage_for(lake)
