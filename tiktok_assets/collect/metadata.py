"""What a materialization reports, each figure on the event it is true of.

- **Each partition** of the run gets its own materialization: its rows (``dagster/row_count``), its file
  (``dagster/uri``), a preview of its own rows, its time window, and the requests spent on it when the API
  call was per partition (a day's comments, one account's followers, a single-day run). A range run writes
  one such event per partition, so nothing else goes there: static facts (column schema with descriptions,
  table name, the query) sit in the asset definition (``collect.catalog``).
- **The run** gets one summary per asset, an ``AssetObservation`` without a partition whose figures are
  labelled ``run_*``: requests and records of the whole run, rows, partitions, its window, and the quota left
  when it ended. A 30-day video search spends its requests for the 30 days at once; copying that figure onto
  every partition would claim thirty times the spend. A run that fails (quota, crash) still leaves its
  summary (``record_failed_run``), so what it spent is never lost from the books.
- The checks over what the run committed (``collect.checks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import dagster as dg
import pyarrow as pa

from tiktok_assets.collect import checks
from tiktok_assets.collect.catalog import as_uri, column_schema
from tiktok_assets.collect.spend import Spend
from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import Dataset, quarantine_of, quarantine_partition
from tiktok_assets.lake.storage import LakeStorage

RUN_REQUESTS = "run_requests_spent"
RUN_RECORDS = "run_records_received"
RUN_UNITS = "run_units_spent"
PARTITION_REQUESTS = "requests_spent"
__all__ = ["RUN_RECORDS", "RUN_REQUESTS", "column_schema", "finish", "quota_left", "record_failed_run"]


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


def partition_window(context: dg.AssetExecutionContext, key: str) -> str | None:
    """The partition's own time window as an ISO 8601 interval (end exclusive), if it is a time partition."""
    pdef = context.assets_def.partitions_def
    if not isinstance(pdef, dg.TimeWindowPartitionsDefinition) or not key:
        return None
    window = pdef.time_window_for_partition_key(key)
    return f"{window.start:%Y-%m-%dT%H:%M:%SZ}/{window.end:%Y-%m-%dT%H:%M:%SZ}"


