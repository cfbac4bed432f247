"""Monthly copies of day partitions (``lake.compaction``): dbt's staging reads a compacted month instead of its
daily files and builds exactly the same table; committing a day deletes its month's copy, so a re-collected
day is what staging sees; a day committed while a copy is written leaves no copy. Real files, real dbt."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.dbt.lakedata import COLLECTED, videos_for
from tests.dbt.test_dbt_incremental import dbt, per_day
from tiktok_assets.defs.lake_compaction import lake_compaction
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.lake import compaction
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.storage import LocalStorage
from tiktok_assets.lake.writer import PartitionWriter

DAYS = [date(2026, 4, 20) + timedelta(days=i) for i in range(52)]  # 20 Apr .. 10 Jun: two complete months
QUERIES = ("accounts", "tag_dance")


def commit_day(lake: Path, query: str, day: date, drop: int = 0) -> None:
    videos = videos_for(day)[drop:] if query == "accounts" else videos_for(day)[::2]
    with PartitionWriter(lake, rds.VIDEOS, {"query": query, "date": day.isoformat()}) as writer:
        writer.write(normalize(rds.VIDEOS, videos, COLLECTED, (day, day)))


def build(lake: Path) -> None:
    for day in DAYS:
        for query in QUERIES:
            commit_day(lake, query, day)


def staging_rows(tmp: Path) -> list[tuple]:
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        return con.execute(
            "select * exclude (queries), queries::varchar from staging.stg_research__videos order by all"
        ).fetchall()
    finally:
        con.close()


def copies(lake: Path) -> list[str]:
    return sorted(p.relative_to(lake).as_posix() for p in (lake / compaction.ROOT).rglob("*.parquet"))


def test_staging_over_compacted_months_is_the_same_table(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    build(lake)
    dbt(tmp_path, "--full-refresh")
    daily = staging_rows(tmp_path)

    done = compaction.compact(LocalStorage(lake), through=date(2026, 6, 9), datasets=[rds.VIDEOS])
    assert (
        done[0].months == 4 and done[0].days == 2 * (11 + 31) and done[0].skipped == 0
    )  # Apr, May x 2 queries
    assert copies(lake) == [f"_compacted/research/videos/query={q}/month=2026-{m}/part-0.parquet"
                            for q in QUERIES for m in ("04", "05")]  # fmt: skip
    may = pq.read_table(lake / copies(lake)[1])
    assert sorted(set(may["date"].to_pylist())) == [d.isoformat() for d in DAYS if d.month == 5]
    assert (
        compaction.compact(LocalStorage(lake), through=date(2026, 6, 9), datasets=[rds.VIDEOS])[0].months == 0
    )

    dbt(tmp_path, "--full-refresh")
    assert staging_rows(tmp_path) == daily  # every row, every column: no row lost, none twice
    (compiled,) = (tmp_path / "target").rglob("compiled/**/stg_research__videos.sql")
    sql = compiled.read_text()
    assert sql.count("/_compacted/research/videos/") == 4 and "date=2026-05-14" not in sql  # copies, not days
    assert "date=2026-06-01/part-0.parquet" in sql  # June has no copy: its days
    for spelled in (f"{lake}/", f"file://{lake}", f"{lake}/../lake"):  # however the lake's path is written
        dbt(tmp_path, "--full-refresh", lake_dir=spelled)
        assert staging_rows(tmp_path) == daily, spelled
    window = ("2026-05-30", "2026-06-02")  # an incremental run across a compacted and a daily month
    dbt(tmp_path, window=window)
    assert staging_rows(tmp_path) == daily


def test_a_recommitted_day_deletes_its_month_s_copy_and_staging_sees_it(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    build(lake)
    compaction.compact(LocalStorage(lake), through=date(2026, 6, 9), datasets=[rds.VIDEOS])
    dbt(tmp_path, "--full-refresh")
    before = per_day(tmp_path)

    day = date(2026, 5, 14)
    commit_day(lake, "accounts", day, drop=2)  # re-collected: two videos fewer
    assert "_compacted/research/videos/query=accounts/month=2026-05/part-0.parquet" not in copies(lake)
    assert len(copies(lake)) == 3  # the other months and the other query's May stay

    dbt(tmp_path, "--full-refresh")
    after = per_day(tmp_path)
    still_found = {v["id"] for v in videos_for(day)[2:]} | {
        v["id"] for v in videos_for(day)[::2]
    }  # both queries
    assert after[day.isoformat()] == len(still_found) < before[day.isoformat()]
    assert {k: v for k, v in after.items() if k != day.isoformat()} == {
        k: v for k, v in before.items() if k != day.isoformat()
    }


def test_a_day_committed_while_its_month_is_compacted_leaves_no_copy(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    build(lake)
    storage = LocalStorage(lake)
    month = next(
        m
        for m in compaction.complete_months(storage, rds.VIDEOS, date(2026, 6, 9))
        if "month=2026-05" in m.key
    )
    # The writer's own invalidation ran before the copy existed; only the re-check can catch this one.
    written = compaction.compact_month(
        storage, month, before_publish=lambda: commit_day(lake, "accounts", date(2026, 5, 3), drop=1)
    )
    assert written is None and not storage.exists(month.key)
    # A day that appears in the month meanwhile (a backfill of a missing day) does the same.
    (lake / "research/videos/query=accounts/date=2026-05-20/part-0.parquet").unlink()
    month = next(
        m for m in compaction.complete_months(storage, rds.VIDEOS, date(2026, 6, 9))
        if m.key.endswith("query=accounts/month=2026-05/part-0.parquet")
    )  # fmt: skip
    written = compaction.compact_month(
        storage, month, before_publish=lambda: commit_day(lake, "accounts", date(2026, 5, 20))
    )
    assert written is None and not storage.exists(month.key)
    # With nothing committed meanwhile, the copy stays.
    month = next(
        m for m in compaction.complete_months(storage, rds.VIDEOS, date(2026, 6, 9)) if m.key == month.key
    )
    assert compaction.compact_month(storage, month) == sum(
        pq.ParquetFile(
            lake / "research/videos" / f"query=accounts/date={d['date']}/part-0.parquet"
        ).metadata.num_rows
        for d in month.days
    )
    assert storage.exists(month.key)


def test_the_asset_compacts_the_months_complete_at_the_backend_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    build(lake)  # 20 Apr .. 10 Jun
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-12T12:00:00Z")  # last complete day 9 Jun: May is complete
    result = dg.materialize([lake_compaction], resources={"lake": LakeResource(lake_dir=str(lake))})
    metadata = result.asset_materializations_for_node("maintenance__lake_compaction")[0].metadata
    assert metadata["through"].value == "2026-06-09"
    assert metadata["run_months_written"].value == 4 and metadata["run_months_skipped"].value == 0
    assert metadata["run_daily_files_covered"].value == 2 * (11 + 31)
    assert len(copies(lake)) == 4 and not any("2026-06" in c for c in copies(lake))
    assert metadata["months_held"].value == 4
    assert (
        metadata["dagster/row_count"].value
        == metadata["run_rows"].value
        == sum(pq.ParquetFile(lake / c).metadata.num_rows for c in copies(lake))
    )
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-05-20T12:00:00Z")  # earlier clock: only April was complete
    lake2 = tmp_path / "lake2"
    build(lake2)
    dg.materialize([lake_compaction], resources={"lake": LakeResource(lake_dir=str(lake2))})
    assert copies(lake2) == [
        f"_compacted/research/videos/query={q}/month=2026-04/part-0.parquet" for q in QUERIES
    ]


def test_a_copy_left_stale_by_a_crash_is_rewritten_by_the_next_compaction(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    build(lake)
    storage = LocalStorage(lake)
    compaction.compact(storage, through=date(2026, 6, 9), datasets=[rds.VIDEOS])
    may = "_compacted/research/videos/query=accounts/month=2026-05/part-0.parquet"
    # A commit that crashed after publishing its day and before deleting the copy: the day is new, the copy
    # is not (published here as the storage does, without the writer's invalidation).
    day = "research/videos/query=accounts/date=2026-05-14/part-0.parquet"
    fresh = tmp_path / "fresh.parquet"
    pq.write_table(pq.read_table(lake / day).slice(1), fresh)
    storage.publish(fresh, day)
    month = next(m for m in compaction.complete_months(storage, rds.VIDEOS, date(2026, 6, 9)) if m.key == may)
    assert storage.exists(may) and not compaction.current(storage, month)
    again = compaction.compact(storage, through=date(2026, 6, 9), datasets=[rds.VIDEOS])[0]
    assert again.months == 1 and again.days == 31  # only the stale month, the three current ones kept
    copied = pq.read_table(lake / may).filter(pc.equal(pq.read_table(lake / may)["date"], "2026-05-14"))
    assert copied.num_rows == pq.read_table(lake / day).num_rows == len(videos_for(date(2026, 5, 14))) - 1
