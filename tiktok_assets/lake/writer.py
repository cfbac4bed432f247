"""Atomic, streaming partition writes.

- Streaming: ``write()`` buffers at most ``row_group_rows`` rows, then hands a row group to a ``ParquetWriter``
  on a local temp file, so memory stays flat however large the partition grows.
- Atomic: ``commit()`` deduplicates by the dataset key and publishes the partition's single file through the
  storage (``storage.LakeStorage.publish``). A reader sees the old partition or the new one, never half.
  A killed process leaves only an orphan temp file in the storage's scratch folder.
- Idempotent: a commit replaces the partition exactly; nothing of an earlier materialization survives.
- Nothing dropped: records ``normalize`` could not key (quarantine rows in a table's metadata) are committed
  with the partition to its quarantine partition (``datasets.quarantine``), replaced with it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiktok_assets.lake import compaction, layout
from tiktok_assets.lake.datasets import Dataset, quarantine_of, quarantine_partition
from tiktok_assets.lake.datasets.quarantine import NAME as QUARANTINE
from tiktok_assets.lake.normalize import quarantine_table, quarantined, without_quarantine
from tiktok_assets.lake.storage import LakeStorage, as_storage

DEFAULT_ROW_GROUP_ROWS = 50_000


def _keep_first_mask(keys: pa.Table) -> pa.Array | None:
    """A boolean mask keeping the first row of each key, or None when keys are already unique.

    Integer ids (most datasets) go through numpy: a sort of 8 bytes a row, no hash aggregation, so the
    commit of a 1M-row partition stays within tens of MB.
    """
    n = keys.num_rows
    if (
        keys.num_columns == 1
        and pa.types.is_integer(keys.schema.field(0).type)
        and keys.column(0).null_count == 0
    ):
        values = keys.column(0).to_numpy()
        _, first = np.unique(values, return_index=True)
        if len(first) == n:
            return None
        keep = np.zeros(n, dtype=bool)
        keep[first] = True
        return pa.array(keep)
    indexed = keys.append_column("__i", pa.array(np.arange(n, dtype=np.int64)))
    firsts = indexed.group_by(list(keys.column_names), use_threads=False).aggregate([("__i", "min")])
    if firsts.num_rows == n:
        return None
    return pc.is_in(pa.array(np.arange(n, dtype=np.int64)), value_set=firsts["__i_min"])


class PartitionWriter:
    """Write one lake partition: ``with PartitionWriter(lake, dataset, partition) as w: w.write(table)``;
    commits on clean exit. ``lake`` is a ``LakeStorage`` (or a local lake folder).

    ``metadata`` lands in the Parquet footer (e.g. the run that wrote it, used to resume retries).
    ``append=True`` starts from the rows already committed (used when rows of a closed day show up late).
    """

    def __init__(
        self,
        lake: LakeStorage | Path | str,
        dataset: Dataset,
        partition: Mapping[str, str],
        *,
        metadata: Mapping[str, str] | None = None,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
        append: bool = False,
    ) -> None:
        layout.check_dims(dataset, partition)
        self.storage = as_storage(lake)
        self.dataset = dataset
        self.partition = dict(partition)
        self.key = layout.partition_key(dataset, partition)
        meta = dict(dataset.schema.metadata or {})
        meta.update({k.encode(): str(v).encode() for k, v in (metadata or {}).items()})
        self.schema = dataset.schema.with_metadata(meta)
        self.row_group_rows = row_group_rows
        self.rows_written = 0
        self.rows_committed: int | None = None
        self._tmp_dir = self.storage.scratch_dir()
        self._tmp_path = self._tmp_dir / f"{dataset.name}-{uuid.uuid4().hex}.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._closed = False
        # Searches return ids strictly decreasing; while that holds, no key can repeat and the commit skips
        # the dedupe pass (memory stays flat at commit too). Any other order falls back to the key scan.
        self._descending: bool = len(dataset.key) == 1
        self._last_key: int | None = None
        self._footer = dict(metadata or {})
        self.quarantine: list[dict] = []  # rows for the quarantine partition (``normalize.quarantine_row``)
        self.quarantine_key = (
            None
            if dataset.name == QUARANTINE
            else layout.partition_key(quarantine_of(dataset.source), quarantine_partition(dataset, partition))
        )
        if append and self.storage.exists(self.key):
            for batch in pq.ParquetFile(self.storage.open(self.key)).iter_batches(batch_size=row_group_rows):
                self.write(self._as_schema(batch))
            if self.quarantine_key and self.storage.exists(self.quarantine_key):
                self.quarantine += pq.read_table(self.storage.open(self.quarantine_key)).to_pylist()

    def _as_schema(self, batch: pa.RecordBatch) -> pa.Table:
        # Parquet has no second-resolution timestamps: batches read back come as ms and are cast home.
        return pa.Table.from_batches([batch]).cast(self.schema)

    # -- streaming ---------------------------------------------------------------------------------------
    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._tmp_path, self.schema, compression="zstd")
        return self._writer

    def write(self, table: pa.Table) -> None:
        if self._closed:
            raise RuntimeError("partition writer already closed")
        self.quarantine += quarantined(table)
        if table.num_rows == 0:
            return
        table = self._conformed(without_quarantine(table))
        self._track_order(table)
        self._buffer.append(table)
        self._buffered += table.num_rows
        self.rows_written += table.num_rows
        if self._buffered >= self.row_group_rows:
            self._flush()

    def _conformed(self, table: pa.Table) -> pa.Table:
        """``table`` in the partition's schema. A table ``normalize`` built already is: only its metadata is
        swapped (a cast of every column cost as much as writing the Parquet)."""
        if table.schema.names != self.schema.names:
            table = table.select(self.schema.names)
        if not table.schema.equals(self.schema):  # types or nullability differ (metadata aside)
            return table.cast(self.schema)
        return table.replace_schema_metadata(self.schema.metadata)

    def _track_order(self, table: pa.Table) -> None:
        if not self._descending:
            return
        column = table[self.dataset.key[0]]
        if not pa.types.is_integer(column.type) or column.null_count:
            self._descending = False
            return
        values = column.to_numpy()
        if (self._last_key is not None and values[0] >= self._last_key) or (np.diff(values) >= 0).any():
            self._descending = False
            return
        self._last_key = int(values[-1])

    def _flush(self) -> None:
        if not self._buffer:
            return
        combined = pa.concat_tables(self._buffer)
        self._buffer, self._buffered = [], 0
        self._open().write_table(combined, row_group_size=self.row_group_rows)

    # -- commit / abort ----------------------------------------------------------------------------------
    def commit(self) -> int:
        """Deduplicate, make the partition visible atomically; returns the committed row count."""
        if self._closed:
            raise RuntimeError("partition writer already closed")
        self._flush()
        writer = self._open()  # an empty partition is still a file: "collected, nothing there" ≠ "absent"
        writer.close()
        self._closed = True
        path = self._dedupe(self._tmp_path)
        rows = pq.ParquetFile(path).metadata.num_rows
        self._commit_quarantine()  # first: a crash in between leaves it for the retry to replace
        # The month's compacted copy goes before and after the day is published: a copy written in between
        # is caught by the compaction's own re-check, and one a crash leaves by its recorded fingerprints.
        compaction.invalidate(self.storage, self.dataset, self.partition)
        self.storage.publish(path, self.key)
        compaction.invalidate(self.storage, self.dataset, self.partition)
        self.rows_committed = rows
        return rows

    def _commit_quarantine(self) -> None:
        """The partition's quarantine: written when it holds rows, removed when a new commit has none."""
        if self.quarantine_key is None:
            return
        if not self.quarantine:
            if self.storage.exists(self.quarantine_key):
                self.storage.delete(self.quarantine_key)
            return
        ds = quarantine_of(self.dataset.source)
        part = quarantine_partition(self.dataset, self.partition)
        with PartitionWriter(self.storage, ds, part, metadata=self._footer) as out:
            out.write(quarantine_table(self.quarantine))

    def _dedupe(self, path: Path) -> Path:
        # Only the key columns are read to find duplicates: memory grows by the keys, not the rows.
        source = pq.ParquetFile(path)
        if source.metadata.num_rows == 0 or self._descending:
            return path
        keep = _keep_first_mask(pq.read_table(path, columns=list(self.dataset.key)))
        if keep is None:
            return path
        out_path = path.with_suffix(".dedup.parquet")
        offset = 0
        with pq.ParquetWriter(out_path, self.schema, compression="zstd") as out:
            for batch in source.iter_batches(batch_size=self.row_group_rows):
                mask = keep.slice(offset, batch.num_rows)
                offset += batch.num_rows
                out.write_table(self._as_schema(batch).filter(mask), row_group_size=self.row_group_rows)
        path.unlink()
        return out_path

    def abort(self) -> None:
        if self._writer is not None and not self._closed:
            self._writer.close()
        self._closed = True
        self._tmp_path.unlink(missing_ok=True)

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and not self._closed:
            self.commit()
        elif not self._closed:
            self.abort()