def partition_metadata(
    context: dg.AssetExecutionContext, storage: LakeStorage, dataset: Dataset, key: str,
    lake_partition: Mapping[str, str], requests: int | None, extra: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """What one partition's materialization says: only facts about that partition."""
    rows = reader.partition_rows(storage, dataset, lake_partition) or 0  # from the footer: no data read
    columns = list(dataset.preview_columns)
    head = reader.partition_head(storage, dataset, lake_partition, columns) if rows else None
    out: dict[str, Any] = {
        "dagster/row_count": rows,
        "quarantined_rows": quarantined_rows(storage, dataset, lake_partition),
        "dagster/uri": as_uri(storage.uri(layout.partition_key(dataset, lake_partition))),
        "preview": markdown_preview(head, columns),
    }
    window = partition_window(context, key)
    if window:
        out["window"] = window
    if requests is not None:
        out[PARTITION_REQUESTS] = requests
    return {**out, **extra}


def quarantined_rows(storage: LakeStorage, dataset: Dataset, lake_partition: Mapping[str, str]) -> int:
    """Records of this partition held in the source's quarantine (committed with the partition)."""
    where = (quarantine_of(dataset.source), quarantine_partition(dataset, lake_partition))
    return reader.partition_rows(storage, *where) or 0


def run_summary(
    spend: Spend, quota: Mapping[str, int], keys: Sequence[str], rows: int | None, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The run's own figures, ``run_``-labelled (``rows`` None: the run stopped before counting them)."""
    out: dict[str, Any] = {RUN_REQUESTS: spend.requests, RUN_RECORDS: spend.records}
    if spend.units:  # EnsembleData's money; the other APIs spend none
        out[RUN_UNITS] = spend.units
    if keys:
        out["run_partitions"] = len(keys)
        out["run_window"] = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
    if rows is not None:
        out["run_rows"] = rows
    if spend.repaired:
        out["run_text_repaired"] = spend.repaired
    out.update({f"quota_{name}": left for name, left in quota.items()})
    if spend.unavailable:
        out["unavailable"] = dg.MetadataValue.json(spend.unavailable)
    return {**out, **extra}


def run_partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    if context.has_partition_key_range or context.has_partition_key:
        return list(context.partition_keys)
    return []


def finish(
    context: dg.AssetExecutionContext, storage: LakeStorage, dataset: Dataset,
    partitions: Mapping[str, Mapping[str, str]], spend: Spend, quota: Mapping[str, int], *,
    time_rule: str | None, extra: Mapping[str, Any] | None = None,
    partition_requests: Mapping[str, int] | None = None,
    partition_extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> dg.MaterializeResult:  # fmt: skip
    """Each partition's metadata, the run's summary, then the checks over what was written.

    ``partitions`` maps each Dagster partition key of this run to its lake partition. ``partition_requests``:
    requests per partition key, for the partitions whose API calls were theirs alone; when not given, a run of
    one partition spends for that partition and a range run's requests are the run's only. ``extra`` goes to
    the run summary, ``partition_extra`` to the named partitions.
    """
    keys = list(partitions)
    if partition_requests is None and len(keys) == 1:
        partition_requests = {keys[0]: spend.requests}
    per_partition = {
        key: partition_metadata(
            context, storage, dataset, key, lake_partition, (partition_requests or {}).get(key),
            (partition_extra or {}).get(key, {}),
        )
        for key, lake_partition in partitions.items()
    }  # fmt: skip
    rows = sum(int(m["dagster/row_count"]) for m in per_partition.values())
    quarantined = sum(int(m["quarantined_rows"]) for m in per_partition.values())
    summary = run_summary(spend, quota, keys, rows, {"run_quarantined_rows": quarantined, **(extra or {})})
    context.log_event(dg.AssetObservation(asset_key=context.asset_key, metadata=summary))
    ranged = len(per_partition) > 1
    if ranged:  # one materialization per partition: each gets its own figures, none of the run's
        for key, metadata in per_partition.items():
            context.add_asset_metadata(metadata, partition_key=key)
    single = {} if ranged else next(iter(per_partition.values()), {})
    return dg.MaterializeResult(
        metadata=single, check_results=check_results(context, storage, dataset, partitions, time_rule)
    )


def check_results(
    context: dg.AssetExecutionContext, storage: LakeStorage, dataset: Dataset,
    partitions: Mapping[str, Mapping[str, str]], time_rule: str | None,
) -> list[dg.AssetCheckResult]:  # fmt: skip
    """The asset's checks over the lake partitions this run committed (read back, only the columns needed)."""
    return checks.evaluate(
        context.asset_key,
        dataset,
        lambda p: reader.read_partition(storage, dataset, p, checks.needed_columns(dataset)),
        list(partitions.values()),
        time_rule=time_rule,
        quarantined=lambda p: quarantined_rows(storage, dataset, p),
    )


def record_failed_run(
    context: dg.AssetExecutionContext, spend: Spend, quota: Mapping[str, int], error: BaseException
) -> None:
    """The summary of a run that stopped: what it spent before the error, so the books stay whole."""
    extra = {"run_outcome": f"failed: {type(error).__name__}"}
    summary = run_summary(spend, quota, run_partition_keys(context), None, extra)
    context.log_event(dg.AssetObservation(asset_key=context.asset_key, metadata=summary))


@contextmanager
def failed_run_recorded(
    context: dg.AssetExecutionContext, spend: Spend, quota: Callable[[], Mapping[str, int]]
) -> Iterator[None]:
    """Around a collection: on any error, leave the run's summary (``record_failed_run``), then re-raise."""
    try:
        yield
    except BaseException as exc:
        record_failed_run(context, spend, quota_left(quota, context.log), exc)
        raise


def run_spend(observations: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, int]:
    """Requests and records over run summaries ``(run_id, metadata)``: every summary is one run's own spend
    (a retried step leaves one per attempt, each real), so they add up."""
    runs: set[str] = set()
    requests = records = 0
    for run_id, metadata in observations:
        if RUN_REQUESTS not in metadata:
            continue
        runs.add(run_id)
        requests += int(_value(metadata[RUN_REQUESTS]))
        records += int(_value(metadata.get(RUN_RECORDS, 0)))
    return {"runs": len(runs), "requests": requests, "records": records}


def plain(value: Any) -> Any:
    """A figure as recorded: a ``MetadataValue`` read back from the event log, or the plain value."""
    return getattr(value, "value", value)


def _value(value: Any) -> float:
    return float(plain(value) or 0)
