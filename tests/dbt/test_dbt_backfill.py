"""A multi-day backfill of the day-partitioned dbt staging is one run and one dbt invocation (not one per day or
per 30 days), and the staging it builds equals the lake.

A real asset backfill (the daemon's iteration over a real instance and the dbt assets as the code location
builds them, ``backfill_location.py``; its run launched and executed in-process): the design notes warn that backfill policies have misbehaved in real
backfills while hand-made range runs looked fine. dbt invocations are counted from dbt itself: every event
dagster-dbt reports carries the ``invocation_id`` of the dbt process that produced it.
"""

from __future__ import annotations

import logging
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.backfill import execute_backfill_iteration

from tests.dbt.backfill_location import defs as code_location
from tests.dbt.lakedata import COLLECTED, videos_for
from tiktok_assets.lake import datasets
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter
from tiktok_assets.settings import project_root

DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(45)]  # across a month boundary, > 30 days
# The run executes in this process as soon as the backfill launches it.
IN_PROCESS = {
    "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "DefaultRunCoordinator"},
    "run_launcher": {
        "module": "dagster._core.launcher.sync_in_memory_run_launcher",
        "class": "SyncInMemoryRunLauncher",
    },
}
STAGING = (
    dg.AssetKey(["staging", "stg_research__videos"]),
    dg.AssetKey(["staging", "stg_research__comments"]),
)


def _write(lake: Path, name: str, partition: dict[str, str], records: list[dict], day: date) -> None:
    dataset = datasets.get("research", name)
    with PartitionWriter(lake, dataset, partition) as writer:
        writer.write(normalize(dataset, records, COLLECTED, (day, day)))


def _collect(lake: Path) -> None:
    for day in DAYS:
        videos = videos_for(day)
        _write(lake, "videos", {"query": "accounts", "date": day.isoformat()}, videos, day)
        _write(lake, "videos", {"query": "again", "date": day.isoformat()}, videos[:2], day)  # seen twice
        comments = [
            {"id": v["id"] + 1_000, "video_id": v["id"], "parent_comment_id": v["id"], "text": "nice",
             "like_count": 1, "reply_count": 0, "create_time": v["create_time"] + 60}
            for v in videos
        ]  # fmt: skip
        _write(lake, "comments", {"date": day.isoformat()}, comments, day)


def _run_backfill(instance: dg.DagsterInstance) -> PartitionBackfill:
    graph = code_location().resolve_asset_graph()
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id="dbt45", asset_graph=graph, partition_names=[d.isoformat() for d in DAYS],
        asset_selection=list(STAGING), backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance,
        all_partitions=False, title=None, description=None, run_config=None,
    )  # fmt: skip
    instance.add_backfill(backfill)
    target = ModuleTarget(
        module_name="tests.dbt.backfill_location", attribute="defs", working_directory=str(project_root()),
        location_name="tiktok_assets",
    )  # fmt: skip
    with create_test_daemon_workspace_context(target, instance) as context:
        for _ in range(10):  # request the runs, let them execute (in-process launcher), mark it complete
            list(execute_backfill_iteration(context, logging.getLogger("backfill")))
            done = instance.get_backfill("dbt45")
            if done.status != BulkActionStatus.REQUESTED:
                return done
    raise AssertionError(f"backfill not done: {instance.get_backfill('dbt45').status}")


def _materializations(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[dg.EventLogRecord]:
    return list(instance.fetch_materializations(key, limit=1000).records)


@pytest.mark.filterwarnings("ignore")
def test_a_45_day_backfill_builds_staging_in_one_dbt_invocation(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("TIKTOK_LAKE_URL", raising=False)
    _collect(tmp_path / "lake")
    with warnings.catch_warnings(), dg.instance_for_test(overrides=IN_PROCESS) as instance:
        warnings.simplefilter("ignore")
        backfill = _run_backfill(instance)
        assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS, backfill.status
        runs = instance.get_runs()
        invocations = set()
        for key in STAGING:
            records = _materializations(instance, key)
            partitions = sorted(r.partition_key for r in records)
            assert partitions == [d.isoformat() for d in DAYS], f"{key}: every day once"
            invocations |= {r.asset_materialization.metadata["invocation_id"].value for r in records}
        checks = instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    assert len(runs) == 1, [r.tags for r in runs]
    assert (runs[0].tags["dagster/asset_partition_range_start"], runs[0].tags["dagster/asset_partition_range_end"]) == (
        DAYS[0].isoformat(), DAYS[-1].isoformat())  # fmt: skip
    assert len(invocations) == 1, f"dbt ran {len(invocations)} times for one backfill"
    assert checks and all(e.dagster_event.event_specific_data.passed for e in checks), (
        "the dbt tests ran, as checks"
    )
    _assert_staging_equals_lake(tmp_path)


def _assert_staging_equals_lake(data_dir: Path) -> None:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        lake = str(data_dir / "lake" / "research")
        in_lake = con.execute(
            f"select distinct id, cast(timezone('UTC', collected_at) as date), cast(\"date\" as date) "
            f"from read_parquet('{lake}/videos/*/*/*.parquet', hive_partitioning=true) order by all"
        ).fetchall()
        staged = con.execute(
            "select video_id, observed_date, partition_date from staging.stg_research__videos order by all"
        ).fetchall()
        assert staged == in_lake and len(staged) > len(DAYS)
        lake_comments = con.execute(
            f"select id from read_parquet('{lake}/comments/*/*.parquet', hive_partitioning=true) order by 1"
        ).fetchall()
        staged_comments = con.execute(
            "select comment_id from staging.stg_research__comments order by 1"
        ).fetchall()
        assert staged_comments == lake_comments
    finally:
        con.close()
    assert datetime.now(UTC).year >= 2026  # the days above are complete days for the partitions
