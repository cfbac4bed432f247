"""``LakeResource``: the Parquet lake as a typed Dagster resource — the one place that knows where it is.

A thin shell over ``tiktok_assets.lake`` (plain pyarrow): it resolves the location, builds the storage
(``storage_for``: local disk or an S3-compatible store), and hands datasets to the writer and readers. dbt
gets the lake location from here (``url``), never from a second copy of the rule.

Location, first set wins: the resource's ``lake_url``, its ``lake_dir``, env ``TIKTOK_LAKE_URL``
(``s3://bucket/prefix``), env ``TIKTOK_LAKE_DIR``, ``<data>/lake``. Object-store credentials are never
configuration: the AWS SDK's chain reads them in the process that touches the bucket (``lake/s3_storage.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa

from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage, LocalStorage, lake_url, storage_for
from tiktok_assets.lake.writer import DayRouter, PartitionWriter


class LakeResource(dg.ConfigurableResource):
    """Where partitions are written: ``lake_url`` (``s3://bucket/prefix`` or a path), else ``lake_dir``, else
    env ``TIKTOK_LAKE_URL`` / ``TIKTOK_LAKE_DIR`` (see the module docstring)."""

    lake_url: str = ""
    lake_dir: str = ""
    row_group_rows: int = 50_000

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Temp files of runs killed mid-write are invisible to readers; reclaim their disk once a day old.
        removed = self.storage.sweep_scratch()
        if removed and context.log:
            context.log.info(f"removed {removed} orphaned temp file(s) from {self.storage.scratch_dir()}")
        if self.on_object_store:
            from tiktok_assets.lake.duckdb_httpfs import ensure_httpfs  # DuckDB only where a run reads S3

            ensure_httpfs()  # dbt (DuckDB) reads the lake over S3 in this process's steps

    @property
    def url(self) -> str:
        """The lake's location as dbt and users see it: an absolute path, or ``s3://bucket/prefix``."""
        location = self.lake_url or self.lake_dir or lake_url()
        return location if "://" in location else str(Path(location).resolve())

    @property
    def on_object_store(self) -> bool:
        return not isinstance(self.storage, LocalStorage)

    @property
    def root(self) -> Path:
        """The local lake folder (local lakes only: an object-store lake has ``url``, not a path)."""
        storage = self.storage
        if not isinstance(storage, LocalStorage):
            raise ValueError(f"the lake is on an object store ({self.url}): it has a URL, not a local path")
        return storage.root

    @property
    def storage(self) -> LakeStorage:
        return storage_for(self.url)

    def writer(
        self, dataset: Dataset, partition: Mapping[str, str], *, metadata: Mapping[str, str] | None = None,
        append: bool = False,
    ) -> PartitionWriter:  # fmt: skip
        return PartitionWriter(
            self.storage,
            dataset,
            partition,
            metadata=metadata,
            row_group_rows=self.row_group_rows,
            append=append,
        )

    def day_router(
        self, dataset: Dataset, fixed: Mapping[str, str], days: Sequence[date], *, day_dim: str = "date",
        metadata: Mapping[str, str] | None = None,
    ) -> DayRouter:  # fmt: skip
        """Route rows of a range run into daily partitions ``{**fixed, day_dim: YYYY-MM-DD}``."""

        def make(day: date, append: bool) -> PartitionWriter:
            return self.writer(dataset, {**fixed, day_dim: day.isoformat()}, metadata=metadata, append=append)

        return DayRouter(make, days, dataset.time_column or "create_time")

    def read(
        self, dataset: Dataset, partition: Mapping[str, str], columns: Sequence[str] | None = None
    ) -> pa.Table | None:
        return reader.read_partition(self.storage, dataset, partition, columns)

    def rows(self, dataset: Dataset, partition: Mapping[str, str]) -> int | None:
        return reader.partition_rows(self.storage, dataset, partition)

    def head(
        self, dataset: Dataset, partition: Mapping[str, str], columns: Sequence[str], n: int = 5
    ) -> pa.Table | None:
        return reader.partition_head(self.storage, dataset, partition, columns, n)

    def footer(self, dataset: Dataset, partition: Mapping[str, str]) -> dict[str, str] | None:
        return reader.partition_footer(self.storage, dataset, partition)

    def exists(self, dataset: Dataset, partition: Mapping[str, str]) -> bool:
        return self.storage.exists(layout.partition_key(dataset, partition))

    def partitions(self, dataset: Dataset) -> list[dict[str, str]]:
        return reader.list_partitions(self.storage, dataset)

    def path(self, dataset: Dataset, partition: Mapping[str, str] | None = None) -> Path:
        """A local path (local lakes only; ``uri`` works for both)."""
        key = (
            layout.dataset_prefix(dataset) if partition is None else layout.partition_key(dataset, partition)
        )
        return self.root / key

    def uri(self, dataset: Dataset, partition: Mapping[str, str]) -> str:
        return self.storage.uri(layout.partition_key(dataset, partition))
