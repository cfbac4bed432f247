"""What the Dagster catalog shows of an asset, decided once for every source.

- ``OWNERS``, ``kinds`` and ``tags``: who answers for an asset, what it is built with, where it comes from.
- ``code_version``: a hash of what decides an asset's output (declarations, queries, settings), so the UI shows
  "code version changed" on the assets a changed query or setting makes stale, and their downstream.
- For lake assets (``lake_asset``): the column schema with each column's description (``Dataset.docs``), the
  table name dbt knows the dataset by (``source('research', 'videos')`` → ``research.videos``), the URI of the
  dataset's folder in the default lake, and the asset checks with their severities.

The Research factory (``defs/research/common.py``) calls ``lake_asset``; the EnsembleData and VCE factories
call it with their own dataset, source and version parts. dbt and analysis assets use ``OWNERS``, ``tags`` and
``code_version`` directly. Static facts live here, in the definition, and not in every materialization.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from tiktok_assets.collect import checks
from tiktok_assets.lake import layout
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import lake_url

# Dagster accepts e-mail addresses and "team:<name>"; a deployment puts its own here.
OWNERS: dict[str, list[str]] = {
    "collection": ["team:data-collection"],  # the API collectors and the lake
    "warehouse": ["team:data-collection"],  # dbt staging and marts
    "analysis": ["team:research"],  # the analysis tables and charts
}
# Bump when the collection code changes what rows it writes without a declaration changing.
COLLECTION_LOGIC_VERSION = "1"
TAG_PREFIX = "tiktok"


def code_version(*parts: Any) -> str:
    """A short, stable hash of ``parts`` (JSON-able, or rendered with ``str``)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def tags(**values: str) -> dict[str, str]:
    """``tiktok/<name>: <value>`` tags (values: letters, digits, ``-_.``, as Dagster requires)."""
    return {f"{TAG_PREFIX}/{name}": value for name, value in values.items()}


def column_schema(dataset: Dataset) -> dg.TableSchema:
    """Every column of the dataset's Arrow schema, with its description and nullability."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                f.name,
                str(f.type),
                description=dataset.docs.get(f.name),
                constraints=dg.TableColumnConstraints(nullable=f.nullable),
            )
            for f in dataset.schema
        ]
    )


def table_name(dataset: Dataset) -> str:
    """The name dbt reads the dataset by: ``source('<source>', '<dataset>')``."""
    return f"{dataset.source}.{dataset.name}"


def as_uri(location: str) -> str:
    """A storage location as a URI: object stores give one (``s3://…``), local disk a path (``file://…``)."""
    return location if "://" in location else Path(location).resolve().as_uri()


def dataset_uri(dataset: Dataset) -> str:
    """The dataset's folder in the configured lake (``lake_url()``: ``TIKTOK_LAKE_URL`` or the local folder);
    each materialization names its own file. Built from the location alone: loading connects to nothing."""
    return as_uri(f"{lake_url().rstrip('/')}/{layout.dataset_prefix(dataset)}")


def lake_asset(
    key: dg.AssetKey, dataset: Dataset, *, api_kind: str, partitioning: str, time_rule: str | None,
    version_parts: Sequence[Any] = (), metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``@dg.asset`` arguments every lake-writing asset shares (the caller adds group, partitions, pool…).

    ``api_kind``: the kind the UI shows for the API (``tiktok``, ``ensembledata``…); ``version_parts``: what
    else decides the rows (the endpoint's path and paging, a query, a setting).
    """
    return {
        "key": key,
        "owners": OWNERS["collection"],
        "kinds": {api_kind, "parquet"},
        "tags": tags(source=dataset.source, dataset=dataset.name, partitioning=partitioning),
        "code_version": code_version(
            COLLECTION_LOGIC_VERSION, dataset.qualified_name, str(dataset.schema), dataset.key, *version_parts
        ),
        "check_specs": checks.check_specs(key, dataset, time_rule=time_rule),
        "metadata": {
            "dagster/column_schema": column_schema(dataset),
            "dagster/table_name": table_name(dataset),
            "dagster/uri": dataset_uri(dataset),
            **(metadata or {}),
        },
    }
