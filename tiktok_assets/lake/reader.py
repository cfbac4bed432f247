"""Reading lake partitions back (asset checks, downstream assets, tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout
from tiktok_assets.lake.schemas import SCHEMAS


def read_partition(
    lake_dir: Path | str,
    source: str,
    dataset_name: str,
    partition: Mapping[str, str],
    columns: Sequence[str] | None = None,
) -> pa.Table | None:
    """The partition's rows, or None when it was never materialized."""
    path = layout.partition_file(lake_dir, source, dataset_name, partition)
    if not path.exists():
        return None
    return pq.read_table(path, columns=list(columns) if columns else None, schema=SCHEMAS[dataset_name])


def partition_footer(
    lake_dir: Path | str, source: str, dataset_name: str, partition: Mapping[str, str]
) -> dict[str, str] | None:
    """The key/value metadata a commit wrote into the file (run ids, window), or None if absent."""
    path = layout.partition_file(lake_dir, source, dataset_name, partition)
    if not path.exists():
        return None
    meta = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items() if not k.startswith(b"ARROW")}


def list_partitions(lake_dir: Path | str, source: str, dataset_name: str) -> list[dict[str, str]]:
    root = layout.dataset_dir(lake_dir, source, dataset_name)
    if not root.exists():
        return []
    return sorted(
        (layout.parse_partition(p.parent.relative_to(root)) for p in root.rglob(layout.PART_FILE)),
        key=lambda d: tuple(d.values()),
    )


def partition_rows(
    lake_dir: Path | str, source: str, dataset_name: str, partition: Mapping[str, str]
) -> int | None:
    """Row count from the Parquet footer (no data read), or None when the partition is absent."""
    path = layout.partition_file(lake_dir, source, dataset_name, partition)
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


def partition_head(
    lake_dir: Path | str,
    source: str,
    dataset_name: str,
    partition: Mapping[str, str],
    columns: Sequence[str],
    n: int = 5,
) -> pa.Table | None:
    """The first ``n`` rows of some columns (previews), reading one batch only."""
    path = layout.partition_file(lake_dir, source, dataset_name, partition)
    if not path.exists():
        return None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=n, columns=list(columns)):
        return pa.Table.from_batches([batch])
    return pa.Table.from_pylist([], schema=SCHEMAS[dataset_name].empty_table().select(list(columns)).schema)
