"""Atomic, idempotent, deduplicating partition writes; a killed writer leaves nothing visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tiktok_assets.lake import reader
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.storage import LocalStorage
from tiktok_assets.lake.writer import DayRouter, PartitionWriter

PART = {"query": "q", "date": "2026-05-01"}


def videos(ids: list[int], day: date = date(2026, 5, 1), views: int = 1) -> pa.Table:
    base = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    records = [{"id": i, "create_time": base + (i % 86_000), "view_count": views} for i in ids]
    return normalize(rds.VIDEOS, records, base + 2 * 86_400)


def glob_count(lake: Path) -> int:
    pattern = f"{lake}/research/videos/*/*/*.parquet"
    if not list(lake.glob("research/videos/*/*/*.parquet")):
        return 0  # DuckDB raises on an empty glob
    return (
        duckdb.connect()
        .execute(f"select count(*) from read_parquet('{pattern}', hive_partitioning=true)")
        .fetchone()[0]
    )


def test_commit_dedupes_by_key_and_is_readable_by_duckdb(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, rds.VIDEOS, PART, row_group_rows=3) as w:
        w.write(videos([1, 2, 3, 4]))
        w.write(videos([3, 4, 5]))  # a page seen twice (offset drift) must not double rows
    assert w.rows_written == 7 and w.rows_committed == 5
    table = reader.read_partition(LocalStorage(tmp_path), rds.VIDEOS, PART)
    assert sorted(table["id"].to_pylist()) == [1, 2, 3, 4, 5]
    assert table.schema.field("create_time").type == pa.timestamp("s", tz="UTC")
    row = (
        duckdb.connect()
        .execute(
            f"select query, date, count(*) from read_parquet('{tmp_path}/research/videos/*/*/*.parquet',"
            " hive_partitioning=true) group by all"
        )
        .fetchone()
    )
    assert row == ("q", date(2026, 5, 1), 5)


def test_rematerializing_replaces_exactly(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
        w.write(videos([1, 2, 3]))
    with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
        w.write(videos([2, 3, 9], views=7))
    table = reader.read_partition(LocalStorage(tmp_path), rds.VIDEOS, PART)
    assert sorted(table["id"].to_pylist()) == [2, 3, 9]
    assert set(table["view_count"].to_pylist()) == {7}
    assert reader.list_partitions(LocalStorage(tmp_path), rds.VIDEOS) == [PART]
    assert not list(LocalStorage(tmp_path).scratch_dir().glob("*"))


def test_error_inside_the_block_keeps_the_old_partition(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
        w.write(videos([1, 2]))
    with (
        pytest.raises(RuntimeError),
        PartitionWriter(tmp_path, rds.VIDEOS, PART, row_group_rows=1) as w,
    ):
        w.write(videos([7, 8, 9]))
        raise RuntimeError("quota")
    assert sorted(reader.read_partition(LocalStorage(tmp_path), rds.VIDEOS, PART)["id"].to_pylist()) == [1, 2]
    assert not list(LocalStorage(tmp_path).scratch_dir().glob("*"))


def test_empty_partition_is_a_file(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, rds.VIDEOS, PART):
        pass
    assert reader.read_partition(LocalStorage(tmp_path), rds.VIDEOS, PART).num_rows == 0


def test_partition_dims_must_match_the_dataset(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="partitioned by"):
        PartitionWriter(tmp_path, rds.VIDEOS, {"date": "2026-05-01"})


def test_hive_values_are_escaped_and_parsed_back(tmp_path: Path) -> None:
    part = {"account": "we/ird=name", "snapshot": "2026-05-01"}
    with PartitionWriter(tmp_path, rds.FOLLOWERS, part) as w:
        w.write(normalize(rds.FOLLOWERS, [{"username": "a"}], 0))
    assert reader.list_partitions(LocalStorage(tmp_path), rds.FOLLOWERS) == [part]


def test_day_router_splits_by_create_time_and_fills_empty_days(tmp_path: Path) -> None:
    days = [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)]

    def make(day: date, append: bool) -> PartitionWriter:
        return PartitionWriter(tmp_path, rds.VIDEOS, {"query": "q", "date": day.isoformat()}, append=append)

    router = DayRouter(make, days)
    router.write(pa.concat_tables([videos([10, 11], date(2026, 5, 3)), videos([5], date(2026, 5, 1))]))
    assert set(router.committed) == {date(2026, 5, 3)}  # May 3 is complete once May 1 rows arrive
    router.write(videos([99], date(2026, 4, 30)))  # outside the run's days: counted, not written
    router.write(videos([12], date(2026, 5, 3)))  # late row for a committed day: appended, not lost
    router.finish(days)
    assert router.committed == {date(2026, 5, 3): 3, date(2026, 5, 1): 1, date(2026, 5, 2): 0}
    assert router.out_of_range == 1
    assert glob_count(tmp_path) == 4


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from tiktok_assets.lake.datasets import research as rds
    from tiktok_assets.lake.normalize import normalize
    from tiktok_assets.lake.writer import PartitionWriter
    lake = sys.argv[1]
    with PartitionWriter(lake, rds.VIDEOS, {"query": "q", "date": "2026-05-01"}, row_group_rows=1000) as w:
        for page in range(1_000_000):
            w.write(normalize(rds.VIDEOS, [{"id": page * 1000 + i, "create_time": 1777593600}
                                                  for i in range(1000)], 0))
            if page == 3:
                print("WRITING", flush=True)
                time.sleep(60)  # killed here, mid-partition
    """
)


