"""What a materialization reports: each partition's rows and path, the run's spend, schema, preview, quota
left, and the check results over what the run committed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
import pyarrow as pa

from tiktok_assets.collect import checks
from tiktok_assets.collect.spend import Spend
from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage


def column_schema(dataset: Dataset) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in dataset.schema])


def markdown_preview(table: pa.Table | None, columns: Sequence[str], rows: int = 5) -> dg.MetadataValue:
    if table is None or table.num_rows == 0:
        return dg.MetadataValue.md("_no rows_")
    cols = [c for c in columns if c in table.column_names]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.select(cols).slice(0, rows).to_pylist():
        cells = [str(row[c]).replace("|", "\\|").replace("\n", " ")[:60] for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def quota_left(figures: Callable[[], Mapping[str, int]], log: Any) -> dict[str, int]:
    """Quota left per bucket, informational: a failure to read it never fails the run."""
    try:
        return dict(figures())
    except Exception as exc:  # noqa: BLE001
        log.debug(f"quota figure unavailable: {type(exc).__name__}")
        return {}


def finish(
    context: dg.AssetExecutionContext, storage: LakeStorage, dataset: Dataset,
    partitions: Mapping[str, Mapping[str, str]], spend: Spend, quota: Mapping[str, int], *,
    time_rule: str | None, extra: Mapping[str, Any] | None = None,
    partition_extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> dg.MaterializeResult:  # fmt: skip
    """Row counts per partition, the run's spend, schema and preview; then the checks over what was written.

    ``partitions`` maps each Dagster partition key of this run to its lake partition; ``partition_extra``
    adds a partition's own figures (by the same key) to that partition's metadata.
    """
    total, preview_from = 0, None
    per_partition: dict[str, Any] = {}
    ranged = len(partitions) > 1
    for key, lake_partition in partitions.items():
        rows = reader.partition_rows(storage, dataset, lake_partition) or 0  # from the footer: no data read
        total += rows
        preview_from = lake_partition if rows else preview_from
        per_partition = {
            "dagster/row_count": rows,
            "rows": rows,
            "lake_path": storage.uri(layout.partition_key(dataset, lake_partition)),
            **(partition_extra or {}).get(key, {}),
        }
        if ranged:  # a range run: each partition's own count, not the run's total
            context.add_asset_metadata(per_partition, partition_key=key)
    columns = list(dataset.preview_columns)
    preview_table = reader.partition_head(storage, dataset, preview_from, columns) if preview_from else None
    metadata: dict[str, Any] = {
        **({} if ranged else per_partition),
        "requests_spent": spend.requests,
        "records_received": spend.records,
        "run_rows": total,
        "dagster/column_schema": column_schema(dataset),
        "preview": markdown_preview(preview_table, columns),
        **{f"quota_{name}": left for name, left in quota.items()},
        **(extra or {}),
    }
    if spend.unavailable:
        metadata["unavailable"] = dg.MetadataValue.json(spend.unavailable)
    results = checks.evaluate(
        context.asset_key,
        dataset,
        lambda p: reader.read_partition(storage, dataset, p, checks.needed_columns(dataset)),
        list(partitions.values()),
        time_rule=time_rule,
    )
    return dg.MaterializeResult(metadata=metadata, check_results=results)
