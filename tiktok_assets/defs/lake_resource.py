"""``LakeResource``: the Parquet lake as a typed Dagster resource — the one place that knows where it is.

A thin shell over ``tiktok_assets.lake`` (plain pyarrow): it resolves the location (its ``lake_dir``, else
``settings.lake_dir()``, i.e. env ``TIKTOK_LAKE_DIR``), builds the storage, and hands datasets to the writer
and readers. dbt gets the lake location from here (``dbt_vars``), never from a second copy of the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa

from tiktok_assets import settings
from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LocalStorage
from tiktok_assets.lake.writer import DayRouter, PartitionWriter


class LakeResource(dg.ConfigurableResource):
    """Where partitions are written. ``lake_dir`` empty means ``settings.lake_dir()`` (env ``TIKTOK_LAKE_DIR``)."""

    lake_dir: str = ""
    row_group_rows: int = 50_000

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Temp files of runs killed mid-write are invisible to readers; reclaim their disk once a day old.
        removed = self.storage.sweep_scratch()
        if removed and context.log:
            context.log.info(f"removed {removed} orphaned temp file(s) from {self.storage.scratch_dir()}")

    @property
    def root(self) -> Path:
        return Path(self.lake_dir) if self.lake_dir else settings.lake_dir()

    @property
    def storage(self) -> LocalStorage:
        return LocalStorage(self.root)

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
        if partition is None:
            return self.storage.path(layout.dataset_prefix(dataset))
        return self.storage.path(layout.partition_key(dataset, partition))