@pytest.mark.parametrize("existing", [False, True])
def test_sigkill_mid_write_leaves_no_partial_partition(tmp_path: Path, existing: bool) -> None:
    if existing:
        with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
            w.write(videos([1, 2, 3]))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        assert any(
            LocalStorage(tmp_path).scratch_dir().glob("*.parquet")
        )  # rows are on disk, in the temp area
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The reader's view: the old partition (or none), never 4,000 half-written rows.
    assert glob_count(tmp_path) == (3 if existing else 0)
    assert reader.list_partitions(LocalStorage(tmp_path), rds.VIDEOS) == ([PART] if existing else [])
    # Rerunning completes the partition.
    with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
        w.write(videos([1, 2, 3, 4]))
    assert glob_count(tmp_path) == 4


def test_memory_stays_flat_while_streaming(tmp_path: Path) -> None:
    import resource

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    batch = videos(list(range(10_000)))
    with PartitionWriter(tmp_path, rds.VIDEOS, PART, row_group_rows=20_000) as w:
        for i in range(5):
            w.write(batch.set_column(0, "id", pa.array(range(i * 10_000, (i + 1) * 10_000), pa.int64())))
        before = rss_mb()
        for i in range(5, 40):
            w.write(batch.set_column(0, "id", pa.array(range(i * 10_000, (i + 1) * 10_000), pa.int64())))
        grown = rss_mb() - before
    assert w.rows_committed == 400_000
    assert grown < 60, f"peak RSS grew {grown:.0f} MB while 350k more rows streamed"


def test_orphaned_temp_files_are_swept_when_old(tmp_path: Path) -> None:
    tmp = LocalStorage(tmp_path).scratch_dir()
    tmp.mkdir(parents=True)
    old, fresh = tmp / "videos-old.parquet", tmp / "videos-fresh.parquet"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 86_400, time.time() - 2 * 86_400))
    assert LocalStorage(tmp_path).sweep_scratch() == 1
    assert not old.exists() and fresh.exists()


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ([[9, 8, 7], [6, 5]], [5, 6, 7, 8, 9]),  # search order: no dedupe pass needed
        ([[9, 8, 7], [7, 6]], [6, 7, 8, 9]),  # a page boundary repeated: caught
        ([[9, 8, 8, 7]], [7, 8, 9]),  # a repeat inside a page: caught
    ],
)
def test_descending_fast_path_still_dedupes(
    tmp_path: Path, pages: list[list[int]], expected: list[int]
) -> None:
    with PartitionWriter(tmp_path, rds.VIDEOS, PART) as w:
        for ids in pages:
            w.write(videos(ids))
    assert (
        sorted(reader.read_partition(LocalStorage(tmp_path), rds.VIDEOS, PART)["id"].to_pylist()) == expected
    )
