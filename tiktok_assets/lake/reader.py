"""Reading lake partitions back (asset checks, downstream assets, reports, tests) through the storage."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage, PartitionReplacedError

T = TypeVar("T")
READ_ATTEMPTS = 5


def _read(storage: LakeStorage, key: str, read: Callable[[object], T]) -> T:
    """``read`` one version of the object. On an object store a commit may replace the partition between two
    ranged reads; the storage then raises ``PartitionReplacedError`` and the read starts over on the new one."""
    for attempt in range(READ_ATTEMPTS):
        try:
            return read(storage.open(key))
        except PartitionReplacedError:
            if attempt == READ_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def read_partition(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str], columns: Sequence[str] | None = None
) -> pa.Table | None:
    """The partition's rows, or None when it was never materialized."""
    key = layout.partition_key(dataset, partition)
    if not storage.exists(key):
        return None
    cols = list(columns) if columns else None
    return _read(storage, key, lambda f: pq.read_table(f, columns=cols, schema=dataset.schema))


def partition_footer(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str]
) -> dict[str, str] | None:
    """The key/value metadata a commit wrote into the file (run ids, window), or None if absent."""
    key = layout.partition_key(dataset, partition)
    return file_footer(storage, key) if storage.exists(key) else None


def file_footer(storage: LakeStorage, key: str) -> dict[str, str]:
    """The key/value metadata in the footer of the file under ``key`` (Arrow's own schema entry left out)."""
    meta = _read(storage, key, pq.read_schema).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items() if not k.startswith(b"ARROW")}


def partition_keys(storage: LakeStorage, dataset: Dataset) -> list[str]:
    """Storage keys of every committed partition file of ``dataset``."""
    return storage.list(layout.dataset_prefix(dataset), layout.PART_FILE)


def list_partitions(storage: LakeStorage, dataset: Dataset) -> list[dict[str, str]]:
    return sorted(
        (layout.parse_partition(key, dataset) for key in partition_keys(storage, dataset)),
        key=lambda d: tuple(d.values()),
    )


def file_rows(storage: LakeStorage, key: str) -> int:
    """Row count of one partition file from its Parquet footer (no data read)."""
    return _read(storage, key, lambda f: pq.ParquetFile(f).metadata.num_rows)


def partition_rows(storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str]) -> int | None:
    """Row count from the Parquet footer (no data read), or None when the partition is absent."""
    key = layout.partition_key(dataset, partition)
    return file_rows(storage, key) if storage.exists(key) else None


def partition_head(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str], columns: Sequence[str], n: int = 5
) -> pa.Table | None:
    """The first ``n`` rows of some columns (previews), reading one batch only."""
    key = layout.partition_key(dataset, partition)
    if not storage.exists(key):
        return None

    def head(f: object) -> pa.Table:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=n, columns=list(columns)):
            return pa.Table.from_batches([batch])
        return dataset.schema.empty_table().select(list(columns))

    return _read(storage, key, head)
