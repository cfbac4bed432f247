"""``LakeResource``: the Parquet lake as a Dagster resource (a thin shell over ``tiktok_assets.lake``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa

from tiktok_assets import settings
from tiktok_assets.lake import layout, reader, schemas
from tiktok_assets.lake.writer import DayRouter, PartitionWriter, sweep_orphans


class LakeResource(dg.ConfigurableResource):
    """Where partitions are written. ``lake_dir`` empty means ``settings.lake_dir()`` (env ``TIKTOK_LAKE_DIR``)."""

    lake_dir: str = ""
    source: str = schemas.SOURCE
    row_group_rows: int = 50_000

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Temp files of runs killed mid-write are invisible to readers; reclaim their disk once a day old.
        removed = sweep_orphans(self.root)
        if removed and context.log:
            context.log.info(f"removed {removed} orphaned temp file(s) from {self.root / '.tmp'}")

    @property
    def root(self) -> Path:
        return Path(self.lake_dir) if self.lake_dir else settings.lake_dir()

    def writer(
        self, dataset: str, partition: Mapping[str, str], *, metadata: Mapping[str, str] | None = None,
        append: bool = False,
    ) -> PartitionWriter:  # fmt: skip
        return PartitionWriter(
            self.root, self.source, dataset, partition, metadata=metadata,
            row_group_rows=self.row_group_rows, append=append,
        )  # fmt: skip

    def day_router(
        self, dataset: str, fixed: Mapping[str, str], days: Sequence[date], *, day_dim: str = "date",
        metadata: Mapping[str, str] | None = None,
    ) -> DayRouter:  # fmt: skip
        """Route rows of a range run into daily partitions ``{**fixed, day_dim: YYYY-MM-DD}``."""

        def make(day: date, append: bool) -> PartitionWriter:
            return self.writer(dataset, {**fixed, day_dim: day.isoformat()}, metadata=metadata, append=append)

        return DayRouter(make, days, schemas.dataset(dataset).time_column or "create_time")

    def read(
        self, dataset: str, partition: Mapping[str, str], columns: Sequence[str] | None = None
    ) -> pa.Table | None:
        return reader.read_partition(self.root, self.source, dataset, partition, columns)

    def rows(self, dataset: str, partition: Mapping[str, str]) -> int | None:
        return reader.partition_rows(self.root, self.source, dataset, partition)

    def head(
        self, dataset: str, partition: Mapping[str, str], columns: Sequence[str], n: int = 5
    ) -> pa.Table | None:
        return reader.partition_head(self.root, self.source, dataset, partition, columns, n)

    def footer(self, dataset: str, partition: Mapping[str, str]) -> dict[str, str] | None:
        return reader.partition_footer(self.root, self.source, dataset, partition)

    def exists(self, dataset: str, partition: Mapping[str, str]) -> bool:
        return layout.partition_file(self.root, self.source, dataset, partition).exists()

    def partitions(self, dataset: str) -> list[dict[str, str]]:
        return reader.list_partitions(self.root, self.source, dataset)

    def path(self, dataset: str, partition: Mapping[str, str] | None = None) -> Path:
        if partition is None:
            return layout.dataset_dir(self.root, self.source, dataset)
        return layout.partition_file(self.root, self.source, dataset, partition)


# One shared instance: Definitions.merge refuses two *different* objects under the same resource key, so every
# module that needs the lake (research, ensembledata, dbt…) should wire this very object as "lake".
LAKE = LakeResource()
