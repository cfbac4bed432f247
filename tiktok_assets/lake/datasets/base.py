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
# What the columns every dataset carries hold (a dataset's own ``column_docs`` may say more for its case).
META_COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    ("collected_at", "When the row was fetched from the API (UTC, the backend's clock)."),
    ("window_start", "Start of the request's time window (inclusive, UTC); null when the request had none."),
    ("window_end", "End of the request's time window (exclusive, UTC); null when the request had none."),
    (
        "extra_json",
        "Fields the API sent that this schema does not declare, as a JSON object; null when none.",
    ),
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
    # (column or hive dim, what it holds) for the catalog: Dagster's column schema and dbt's sources read them.
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

    @cached_property
    def docs(self) -> dict[str, str]:
        """What each column and hive dim holds: the shared meta columns' docs, then the dataset's own."""
        return {**dict(META_COLUMN_DOCS), **dict(self.column_docs)}

    def undocumented(self) -> list[str]:
        """Columns and dims without a description (a declaration should leave none)."""
        return [n for n in (*self.schema.names, *self.partition_dims) if not self.docs.get(n)]

    def __repr__(self) -> str:
        return f"Dataset({self.qualified_name})"
