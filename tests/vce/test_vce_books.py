"""What a failed VCE attempt spent stays on the books, once: a range run fails when one of its tasks is
cancelled from outside (another notebook, an operator) after it stored a day. Its run summary holds what it
spent. Then either its re-execution finishes the range (skipping the stored day, whose facts — its task, its
records, the ``sampled`` flag — it still reports), or a new run asks the whole range again, picking up the
stored day's completed task without booking its records twice. Either way the quota ledger ends at the
service's own count."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.vce.support import (
    SAMPLED_QUERY,
    SANDBOX_NOW,
    SLOW,
    cancelling,
    lake_ids,
    materialize_range,
    truth_ids,
    vce_monitoring,
)
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.config import Monitoring
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

FIRST, LAST = date(2026, 6, 1), date(2026, 6, 3)
KEY = dg.AssetKey(["vce", "broad"])
QUERY = SAMPLED_QUERY  # every day's result is a sample (flagged)


@dataclass
class Attempts:
    sb: SandboxHandle
    tmp: Path
    instance: dg.DagsterInstance
    failed: dg.ExecuteInProcessResult
    second: dg.ExecuteInProcessResult  # the re-execution, or a new run of the same range
    reexecuted: bool
    monitoring: Monitoring


@pytest.fixture(scope="module", params=["re-execution", "new-run"])
def attempts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attempts]:
    reexecuted = request.param == "re-execution"
    tmp = tmp_path_factory.mktemp("vce_books")
    m = vce_monitoring({"broad": QUERY})
    with running_sandbox(now=SANDBOX_NOW) as sb, dg.instance_for_test() as instance:
        with cancelling(sb, 1_000_002):  # the run's second task, once the first one has completed
            failed = materialize_range(m, sb, tmp, instance, (FIRST, LAST), {}, **SLOW)
        # a re-execution of the failed run (what "Re-execute" in the UI and the quota-retry sensor do)
        resume = {RESUME_TAG: failed.run_id} if reexecuted else {}
        second = materialize_range(m, sb, tmp, instance, (FIRST, LAST), resume, **SLOW)
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
