"""Monthly copies of the day-partitioned datasets, so a scan of a long lake opens a file a month, not a day.

A day partition is one small file (often ~10 rows); DuckDB's cost of a full scan follows the file count. The
daily files stay the lake's truth — checks, resumes, partition metadata and every Python reader use them —
and a compacted month is a derived copy beside the datasets, outside every dataset's glob:

    _compacted/<source>/<dataset>/<other dims>/month=YYYY-MM/part-0.parquet   (``date`` a column in it)

dbt's ``lake_source`` macro reads a compacted month instead of that month's daily files. A copy does not
outlive what it copied: committing a day deletes its month's copy before and after publishing the day
(``PartitionWriter.commit``); ``compact_month`` records each day's ``fingerprint`` in the copy's footer and
deletes the copy it just published when one of its days changed or appeared while it was written; and
``compact`` checks every existing copy's fingerprints and rewrites a stale one (a crash between a day's
publish and its second delete). What remains is a moment — a commit in progress, or a compaction between its
publish and its re-check — in which a reader listing the files may take a month's copy without the day just
committed; that day's materialization then starts the staging of the day, which reads it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import ALL, Dataset
from tiktok_assets.lake.storage import LakeStorage, PartitionReplacedError

ROOT = "_compacted"
DAY = "date"
MONTH = "month"
FINGERPRINTS = "tiktok_day_fingerprints"  # footer key: each copied day file's fingerprint, as JSON
# Few, large row groups: a scan pays per row group much as per file (a row group a day cost 3x the SQL).
ROW_GROUP_ROWS = 50_000  # as the writer's (writer.DEFAULT_ROW_GROUP_ROWS; the writer imports this module)


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
    """A day is being (re)committed: its month's copy, if any, no longer says what the lake holds. The writer
    calls this before and after publishing the day."""
    if compactable(dataset):
        storage.delete(month_key(dataset, partition))


@dataclass(frozen=True)
class Month:
    dataset: Dataset
    key: str  # the compacted file's storage key
    days: tuple[dict[str, str], ...]  # the day partitions it covers

    @property
    def day_keys(self) -> list[str]:
        return [layout.partition_key(self.dataset, day) for day in self.days]

    def stored_day_keys(self, storage: LakeStorage) -> set[str]:
        """The month's day files now: one listing of its group (its other dims), not of the dataset."""
        others = {dim: self.days[0][dim] for dim in self.dataset.partition_dims[:-1]}
        group = layout.partition_prefix(self.dataset, others)
        month = f"{DAY}={self.days[0][DAY][:7]}-"
        return {
            key
            for key in storage.list(group, layout.PART_FILE)
            if key.removeprefix(group + "/").startswith(month)
        }


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


def _fingerprints(storage: LakeStorage, keys: Iterable[str]) -> dict[str, str | None]:
    return {key: storage.fingerprint(key) for key in sorted(keys)}


def current(storage: LakeStorage, month: Month) -> bool:
    """The month's copy exists and copied exactly the month's day files as they are now."""
    if not storage.exists(month.key):
        return False
    try:
        recorded = json.loads(reader.file_footer(storage, month.key).get(FINGERPRINTS, "null"))
    except (OSError, ValueError, PartitionReplacedError):
        return False
    return recorded == _fingerprints(storage, month.stored_day_keys(storage))


def compact_month(
    storage: LakeStorage, month: Month, *, before_publish: Callable[[], None] | None = None
) -> int | None:
    """Write the month's copy; its row count, or None when a day changed meanwhile or
    could not be read as the dataset's schema (then no copy is left: the month is read day by day).

    ``before_publish`` runs between reading the days and publishing (a test's way to commit a day then)."""
    keys = month.day_keys
    before = _fingerprints(storage, keys)
    schema = month.dataset.schema.append(pa.field(DAY, pa.string()))
    schema = schema.with_metadata(
        {**(schema.metadata or {}), FINGERPRINTS.encode(): json.dumps(before).encode()}
    )
    scratch = storage.scratch_dir()
    scratch.mkdir(parents=True, exist_ok=True)
    tmp = scratch / f"compacted-{uuid.uuid4().hex}.parquet"
    rows = 0
    buffered: list[pa.Table] = []
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as out:
            for (
                day
            ) in month.days:  # a day at a time, written in row groups of ROW_GROUP_ROWS: memory stays flat
                table = reader.read_partition(storage, month.dataset, day)
                if table is None:
                    raise PartitionReplacedError(f"{day} is gone")
                dates = pa.array([day[DAY]] * table.num_rows, pa.string())
                buffered.append(table.append_column(schema.field(DAY), dates).cast(schema))
                rows += table.num_rows
                if sum(t.num_rows for t in buffered) >= ROW_GROUP_ROWS:
                    out.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP_ROWS)
                    buffered = []
            if buffered or not rows:
                out.write_table(pa.concat_tables(buffered) if buffered else schema.empty_table())
    except (PartitionReplacedError, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        tmp.unlink(missing_ok=True)
        return None
    if before_publish is not None:
        before_publish()
    storage.publish(tmp, month.key)
    if month.stored_day_keys(storage) != set(keys) or _fingerprints(storage, keys) != before:
        storage.delete(month.key)  # a day was committed while this copy was written: the days stay the truth
        return None
    return rows


@dataclass(frozen=True)
class Compacted:
    dataset: str
    months: int  # copies written
    days: int  # daily files they replace for a scan
    rows: int
    skipped: int  # months a concurrent commit changed, or not readable as the schema (read day by day)


def compact(storage: LakeStorage, through: date, datasets: Iterable[Dataset] = DATASETS) -> list[Compacted]:
    """Compact every complete month (through ``through``) of ``datasets`` without a current copy (a stale
    copy is rewritten)."""
    out = []
    for dataset in datasets:
        months = days = rows = skipped = 0
        for month in complete_months(storage, dataset, through):
            if current(storage, month):
                continue
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
