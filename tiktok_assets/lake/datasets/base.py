"""What a lake dataset is: one declaration of its source, name, row key, hive dims and Arrow columns.

Every other part reads the declaration rather than restating it: the writer (dedupe key, dims), the readers,
the asset checks (ids, counts, time column), the asset metadata (schema, preview columns) and the dbt
sources file (generated from it, see ``lake.dbt_sources``). Plain pyarrow; no Dagster, no HTTP.

Rules for every dataset:
- ids and counts are int64 (never float); times are ``timestamp[s, UTC]``; tags are ``list<string>``;
  nested API objects stay structs;
- every row carries ``collected_at`` and the request window (``window_start``, ``window_end``), and
  ``extra_json`` holds what the API sent that the schema does not know;
- partition dimensions live in the hive path only, never in the files, so DuckDB's ``hive_partitioning``
  does not see a column twice.
Names are a contract with dbt: add columns at the end, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

TS = pa.timestamp("s", tz="UTC")

META_FIELDS: tuple[pa.Field, ...] = (
    pa.field("collected_at", TS, nullable=False),
    pa.field("window_start", TS),
    pa.field("window_end", TS),
    pa.field("extra_json", pa.string()),
)


@dataclass(frozen=True)
class Dataset:
    """A lake dataset: ``<lake>/<source>/<name>/<dim>=<value>/…/part-0.parquet``."""

    source: str
    name: str
    fields: tuple[pa.Field, ...]
    key: tuple[str, ...]  # the row identity: the writer deduplicates on it
    partition_dims: tuple[str, ...]
    description: str = ""
    time_column: str | None = None  # a range run routes rows to daily partitions by this column
    preview_columns: tuple[str, ...] = ()  # what a materialization shows of its rows
    # Older API examples use other names for the same field (``video_id`` for a video's ``id``).
    aliases: tuple[tuple[str, str], ...] = ()
    # (column, what it holds) for the catalog: Dagster's column schema and dbt's sources read these.
    column_docs: tuple[tuple[str, str], ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.source}/{self.name}"

    @cached_property
    def schema(self) -> pa.Schema:
        return pa.schema([*self.fields, *META_FIELDS], metadata={b"dataset": self.name.encode()})

    @property
    def data_columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def __repr__(self) -> str:
        return f"Dataset({self.qualified_name})"
