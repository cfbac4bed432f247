"""The lake's storage seam: the few operations the writer and readers need, and the local-disk backend.

- ``publish(local_file, key)``: make a finished file visible under ``key`` atomically — a reader sees the old
  object or the new one, never half;
- ``exists``, ``list``, ``open`` (for pyarrow), ``delete``, ``uri``;
- ``scratch_dir()``: a local folder where writers stream temp files before publishing.
An object store implements the same interface (publish = one PUT of the whole object), so the writer's
callers never change.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

SCRATCH_DIR = ".tmp"


@runtime_checkable
class LakeStorage(Protocol):
    def uri(self, key: str) -> str: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str, filename: str) -> list[str]: ...

    def open(self, key: str) -> str | object: ...

    def publish(self, local_file: Path, key: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def scratch_dir(self) -> Path: ...


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

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def scratch_dir(self) -> Path:
        return self.root / SCRATCH_DIR

    def sweep_scratch(self, max_age_seconds: float = 24 * 3600) -> int:
        """Delete temp files a killed writer left behind (never visible to readers, only disk).

        Only files untouched for ``max_age_seconds`` go: a live writer touches its file at every row group.
        """
        root = self.scratch_dir()
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


def as_storage(lake: LakeStorage | Path | str) -> LakeStorage:
    """A storage for a path (a local lake), or the storage itself."""
    return lake if isinstance(lake, LakeStorage) else LocalStorage(lake)
