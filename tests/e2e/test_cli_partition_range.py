"""A date range of the day assets in one `dagster asset materialize --partition-range` call, against a sandbox
process (issue 14: the CLI used to refuse a range, the day assets' backfill policy being 30 days per run).

One call per day partitioning, as the CLI takes one PartitionsDefinition: the Research days (every named
video query, comments, playlists, every VCE query — and the incremental dbt staging once its policy is
single-run too) and EnsembleData's posted days (user posts, comments). Each call must exit 0 as ONE run
whose steps ran in the run's own process (no step worker started), with a materialization of every selected
asset for every day of the range; the lake must equal the sandbox's truth for the Research and VCE days.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.definitions.backfill_policy import BackfillPolicyType
from dagster._core.events import DagsterEventType
from test_cli_materialize_day import cli_setup, instance_at, stop

from tiktok_assets import settings
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.partitions import daily_partitions
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.datasets import vce as vds
from tiktok_assets.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.slow

FIRST, LAST = date(2026, 6, 10), date(2026, 6, 12)  # the last complete Research day at NOW is 2026-06-12
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
BIN = Path(sys.executable).parent
STEP_PROCESS_EVENTS = {DagsterEventType.STEP_WORKER_STARTING, DagsterEventType.STEP_WORKER_STARTED}


@dataclass
class RangeRun:
    home: Path
    data_dir: Path
    sandbox: SandboxHandle
    calls: dict[str, list[dg.AssetKey]]  # label → the assets of that call


def range_calls(graph: Any) -> dict[str, list[dg.AssetKey]]:
    """The single-run day assets, grouped by partitioning: one CLI call each."""
    research_days = daily_partitions(load_monitoring().start_date)
    calls: dict[str, list[dg.AssetKey]] = {}
    for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        node = graph.get(key)
        policy = node.backfill_policy
        if policy is None or policy.policy_type != BackfillPolicyType.SINGLE_RUN:
            continue
        label = "research days" if node.partitions_def == research_days else "ensembledata days"
        calls.setdefault(label, []).append(key)
    return calls


def argv(keys: list[dg.AssetKey]) -> list[str]:
    return [str(BIN / "dagster"), "asset", "materialize", "-m", "tiktok_assets.definitions",
            "--select", ",".join(k.to_user_string() for k in keys),
            "--partition-range", f"{FIRST}...{LAST}"]  # fmt: skip


@pytest.fixture(scope="module")
def range_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RangeRun]:
    tmp = tmp_path_factory.mktemp("cli_range")
    proc, sandbox, env = cli_setup(tmp)
    try:
        from tiktok_assets.definitions import defs

        calls = range_calls(defs().resolve_asset_graph())
        for label, keys in calls.items():
            done = subprocess.run(argv(keys), env=env, cwd=settings.project_root(), capture_output=True,
                                  text=True, timeout=600)  # fmt: skip
            assert done.returncode == 0, f"{label}: exit {done.returncode}\n{done.stderr[-4000:]}"
        yield RangeRun(tmp / "dagster_home", tmp / "data", sandbox, calls)
    finally:
        sandbox.close()
        stop(proc)


@pytest.fixture(scope="module")
def instance(range_run: RangeRun) -> Iterator[dg.DagsterInstance]:
    with instance_at(range_run.home) as inst:
        yield inst


def test_the_range_calls_cover_every_collection_day_asset(range_run: RangeRun) -> None:
    keys = {k.to_user_string() for keys in range_run.calls.values() for k in keys}
    queries, vce_queries = load_monitoring().queries, load_monitoring().vce_queries
    assert {f"research/videos_{q.name}" for q in queries} <= keys
    assert {"research/comments", "research/playlists"} <= keys
    assert {f"vce/{q.name}" for q in vce_queries} <= keys
    assert {"ensembledata/user_posts", "ensembledata/comments"} <= keys


def test_each_call_is_one_in_process_run(range_run: RangeRun, instance: dg.DagsterInstance) -> None:
    runs = instance.get_runs()
    assert len(runs) == len(range_run.calls)  # a range is one run, not one per day or per 30 days
    for run in runs:
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.run_id
        assert run.tags["dagster/asset_partition_range_start"] == FIRST.isoformat()
        assert run.tags["dagster/asset_partition_range_end"] == LAST.isoformat()
        kinds = {e.dagster_event.event_type for e in instance.all_logs(run.run_id) if e.dagster_event}
        assert DagsterEventType.STEP_SUCCESS in kinds
        assert not kinds & STEP_PROCESS_EVENTS, "a step process was started: the executor is not in-process"


def test_every_asset_is_materialized_for_every_day(range_run: RangeRun, instance: dg.DagsterInstance) -> None:
    missing = []
    for keys in range_run.calls.values():
        for key in keys:
            for day in DAYS:
                records = instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
                ).records
                if not records:
                    missing.append(f"{key.to_user_string()}[{day}]")
    assert not missing


def test_research_days_equal_the_sandbox_truth(range_run: RangeRun) -> None:
    lake = LakeResource(lake_dir=str(range_run.data_dir / "lake"))
    total = 0
    for day in DAYS:
        compact = day.strftime("%Y%m%d")
        for q in load_monitoring().queries:
            body = {"query": q.query, "start_date": compact, "end_date": compact}
            truth = {int(k) for k in range_run.sandbox.truth("research", "video/query/", body)}
            table = lake.read(rds.VIDEOS, {"query": q.name, "date": day.isoformat()}, ["id"])
            assert table is not None, (q.name, day)
            assert set(table["id"].to_pylist()) == truth, (q.name, day)
            total += len(truth)
    assert total > 0, "empty days prove nothing"


def test_vce_execution_days_equal_the_sandbox_truth(range_run: RangeRun) -> None:
    lake = LakeResource(lake_dir=str(range_run.data_dir / "lake"))
    queries = [q for q in load_monitoring().vce_queries if q.stage == "execution" and q.category == "video"]
    assert queries, "the shipped monitoring.yaml has an execution-stage video query"
    total = 0
    for q in queries:
        for day in DAYS:
            start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
            window = {"operator": "and", "conditions": [
                {"field": "create_time", "operator": "GTE", "field_values": [str(start)]},
                {"field": "create_time", "operator": "LT", "field_values": [str(start + 86_400)]},
            ]}  # fmt: skip
            groups = list(q.spec.with_group(window).condition_groups)
            truth = {int(k) for k in range_run.sandbox.truth("vce", "video", {"condition_groups": groups})}
            table = lake.read(vds.VIDEOS, {"query": q.name, "date": day.isoformat()}, ["id"])
            assert table is not None, (q.name, day)
            assert set(table["id"].to_pylist()) == truth, (q.name, day)
            total += len(truth)
    assert total > 0, "empty days prove nothing"
