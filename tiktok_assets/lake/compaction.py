"""Monthly copies of the day-partitioned datasets, so a scan of a long lake opens a file a month, not a day.

A day partition is one small file (often ~10 rows); DuckDB's cost of a full scan follows the file count. The
daily files stay the lake's truth — checks, resumes, partition metadata and every Python reader use them —
and a compacted month is a derived copy beside the datasets, outside every dataset's glob:

    _compacted/<source>/<dataset>/<other dims>/month=YYYY-MM/part-0.parquet   (``date`` a column in it)

dbt's ``lake_source`` macro reads a compacted month instead of that month's daily files. A copy never serves
stale rows: committing a day deletes its month's copy (``PartitionWriter.commit``, after the day is
published), and ``compact_month`` deletes the copy it just published when one of its days changed while it
was being written (each day's ``fingerprint`` before reading and after publishing).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import ALL, Dataset
from tiktok_assets.lake.storage import LakeStorage

ROOT = "_compacted"
DAY = "date"
MONTH = "month"


def compactable(dataset: Dataset) -> bool:
    """Datasets partitioned by day (last dim ``date``): the ones whose file count grows with time."""
    return dataset.partition_dims[-1:] == (DAY,)


DATASETS: tuple[Dataset, ...] = tuple(d for d in ALL if compactable(d))


def month_key(dataset: Dataset, partition: Mapping[str, str]) -> str:
    """The compacted month holding the day partition ``partition`` (its ``date`` gives the month)."""
    others = {dim: partition[dim] for dim in dataset.partition_dims[:-1]}
    month = {MONTH: str(partition[DAY])[:7]}
    return f"{ROOT}/{layout.partition_prefix(dataset, {**others, **month})}/{layout.PART_FILE}"


def invalidate(storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str]) -> None:
    """A day was (re)committed: its month's copy, if any, no longer says what the lake holds."""
    if compactable(dataset):
        storage.delete(month_key(dataset, partition))


@dataclass(frozen=True)
class Month:
    dataset: Dataset
    key: str  # the compacted file's storage key
    days: tuple[dict[str, str], ...]  # the day partitions it covers


def complete_months(storage: LakeStorage, dataset: Dataset, through: date) -> list[Month]:
    """Every month of stored days whose last day is on or before ``through`` (a month still being collected
    would be invalidated day after day)."""
    by_month: dict[str, list[dict[str, str]]] = {}
    for part in reader.list_partitions(storage, dataset):
        by_month.setdefault(month_key(dataset, part), []).append(part)
    months = []
    for key, days in sorted(by_month.items()):
        first = date.fromisoformat(days[0][DAY])
        next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        if next_month.toordinal() - 1 <= through.toordinal():
            months.append(Month(dataset, key, tuple(days)))
    return months


def compact_month(
    storage: LakeStorage, month: Month, *, before_publish: Callable[[], None] | None = None
) -> int | None:
    """Write the month's copy; its row count, or None when a day changed meanwhile (no copy is left).

    ``before_publish`` runs between reading the days and publishing (a test's way to commit a day then)."""
    keys = [layout.partition_key(month.dataset, day) for day in month.days]
    before = {key: storage.fingerprint(key) for key in keys}
    tables = []
    for key, day in zip(keys, month.days, strict=True):
        table = pq.ParquetFile(storage.open(key)).read()
        tables.append(
            table.append_column(pa.field(DAY, pa.string()), pa.array([day[DAY]] * len(table), pa.string()))
        )
    combined = pa.concat_tables(tables, promote_options="default")
    scratch = storage.scratch_dir()
    scratch.mkdir(parents=True, exist_ok=True)
    tmp = scratch / f"compacted-{uuid.uuid4().hex}.parquet"
    pq.write_table(combined, tmp, compression="zstd")
    if before_publish is not None:
        before_publish()
    storage.publish(tmp, month.key)
    stored = {layout.partition_key(month.dataset, p) for p in reader.list_partitions(storage, month.dataset)}
    now_in_month = {k for k in stored if _same_month(storage, month, k)}
    if now_in_month != set(keys) or any(storage.fingerprint(key) != fp for key, fp in before.items()):
        storage.delete(month.key)  # a day was committed while this copy was written: the days stay the truth
        return None
    return combined.num_rows


def _same_month(storage: LakeStorage, month: Month, key: str) -> bool:
    return month_key(month.dataset, layout.parse_partition(key, month.dataset)) == month.key


@dataclass(frozen=True)
class Compacted:
    dataset: str
    months: int  # copies written
    days: int  # daily files they replace for a scan
    rows: int
    skipped: int  # months a concurrent commit changed (left to the next compaction)


def compact(storage: LakeStorage, through: date, datasets: Iterable[Dataset] = DATASETS) -> list[Compacted]:
    """Compact every complete month (through ``through``) of ``datasets`` that has no current copy."""
    out = []
    for dataset in datasets:
        months = days = rows = skipped = 0
        for month in complete_months(storage, dataset, through):
            if storage.exists(month.key):
                continue  # still current: any commit of its days would have deleted it
            written = compact_month(storage, month)
            if written is None:
                skipped += 1
                continue
            months, days, rows = months + 1, days + len(month.days), rows + written
        out.append(Compacted(dataset.qualified_name, months, days, rows, skipped))
    return out


def held(storage: LakeStorage) -> tuple[int, int]:
    """(copies, rows) the lake holds now: what a scan reads from ``_compacted/`` (footers only)."""
    keys = storage.list(ROOT, layout.PART_FILE)
    return len(keys), sum(reader.file_rows(storage, key) for key in keys)
