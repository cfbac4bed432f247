"""Where a partition lives: ``<lake>/<source>/<dataset>/<dim>=<value>[/<dim2>=<value2>]/part-0.parquet``.

One file per partition: replacing that file with ``os.replace`` is what makes a commit atomic.
Temporary files live under ``<lake>/.tmp/`` — the same filesystem (so the rename is atomic) but outside every
dataset's tree, so a reader globbing ``<lake>/research/videos/**/*.parquet`` never sees half a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote

PART_FILE = "part-0.parquet"
TMP_DIR = ".tmp"


def _encode(value: str) -> str:
    if not value:
        raise ValueError("a partition value must not be empty")
    # Hive-style escaping: '/', '=' and friends become %XX so a value can never add a directory level.
    return quote(value, safe="@+,;:")


def dataset_dir(lake_dir: Path | str, source: str, dataset: str) -> Path:
    return Path(lake_dir) / source / dataset


def partition_dir(lake_dir: Path | str, source: str, dataset: str, partition: Mapping[str, str]) -> Path:
    path = dataset_dir(lake_dir, source, dataset)
    for dim, value in partition.items():
        path = path / f"{dim}={_encode(str(value))}"
    return path


def partition_file(lake_dir: Path | str, source: str, dataset: str, partition: Mapping[str, str]) -> Path:
    return partition_dir(lake_dir, source, dataset, partition) / PART_FILE


def parse_partition(relative: Path) -> dict[str, str]:
    """``query=x/date=2026-01-02`` → ``{"query": "x", "date": "2026-01-02"}``."""
    out: dict[str, str] = {}
    for part in relative.parts:
        dim, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"not a hive path segment: {part!r}")
        out[dim] = unquote(value)
    return out


def tmp_root(lake_dir: Path | str) -> Path:
    return Path(lake_dir) / TMP_DIR
