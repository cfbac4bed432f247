"""Asset checks over lake partitions: they read the Parquet a materialization just committed.

The checks run inside the asset's step (``check_specs`` on the asset) so they see exactly the partitions the
run wrote, including range runs, where a separate partitioned check op would see only one key.
Pure functions over Arrow tables (``problems_*``) keep the rules testable without Dagster.

Severity (``SEVERITY``): the checks that guard the row key (unique keys, non-null ids) are ERROR and
*blocking*: a failure fails the step after the partition is written, so nothing downstream (dbt staging
dedups and joins on these keys) runs on it in that run. A row outside its day is ERROR but not blocking (the
row is still real data, filed under the wrong day); a negative count is a WARN about what the API reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from tiktok_assets.lake.datasets import Dataset

UNIQUE_KEYS = "unique_keys"
NON_NULL_IDS = "non_null_ids"
CREATE_TIME_IN_PARTITION = "create_time_in_partition"
COUNTS_NON_NEGATIVE = "counts_non_negative"
NO_QUARANTINED_ROWS = "no_quarantined_rows"

# check → (severity of a failure, blocks downstream materialization)
SEVERITY: dict[str, tuple[dg.AssetCheckSeverity, bool]] = {
    UNIQUE_KEYS: (dg.AssetCheckSeverity.ERROR, True),
    NON_NULL_IDS: (dg.AssetCheckSeverity.ERROR, True),
    CREATE_TIME_IN_PARTITION: (dg.AssetCheckSeverity.ERROR, False),
    COUNTS_NON_NEGATIVE: (dg.AssetCheckSeverity.WARN, False),
    # The records are kept beside the partition (nothing lost); a person decides what they are.
    NO_QUARANTINED_ROWS: (dg.AssetCheckSeverity.WARN, False),
}


def id_columns(ds: Dataset) -> list[str]:
    return [
        n for n in ds.data_columns if n in ds.key or n == "id" or n.endswith("_id") and n in ("video_id",)
    ]


def count_columns(ds: Dataset) -> list[str]:
    return [n for n in ds.data_columns if n.endswith("_count") or n == "playlist_item_total"]


def needed_columns(ds: Dataset) -> list[str]:
    """The columns the checks read (not the whole partition)."""
    wanted = [
        *ds.key,
        *id_columns(ds),
        *count_columns(ds),
        *([ds.time_column] if ds.time_column else []),
    ]
    return list(dict.fromkeys(wanted))


# --- rules: each returns a list of human-readable problems (empty = pass) -------------------------------------


def problems_unique(table: pa.Table, key: Sequence[str]) -> list[str]:
    if table.num_rows == 0:
        return []
    distinct = table.select(list(key)).group_by(list(key)).aggregate([]).num_rows
    dupes = table.num_rows - distinct
    return [f"{dupes} duplicate rows on {tuple(key)}"] if dupes else []


def problems_non_null(table: pa.Table, columns: Sequence[str]) -> list[str]:
    return [f"{table[c].null_count} null {c}" for c in columns if table[c].null_count]


def problems_time_window(table: pa.Table, column: str, start: datetime, end: datetime | None) -> list[str]:
    col = table[column]
    if table.num_rows == 0:
        return []
    early = pc.sum(pc.less(col, pa.scalar(start, type=col.type))).as_py() or 0
    late = (pc.sum(pc.greater_equal(col, pa.scalar(end, type=col.type))).as_py() or 0) if end else 0
    problems = [f"{early} rows with {column} before {start.isoformat()}"] if early else []
    problems += [f"{late} rows with {column} at or after {end.isoformat()}"] if late else []
    return problems


def problems_non_negative(table: pa.Table, columns: Sequence[str]) -> list[str]:
    out = []
    for c in columns:
        negative = pc.sum(pc.less(table[c], 0)).as_py() or 0
        if negative:
            out.append(f"{negative} negative {c}")
    return out


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


# --- Dagster wiring ------------------------------------------------------------------------------------------


def severity_of(name: str) -> tuple[dg.AssetCheckSeverity, bool]:
    """(severity, blocking) of a check; a check not in ``SEVERITY`` is an ERROR that does not block."""
    return SEVERITY.get(name, (dg.AssetCheckSeverity.ERROR, False))


def check_specs(asset_key: dg.AssetKey, ds: Dataset, *, time_rule: str | None) -> list[dg.AssetCheckSpec]:
    """``time_rule``: "day" (create_time inside the day), "after_day" (not before it: comments), or None."""
    described = {
        UNIQUE_KEYS: f"Rows are unique on {ds.key}.",
        NON_NULL_IDS: f"No null in {id_columns(ds)}.",
        COUNTS_NON_NEGATIVE: f"No negative {count_columns(ds)}.",
        NO_QUARANTINED_ROWS: (
            f"No record went to the quarantine ({ds.source}/quarantine): every record the API returned could "
            f"be stored and keyed by {ds.key}."
        ),
    }
    if time_rule:
        what = (
            "inside the partition's UTC day" if time_rule == "day" else "not before the partition's UTC day"
        )
        described[CREATE_TIME_IN_PARTITION] = f"create_time {what}."
    return [spec(asset_key, name, text) for name, text in described.items()]


def spec(asset_key: dg.AssetKey, name: str, description: str) -> dg.AssetCheckSpec:
    """A check spec whose description says its severity, blocking as ``SEVERITY`` says."""
    severity, blocking = severity_of(name)
    effect = "blocks downstream assets when it fails" if blocking else "does not block downstream assets"
    return dg.AssetCheckSpec(
        name,
        asset=asset_key,
        blocking=blocking,
        description=f"{description} Severity {severity.value}: {effect}.",
    )


def evaluate(
    asset_key: dg.AssetKey,
    ds: Dataset,
    read: Callable[[Mapping[str, str]], pa.Table | None],
    partitions: Sequence[Mapping[str, str]],
    *,
    time_rule: str | None,
    day_dim: str = "date",
    quarantined: Callable[[Mapping[str, str]], int] = lambda _p: 0,
) -> list[dg.AssetCheckResult]:
    """Run every check of ``ds`` over the given lake partitions (the ones this run committed);
    ``quarantined`` counts a partition's quarantined records."""
    found: dict[str, list[str]] = {
        UNIQUE_KEYS: [], NON_NULL_IDS: [], COUNTS_NON_NEGATIVE: [], NO_QUARANTINED_ROWS: [],
    }  # fmt: skip
    if time_rule:
        found[CREATE_TIME_IN_PARTITION] = []
    rows = 0
    missing = []
    for partition in partitions:
        table = read(partition)
        label = "/".join(f"{k}={v}" for k, v in partition.items())
        if table is None:
            missing.append(label)
            continue
        rows += table.num_rows
        found[UNIQUE_KEYS] += [f"{label}: {p}" for p in problems_unique(table, ds.key)]
        found[NON_NULL_IDS] += [f"{label}: {p}" for p in problems_non_null(table, id_columns(ds))]
        found[COUNTS_NON_NEGATIVE] += [
            f"{label}: {p}" for p in problems_non_negative(table, count_columns(ds))
        ]
        held = quarantined(partition)
        found[NO_QUARANTINED_ROWS] += (
            [f"{label}: {held} records quarantined ({ds.source}/quarantine)"] if held else []
        )
        if time_rule and ds.time_column:
            start, end = day_bounds(date.fromisoformat(partition[day_dim]))
            found[CREATE_TIME_IN_PARTITION] += [
                f"{label}: {p}"
                for p in problems_time_window(
                    table, ds.time_column, start, end if time_rule == "day" else None
                )
            ]
    results = []
    for name, problems in found.items():
        problems = problems + [f"{m}: partition file missing" for m in missing]
        results.append(
            dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=name,
                passed=not problems,
                severity=severity_of(name)[0],
                metadata={
                    "partitions_checked": len(partitions),
                    "rows_checked": rows,
                    "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:50]) or "none"),
                },
            )
        )
    return results
