"""Incremental by partition: a run with a window replaces exactly that window; full refresh rebuilds all.

Runs dbt by hand (the CLI, as the README documents), with the window vars Dagster would pass.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from tests.dbt.lakedata import COLLECTED, DAYS, build_lake, videos_for
from tiktok_assets import settings
from tiktok_assets.defs.dbt.project import DBT_EXECUTABLE
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter


def dbt(tmp: Path, *args: str, window: tuple[str, str] | None = None, lake_dir: str | None = None) -> None:
    dbt_vars = {"lake_dir": lake_dir or str(tmp / "lake"), "duckdb_path": str(tmp / "wh.duckdb")}
    if window:
        dbt_vars |= {"min_date": window[0], "max_date": window[1]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOK_")}
    result = subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", "stg_research__videos", "--vars", json.dumps(dbt_vars),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), *args],
        cwd=settings.dbt_project_dir(), env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


def per_day(tmp: Path) -> dict[str, int]:
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select partition_date::varchar, count(*) from staging.stg_research__videos group by 1"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_a_partition_run_replaces_its_window_and_nothing_else(tmp_path: Path) -> None:
    build_lake(tmp_path / "lake")
    dbt(tmp_path)  # first run: the table does not exist yet, everything loads
    before = per_day(tmp_path)
    assert set(before) == {d.isoformat() for d in DAYS}

    # Day 2 is re-collected and now has one video fewer (e.g. deleted): rewrite its lake partitions.
    day = DAYS[1]
    fewer = videos_for(day)[1:]
    for query, rows in (("accounts", fewer), ("tag_dance", [])):
        with PartitionWriter(tmp_path / "lake", rds.VIDEOS, {"query": query, "date": day.isoformat()}) as w:
            w.write(normalize(rds.VIDEOS, rows, COLLECTED, (day, day)))

    dbt(tmp_path, window=(day.isoformat(), DAYS[2].isoformat()))
    after = per_day(tmp_path)
    assert after[day.isoformat()] == len(fewer)
    assert {k: v for k, v in after.items() if k != day.isoformat()} == {
        k: v for k, v in before.items() if k != day.isoformat()
    }, "other days untouched"

    dbt(tmp_path, window=(DAYS[0].isoformat(), DAYS[1].isoformat()))  # re-running a day: no duplicates
    assert per_day(tmp_path) == after
    dbt(tmp_path, "--full-refresh")
    assert per_day(tmp_path) == after
