"""The dbt sources file (``dbt/models/sources.yml``), generated from the lake's dataset declarations.

One dbt source per lake source, one table per dataset, every column with the DuckDB type DuckDB itself gives
the Arrow type (so an empty, never-collected dataset is typed exactly like a collected one) plus the hive
dims as VARCHAR (staging casts them), each with the description its dataset declares (``Dataset.docs``). The file is checked in for dbt to read; ``tiktok-assets dbt-sources``
rewrites it and a test fails when it is stale.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa
import yaml

from tiktok_assets.lake.datasets import ALL, Dataset

HEADER = """\
# GENERATED from tiktok_assets/lake/datasets/ by `tiktok-assets dbt-sources`: do not edit by hand.
# Each table is read from <lake>/<source>/<table>/<dim>=<value>/*.parquet by the `lake_source` macro
# (macros/lake.sql); the declared columns type the empty relation it returns while a dataset has no files.
"""
SOURCE_DESCRIPTIONS = {
    "research": "TikTok Research API endpoints, collected by tiktok_assets/defs/research.",
    "ensembledata": "EnsembleData's TikTok endpoints (aweme posts, comments, users, sounds, units), collected by "
    "tiktok_assets/defs/ensembledata.",
    "vce": "TikTok VCE query-task results (one folder per named query), collected by tiktok_assets/defs/vce.",
}


def duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """Column → the DuckDB type of that Arrow column, as DuckDB reads it."""
    empty = schema.empty_table()  # noqa: F841 (read by the DuckDB query below)
    con = duckdb.connect()
    try:
        return {d[0]: str(d[1]) for d in con.execute("select * from empty").description}
    finally:
        con.close()


def _column(dataset: Dataset, name: str, data_type: str) -> dict:
    column = {"name": name, "data_type": data_type}
    if dataset.docs.get(name):  # the same words Dagster's column schema shows
        column["description"] = dataset.docs[name]
    return column


def _table(dataset: Dataset) -> dict:
    types = duckdb_types(dataset.schema)
    columns = [_column(dataset, name, typ) for name, typ in types.items()]
    columns += [_column(dataset, dim, "VARCHAR") for dim in dataset.partition_dims]
    return {"name": dataset.name, "description": dataset.description, "columns": columns}


def render(datasets: Iterable[Dataset] = ALL) -> str:
    by_source: dict[str, list[Dataset]] = {}
    for d in datasets:
        by_source.setdefault(d.source, []).append(d)
    doc = {
        "version": 2,
        "sources": [
            {
                "name": source,
                "description": SOURCE_DESCRIPTIONS.get(source, f"The {source} datasets of the lake."),
                "tables": [_table(d) for d in members],
            }
            for source, members in by_source.items()
        ],
    }
    return HEADER + yaml.safe_dump(doc, sort_keys=False, width=110)