class DayRouter:
    """Split a stream of tables into daily partitions by a timestamp column (range runs).

    Rows of a video search come newest first, so once a row of an earlier day arrives, every later day seen
    is complete and is committed at once — an interruption (quota) keeps the days already passed. A row for
    a day already committed (ordering broken by the API) reopens that day in append mode rather than losing it.
    ``days`` is the set of days this run owns; rows outside it are counted and dropped (``out_of_range``).
    Quarantined records (``normalize``) go to the day of their own time column, like rows (a record without
    a usable time goes to the newest day of the window: it is kept, just not placed).
    """

    def __init__(
        self,
        make_writer: Callable[[date, bool], PartitionWriter],
        days: Iterable[date],
        time_column: str = "create_time",
        on_commit: Callable[[date, int], None] | None = None,
    ) -> None:
        self._make_writer = make_writer
        self.days = set(days)
        self.time_column = time_column
        self._open: dict[date, PartitionWriter] = {}
        self.committed: dict[date, int] = {}
        self.out_of_range = 0
        self._on_commit = on_commit

    def write(self, table: pa.Table) -> None:
        quarantine_days = self._route_quarantine(quarantined(table))
        table = without_quarantine(table)
        if table.num_rows == 0:
            self._commit_newer_than(quarantine_days)
            return
        day_col = pc.cast(pc.floor_temporal(table[self.time_column], unit="day"), pa.timestamp("s", tz="UTC"))
        days = [d.date() if d is not None else None for d in day_col.unique().to_pylist()]
        for day in days:
            mask = (
                pc.is_null(day_col)
                if day is None
                else pc.equal(
                    day_col, pa.scalar(datetime(day.year, day.month, day.day, tzinfo=UTC), type=day_col.type)
                )
            )
            part = table.filter(mask)
            if day is None or day not in self.days:
                self.out_of_range += part.num_rows
                continue
            self._writer(day).write(part)
        self._commit_newer_than([*days, *quarantine_days])

    def _commit_newer_than(self, days: Iterable[date | None]) -> None:
        oldest = min((d for d in days if d is not None and d in self.days), default=None)
        if oldest is not None:
            # Everything newer than the oldest day in this page is complete.
            for day in [d for d in self._open if d > oldest]:
                self._commit(day)

    def _writer(self, day: date) -> PartitionWriter:
        writer = self._open.get(day)
        if writer is None:
            writer = self._make_writer(day, day in self.committed)
            self._open[day] = writer
        return writer

    def _route_quarantine(self, rows: list[dict]) -> list[date]:
        """Each quarantined record to the writer of its day; returns the days they went to."""
        routed = []
        for row in rows:
            try:
                seconds = int(orjson.loads(row["record_json"])[self.time_column])
                day: date | None = datetime.fromtimestamp(seconds, UTC).date()
            except (KeyError, TypeError, ValueError, OverflowError, orjson.JSONDecodeError):
                day = max(self.days, default=None)  # no usable time: kept in the window's newest day
            if day is None or day not in self.days:
                self.out_of_range += 1
                continue
            self._writer(day).quarantine.append(row)
            routed.append(day)
        return routed

    def _commit(self, day: date) -> None:
        writer = self._open.pop(day)
        self.committed[day] = writer.commit()
        if self._on_commit:
            self._on_commit(day, self.committed[day])

    def finish(self, days: Iterable[date]) -> None:
        """The window is exhausted: commit the open days and write empty partitions for days with no rows."""
        for day in sorted(self._open, reverse=True):
            self._commit(day)
        for day in days:
            if day not in self.committed:
                self._open[day] = self._make_writer(day, False)
                self._commit(day)

    def abort(self) -> None:
        for writer in self._open.values():
            writer.abort()
        self._open.clear()
