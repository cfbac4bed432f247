"""Every shipped VCE query for 30 days against the sandbox over HTTP, as the demo runs them (one range run):
the lake holds exactly the sandbox's truth, one task per day and no more (with no faults and under 10%
faults on /vce), every check passes, spend is in the metadata and the ledger, task ids are recorded."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.vce.support import (
    FIRST,
    LAST,
    RANGE_TAGS,
    SANDBOX_NOW,
    TEN_PERCENT_FAULTS,
    backend_clock,
    lake_ids,
    resources,
    truth_ids,
)  # fmt: skip
from tiktok_assets import config
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.config import Monitoring, load_monitoring
from tiktok_assets.defs.vce.definitions import build_assets
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

DAYS = (LAST - FIRST).days + 1


@dataclass
class Run:
    sb: SandboxHandle
    monitoring: Monitoring
    tmp: Path
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    stats: dict[str, Any]


def collect(tmp: Path, faults: dict[str, float] | None) -> Iterator[Run]:
    """The range run the demo makes, with the backend's clock at the sandbox's (the ledger's day follows it)."""
    monitoring = load_monitoring(config.DEFAULT_PATH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(monitoring)
    with (
        running_sandbox(faults=faults, now=SANDBOX_NOW) as sb,
        dg.instance_for_test() as instance,
        backend_clock(SANDBOX_NOW),
    ):
        result = dg.materialize(assets, instance=instance, resources=resources(sb, tmp), tags=RANGE_TAGS)
        sb.set_faults({})
        yield Run(sb, monitoring, tmp, result, instance, sb.stats())


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from collect(tmp_path_factory.mktemp("vce-clean"), None)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from collect(tmp_path_factory.mktemp("vce-faults"), TEN_PERCENT_FAULTS)


def assert_exact(run: Run) -> None:
    assert run.result.success
    for query in run.monitoring.vce_queries:
        stored = lake_ids(run.tmp / "lake", query.name)
        assert len(stored) == len(set(stored)), f"{query.name}: a video stored twice"
        assert set(stored) == truth_ids(run.sb, query), query.name
    tasks = run.stats["vce_tasks"]
    assert tasks["tasks"] == DAYS * len(run.monitoring.vce_queries)  # one task per day and query, none twice
    assert tasks["by_status"]["Completed"] == tasks["tasks"]


def test_thirty_days_equal_the_truth_one_task_per_day(clean: Run) -> None:
    assert_exact(clean)
    for query in clean.monitoring.vce_queries:
        assert truth_ids(clean.sb, query), f"{query.name} matches nothing in the window: a vacuous test"


def test_under_ten_percent_faults_too(faulty: Run) -> None:
    assert_exact(faulty)
    routes = [r for r in faulty.stats["requests"] if r.startswith("vce ")]
    failed = sum(n for r in routes for status, n in faulty.stats["requests"][r].items() if status != "200")
    assert failed >= 10, faulty.stats["requests"]  # the faults did reach the VCE endpoints
    faults = faulty.stats["faults"]  # a truncated body is counted as the 200 it started as
    assert sum(faults.values()) - faults.get("truncated_body", 0) == failed


def test_each_day_is_its_own_partition_with_its_own_figures(clean: Run) -> None:
    query = clean.monitoring.vce_queries[0]
    key = dg.AssetKey(["vce", query.name])
    events = [e for e in clean.result.get_asset_materialization_events() if e.asset_key == key]
    assert sorted(e.partition for e in events) == [
        (FIRST + timedelta(days=i)).isoformat() for i in range(DAYS)
    ]
    task_ids = set()
    for event in events:
        meta = {k: v.value for k, v in event.materialization.metadata.items()}
        day = date.fromisoformat(event.partition)
        assert meta["dagster/row_count"] == meta["task_records"] == len(truth_ids(clean.sb, query, day, day))
        assert len(meta["task_ids"]) == 1 and meta["task_windows"] == 1 and meta["sampled"] is False
        assert meta["task_requests"] >= 3  # create, poll(s), result
        task_ids |= set(meta["task_ids"])
        assert meta["requests_spent"] == meta["task_requests"]  # a day's tasks are that day's alone
        assert "run_records_received" not in meta  # the run's figures are in its summary, not on a day
    assert len(task_ids) == DAYS
    # The run's figures, once, in its summary (an observation without a partition).
    (summary,) = [o.asset_observation_data.asset_observation.metadata for o in clean.result.get_asset_observation_events()
                  if o.asset_key == key and o.partition is None]  # fmt: skip
    assert summary["run_records_received"].value == len(truth_ids(clean.sb, query))
    assert summary["run_requests_spent"].value >= 3 * DAYS and summary["stage"].value == query.stage


def test_task_ids_are_recorded_as_observations(clean: Run) -> None:
    for query in clean.monitoring.vce_queries:
        key = dg.AssetKey(["vce", query.name])
        records = clean.instance.fetch_observations(key, limit=1_000).records
        recorded = [
            r.asset_observation.metadata
            for r in records
            if r.asset_observation and r.asset_observation.partition
        ]  # the run summary has none
        created = [m for m in recorded if "fingerprint" in m]
        assert len(created) == DAYS and all({"task_id", "window", "created_day"} <= set(m) for m in created)
        charged = [m for m in recorded if "records_charged" in m]  # one per task, each booked once
        assert sorted(m["task_id"].value for m in charged) == sorted(m["task_id"].value for m in created)
        assert len([m for m in recorded if "day_stored" in m]) == DAYS


def test_checks_pass_and_spend_is_in_the_ledger(clean: Run) -> None:
    evaluations = clean.result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    assert {e.check_name for e in evaluations} >= {
        "unique_keys",
        "create_time_in_partition",
        "complete_result",
    }
    ledger = QuotaLedger(f"sqlite:///{clean.tmp / 'quota.sqlite'}")
    for query in clean.monitoring.vce_queries:
        used = ledger.used("vce", query.stage, "2026-06-15")  # the sandbox clock's day
        assert used.records == len(truth_ids(clean.sb, query))
    total = sum(sum(v.values()) for r, v in clean.stats["requests"].items() if r.startswith("vce "))
    spent = sum(ledger.used("vce", s, "2026-06-15").requests for s in ("test", "execution"))
    assert spent == total  # every RQS call is one HTTP request with no faults
