"""Reading lake partitions back (asset checks, downstream assets, reports, tests) through the storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage


def read_partition(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str], columns: Sequence[str] | None = None
) -> pa.Table | None:
    """The partition's rows, or None when it was never materialized."""
    key = layout.partition_key(dataset, partition)
    if not storage.exists(key):
        return None
    return pq.read_table(storage.open(key), columns=list(columns) if columns else None, schema=dataset.schema)


def partition_footer(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str]
) -> dict[str, str] | None:
    """The key/value metadata a commit wrote into the file (run ids, window), or None if absent."""
    key = layout.partition_key(dataset, partition)
    if not storage.exists(key):
        return None
    meta = pq.read_schema(storage.open(key)).metadata or {}
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
    return pq.ParquetFile(storage.open(key)).metadata.num_rows


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
    for batch in pq.ParquetFile(storage.open(key)).iter_batches(batch_size=n, columns=list(columns)):
        return pa.Table.from_batches([batch])
    return dataset.schema.empty_table().select(list(columns))
