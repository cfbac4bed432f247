"""A VCE task's records are on the quota ledger once, also when the attempt that booked them died before it
could record so (``BatchEvents.charged``, the ``records_charged`` observation): the rerun adopts the task,
reads its result and books its RQS calls, but the ledger refuses its records a second time (their key,
``vce-task:<id>:records``, is already booked). The real sandbox, a real SQLite ledger; the process is cut at
exactly that point by the hook itself (SystemExit in process, SIGKILL in a child process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.vce.support import SANDBOX_NOW, lake_ids
from tiktok_assets import backends
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.clients.vce import PollPolicy
from tiktok_assets.clients.vce_batch import Job, Outcome, RecordedTask, StageBudget, run_batch
from tiktok_assets.clients.vce_query import validate_task
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)  # the sandbox's clock: the day the service counts records on
FAST = PollPolicy(initial=0.02, factor=1.5, maximum=0.2, timeout=60)
FYP = [{"operator": "or", "conditions": [
    {"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["fyp"]}]}]  # fmt: skip


class Events:
    """``BatchEvents`` that keeps the created task and results; ``die_at_charge``: the process ends right
    after the ledger charge, before ``charged`` is recorded anywhere."""

    def __init__(self, die_at_charge: bool = False) -> None:
        self.die_at_charge = die_at_charge
        self.created_tasks: dict[str, tuple[int, date]] = {}
        self.done: dict[str, Outcome] = {}

    def created(self, job: Job, task_id: int, day: date) -> None:
        self.created_tasks[job.key] = (task_id, day)

    def charged(self, job: Job, task_id: int, records: int) -> None:
        if self.die_at_charge:
            raise SystemExit(137)  # the kill lands between the ledger's charge and its observation

    def resumed(self, job: Job, task_id: int, status: str) -> None: ...

    def completed(self, outcome: Outcome) -> Sequence[Job]:
        self.done[outcome.job.key] = outcome
        return ()


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(now=SANDBOX_NOW) as handle:
        yield handle


def vce_calls(sb: SandboxHandle) -> int:
    return sum(n for route, by_status in sb.stats()["requests"].items() if route.startswith("vce")
               for n in by_status.values())  # fmt: skip


def test_a_rerun_after_a_kill_between_charge_and_observation_books_the_records_once(
    sb: SandboxHandle, tmp_path: Path
) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
    spec = validate_task("video", [*FYP, _day_group(date(2026, 6, 2))], "id,create_time", 1_000, "test")
    client = backends.vce_client(base_url=sb.vce_url, stage="test", poll=FAST)
    crashed = Events(die_at_charge=True)
    with pytest.raises(SystemExit):
        run_batch(client, [Job("d", spec)], crashed, StageBudget("test", ledger, lambda: NOW))
    (task_id, day), returned = (
        crashed.created_tasks["d"],
        sb.stats()["vce_tasks"]["records"]["test 2026-06-15"],
    )
    assert returned > 0 and ledger.used("vce", "test", NOW).records == returned  # booked, not observed
    # The rerun finds the task the event log recorded, and no records_charged for it.
    rerun = Events()
    recorded = RecordedTask(task_id, day, charged=False)
    run_batch(client, [Job("d", spec, recorded)], rerun, StageBudget("test", ledger, lambda: NOW))
    assert rerun.done["d"].resumed and len(rerun.done["d"].records) == returned
    assert not rerun.created_tasks and sb.stats()["vce_tasks"]["tasks"] == 1
    used = ledger.used("vce", "test", NOW)
    assert used.records == sb.stats()["vce_tasks"]["records"]["test 2026-06-15"] == returned
    assert used.requests == vce_calls(sb) == client.calls  # each attempt's calls were real: all booked


def _day_group(day: date) -> dict[str, Any]:
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    return {"operator": "and", "conditions": [
        {"field": "create_time", "operator": "GTE", "field_values": [str(start)]},
        {"field": "create_time", "operator": "LT", "field_values": [str(start + 86_400)]}]}  # fmt: skip


# -- the assets: a child process SIGKILLed inside DayTasks.charged, then a rerun on the same instance ---
FIRST, LAST = date(2026, 6, 8), date(2026, 6, 10)
QUERY = {"category": "video", "stage": "test", "limit": 1_000, "fields": ["id", "create_time"],
         "condition_groups": FYP}  # fmt: skip

CHILD = textwrap.dedent(
    """
    import json, os, signal, sys, warnings, dagster as dg
    from datetime import date
    warnings.simplefilter("ignore")
    from pathlib import Path
    from tiktok_assets.config import parse_monitoring
    from tiktok_assets.defs.lake_resource import LakeResource
    from tiktok_assets.defs.vce import tasks
    from tiktok_assets.defs.vce.definitions import build_assets
    from tiktok_assets.defs.vce.resources import VceResource
    url, tmp, first, last, query, kill = sys.argv[1:7]
    tmp = Path(tmp)
    if kill == "kill":  # die the moment the first task's records are on the ledger, before their observation
        tasks.DayTasks.charged = lambda self, job, task_id, records: os.kill(os.getpid(), signal.SIGKILL)
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}},
           "vce_queries": {"fyp": json.loads(query)}}
    assets = build_assets(parse_monitoring(raw, today=date(2026, 6, 15)))
    resources = {"vce": VceResource(base_url=url, ledger_url=f"sqlite:///{tmp / 'quota.sqlite'}",
                                    poll_initial_seconds=0.05, poll_factor=1.5, poll_max_seconds=0.5),
                 "lake": LakeResource(lake_dir=str(tmp / "lake"))}
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    with dg.DagsterInstance.get() as instance:  # DAGSTER_HOME: the same instance for the run and its rerun
        result = dg.materialize(assets, resources=resources, tags=tags, instance=instance,
                                raise_on_error=False)
    sys.exit(0 if result.success else 1)
    """
)


def run_child(sb: SandboxHandle, tmp: Path, kill: bool) -> tuple[int, str]:
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "TIKTOK_CLOCK_NOW": SANDBOX_NOW}
    args = [
        sb.vce_url,
        str(tmp),
        FIRST.isoformat(),
        LAST.isoformat(),
        json.dumps(QUERY),
        "kill" if kill else "-",
    ]
    log = tmp / ("killed.log" if kill else "rerun.log")
    with log.open("w") as err:
        done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=tmp, timeout=180,
                              stdout=subprocess.DEVNULL, stderr=err, check=False)  # fmt: skip
    return done.returncode, log.read_text()[-3000:]


def test_an_asset_run_killed_between_charge_and_observation_is_booked_once(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    days = (LAST - FIRST).days + 1
    with running_sandbox(now=SANDBOX_NOW) as fresh:
        code, log = run_child(fresh, tmp_path, kill=True)
        assert code == -signal.SIGKILL, log
        ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
        assert ledger.used("vce", "test", "2026-06-15").records > 0  # the first task's records, booked
        assert lake_ids(tmp_path / "lake", "fyp") == []  # killed before any day was stored

        code, log = run_child(fresh, tmp_path, kill=False)
        assert code == 0, log
        stats = fresh.stats()["vce_tasks"]
        assert stats["tasks"] == days and stats["by_status"]["Completed"] == days  # every task adopted
        stored = lake_ids(tmp_path / "lake", "fyp")
        assert len(stored) == len(set(stored))
        assert (
            ledger.used("vce", "test", "2026-06-15").records
            == stats["records"]["test 2026-06-15"]
            == len(stored)
        )
