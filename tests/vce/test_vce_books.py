"""What a failed VCE attempt spent stays on the books, once: a range run fails when one of its tasks is
cancelled from outside (another notebook, an operator) after it stored a day. Its run summary holds what it
spent. Then either its re-execution finishes the range (skipping the stored day, whose facts — its task, its
records, the ``sampled`` flag — it still reports), or a new run asks the whole range again, picking up the
stored day's completed task without booking its records twice. Either way the quota ledger ends at the
service's own count."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.vce.support import SANDBOX_NOW, backend_clock, lake_ids, resources, truth_ids
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.config import Monitoring, parse_monitoring
from tiktok_assets.defs.vce.definitions import build_assets
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.vce.rqs_client import RQSClient

FIRST, LAST = date(2026, 6, 1), date(2026, 6, 3)
KEY = dg.AssetKey(["vce", "broad"])
# A test-stage query whose days match more than its limit: each day's result is a sample (flagged).
QUERY = {"category": "video", "stage": "test", "limit": 30, "fields": ["id", "create_time", "region_code"],
         "condition_groups": [{"operator": "not", "conditions": [
             {"field": "region_code", "operator": "EQ", "field_values": ["IQ"]}]}]}  # fmt: skip
# One task at a time, polled every 0.5 s: a task takes a few polls, so the cancel below lands while it runs.
SLOW = {"max_tasks_in_flight": 1, "poll_initial_seconds": 0.5, "poll_factor": 1.0, "poll_max_seconds": 0.5}


@dataclass
class Attempts:
    sb: SandboxHandle
    tmp: Path
    instance: dg.DagsterInstance
    failed: dg.ExecuteInProcessResult
    second: dg.ExecuteInProcessResult  # the re-execution, or a new run of the same range
    reexecuted: bool
    monitoring: Monitoring


def cancel_second_task(sb: SandboxHandle, stop: threading.Event) -> None:
    """Cancel the run's second task as soon as the service has it (the first one has completed by then)."""
    outside = RQSClient(sb.vce_url, stage="test")
    while not stop.is_set():
        if sb.stats()["vce_tasks"]["tasks"] >= 2:
            assert outside.cancel_query_task(1_000_002)
            return
        time.sleep(0.005)


def materialize(
    m: Monitoring, sb: SandboxHandle, tmp: Path, instance: dg.DagsterInstance, tags: dict[str, str]
) -> dg.ExecuteInProcessResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(m)
    tags = {"dagster/asset_partition_range_start": FIRST.isoformat(),
            "dagster/asset_partition_range_end": LAST.isoformat(), **tags}  # fmt: skip
    with backend_clock(SANDBOX_NOW):
        return dg.materialize(
            assets, instance=instance, resources=resources(sb, tmp, **SLOW), tags=tags, raise_on_error=False
        )


@pytest.fixture(scope="module", params=["re-execution", "new-run"])
def attempts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attempts]:
    reexecuted = request.param == "re-execution"
    tmp = tmp_path_factory.mktemp("vce_books")
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}},
           "vce_queries": {"broad": QUERY}}  # fmt: skip
    m = parse_monitoring(raw, today=date(2026, 6, 15))
    with running_sandbox(now=SANDBOX_NOW) as sb, dg.instance_for_test() as instance:
        stop = threading.Event()
        canceller = threading.Thread(target=cancel_second_task, args=(sb, stop))
        canceller.start()
        try:
            failed = materialize(m, sb, tmp, instance, {})
        finally:
            stop.set()
            canceller.join()
        # a re-execution of the failed run (what "Re-execute" in the UI and the quota-retry sensor do)
        second = materialize(m, sb, tmp, instance, {RESUME_TAG: failed.run_id} if reexecuted else {})
        yield Attempts(sb, tmp, instance, failed, second, reexecuted, m)


def summaries(attempts: Attempts, run: dg.ExecuteInProcessResult) -> list[dict[str, Any]]:
    """The run's summaries (observations without a partition), read back from the event log."""
    records = attempts.instance.fetch_observations(KEY, limit=1_000).records
    return [{k: v.value for k, v in r.asset_observation.metadata.items()}
            for r in records if r.run_id == run.run_id and r.asset_observation and r.asset_observation.partition is None]  # fmt: skip


def test_the_failed_attempt_stored_one_day_and_the_second_the_rest(attempts: Attempts) -> None:
    assert not attempts.failed.success and attempts.second.success
    assert attempts.sb.stats()["vce_tasks"]["by_status"]["Cancelled"] == 1
    (query,) = attempts.monitoring.vce_queries
    for day in (FIRST, LAST):
        assert len(truth_ids(attempts.sb, query, day, day)) > QUERY["limit"]  # every day is a sample
    stored = lake_ids(attempts.tmp / "lake", "broad")
    assert len(stored) == len(set(stored)) == 3 * QUERY["limit"]
    # the new run picked up the stored day's completed task: still one task per day, plus the cancelled one
    assert attempts.sb.stats()["vce_tasks"]["tasks"] == 4


def test_each_attempt_books_what_it_spent_once(attempts: Attempts) -> None:
    (failed,) = summaries(attempts, attempts.failed)
    (second,) = summaries(attempts, attempts.second)
    assert failed["run_outcome"].startswith("failed: VceTaskFailedError")
    assert failed["run_records_received"] == QUERY["limit"]  # the one day it stored
    # what the second attempt read: the new run reads the stored day's result again (no records spent)
    assert second["run_records_received"] == (2 if attempts.reexecuted else 3) * QUERY["limit"]
    stats = attempts.sb.stats()
    served = sum(n for route, by_status in stats["requests"].items() if route.startswith("vce ")
                 for n in by_status.values()) - 1  # fmt: skip  # the one cancel came from outside
    assert failed["run_requests_spent"] + second["run_requests_spent"] == served
    used = QuotaLedger(f"sqlite:///{attempts.tmp / 'quota.sqlite'}").used(
        "vce", "test", "2026-06-15"
    )  # the sandbox clock's day
    assert used.records == stats["vce_tasks"]["records"]["test 2026-06-15"] == 3 * QUERY["limit"]
    assert used.requests == served


def test_a_day_the_failed_attempt_stored_keeps_its_facts(attempts: Attempts) -> None:
    (event,) = [
        e for e in attempts.second.get_asset_materialization_events() if e.partition == FIRST.isoformat()
    ]
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    assert meta["task_ids"] == [1_000_001] and meta["task_records"] == QUERY["limit"]
    assert meta["sampled"] is True and meta["dagster/row_count"] == QUERY["limit"]
    assert meta["tasks_resumed"] == (0 if attempts.reexecuted else 1)
    (check,) = [e for e in attempts.second.get_asset_check_evaluations() if e.check_name == "complete_result"]
    assert not check.passed
    assert check.metadata["sampled_partitions"].value == [
        d.isoformat() for d in (FIRST, date(2026, 6, 2), LAST)
    ]
