"""Where a partition lives, as a storage key: ``<source>/<dataset>/<dim>=<value>[/…]/part-0.parquet``.

Keys are POSIX paths relative to the lake root, the same for every storage (local disk today, an object
store next): one file per partition, and replacing that one file is what makes a commit atomic.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote

from tiktok_assets.lake.datasets import Dataset

PART_FILE = "part-0.parquet"


def _encode(value: str) -> str:
    if not value:
        raise ValueError("a partition value must not be empty")
    # Hive-style escaping: '/', '=' and friends become %XX so a value can never add a directory level.
    return quote(value, safe="@+,;:")


def dataset_prefix(dataset: Dataset) -> str:
    return f"{dataset.source}/{dataset.name}"


def partition_prefix(dataset: Dataset, partition: Mapping[str, str]) -> str:
    parts = [f"{dim}={_encode(str(value))}" for dim, value in partition.items()]
    return "/".join([dataset_prefix(dataset), *parts])


def partition_key(dataset: Dataset, partition: Mapping[str, str]) -> str:
    return f"{partition_prefix(dataset, partition)}/{PART_FILE}"


def check_dims(dataset: Dataset, partition: Mapping[str, str]) -> None:
    if tuple(partition) != dataset.partition_dims:
        raise ValueError(
            f"{dataset.qualified_name} is partitioned by {dataset.partition_dims}, got {tuple(partition)}"
        )


def parse_partition(key: str, dataset: Dataset) -> dict[str, str]:
    """``research/videos/query=x/date=2026-01-02/part-0.parquet`` → ``{"query": "x", "date": "2026-01-02"}``."""
    relative = key.removeprefix(dataset_prefix(dataset) + "/").removesuffix("/" + PART_FILE)
    out: dict[str, str] = {}
    for part in relative.split("/"):
        dim, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"not a hive path segment: {part!r}")
        out[dim] = unquote(value)
    return out
