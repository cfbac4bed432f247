"""VCE tasks through the client against the sandbox over HTTP: ``AnalysisFailed`` carries the service's
reason (in the client and in ``tiktok-assets fetch``), stage limits are refused before any call with a typed
error (which limit, when it resets), and a batch of tasks runs within the test stage's daily records,
resumes a recorded task instead of creating a second one, and leaves nothing running when interrupted."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.vce.support import unfinished
from tiktok_assets import backends
from tiktok_assets.cli import main as cli_main
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce import (
    PollPolicy,
    VceAnalysisFailedError,
    VceClient,
    VceStageLimitError,
    VceTaskFailedError,
    VceTimeoutError,
)
from tiktok_assets.clients.vce_batch import Job, Outcome, RecordedTask, StageBudget, run_batch
from tiktok_assets.clients.vce_query import TaskSpec, validate_task
from tiktok_assets.clock import clock_now
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.world import day_start

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
FAST = PollPolicy(initial=0.02, factor=1.5, maximum=0.2, timeout=60)


def day_spec(day: date, stage: str = "test", limit: int = 100) -> TaskSpec:
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    groups = [
        {"operator": "or", "conditions": [{"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["fyp"]}]},
        {"operator": "and", "conditions": [
            {"field": "create_time", "operator": "GTE", "field_values": [str(start)]},
            {"field": "create_time", "operator": "LT", "field_values": [str(start + 86_400)]}]},
    ]  # fmt: skip
    return validate_task("video", groups, "id,create_time", limit, stage)


class Recorder:
    """``BatchEvents`` that keeps what happened (and checks the stage budget at every create)."""

    def __init__(self, budget: StageBudget | None = None, interrupt_at_create: int | None = None) -> None:
        self.created_tasks: list[tuple[str, int]] = []
        self.resumed_tasks: list[tuple[str, int, str]] = []
        self.charged_tasks: dict[int, int] = {}
        self.done: dict[str, Outcome] = {}
        self.budget, self.interrupt_at_create = budget, interrupt_at_create

    def created(self, job: Job, task_id: int, day: date) -> None:
        self.created_tasks.append((job.key, task_id))
        if len(self.created_tasks) == self.interrupt_at_create:
            raise KeyboardInterrupt  # what Dagster's run termination raises inside the step
        if self.budget is not None and self.budget.stage.daily_records:
            assert self.budget.spent_today() + self.budget.reserved <= self.budget.stage.daily_records

    def charged(self, job: Job, task_id: int, records: int) -> None:
        assert task_id not in self.charged_tasks  # booked once
        self.charged_tasks[task_id] = records

    def resumed(self, job: Job, task_id: int, status: str) -> None:
        self.resumed_tasks.append((job.key, task_id, status))

    def completed(self, outcome: Outcome) -> Sequence[Job]:
        self.done[outcome.job.key] = outcome
        return ()


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def ledger(tmp_path: Path) -> QuotaLedger:
    return QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")


def client(sb: SandboxHandle, stage: str = "test", poll: PollPolicy = FAST) -> VceClient:
    return backends.vce_client(base_url=sb.vce_url, stage=stage, poll=poll)


def truth_ids(sb: SandboxHandle, spec: TaskSpec) -> set[str]:
    return set(sb.truth("vce", spec.category, {"condition_groups": list(spec.condition_groups)}))


def test_analysis_failed_carries_the_services_reason(sb: SandboxHandle) -> None:
    comments_without_videos = [{"operator": "and", "conditions": [
        {"field": "like_count", "operator": "GT", "field_values": ["1"]}]}]  # fmt: skip
    with pytest.raises(VceAnalysisFailedError) as err:
        client(sb, "execution").run("comment", comments_without_videos, "id,text")
    assert err.value.task_status == "AnalysisFailed"
    assert "comment queries need video_id" in err.value.reason and "comment queries need video_id" in str(
        err.value
    )


def test_fetch_cli_prints_the_reason(
    sb: SandboxHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = json.dumps([{"operator": "and", "conditions": [
        {"field": "like_count", "operator": "GT", "field_values": ["1"]}]}])  # fmt: skip
    ledger_dir = tmp_path.parent / f"{tmp_path.name}-ledger"
    ledger_dir.mkdir()
    code = cli_main(["fetch", "vce", "comment", "--param", f"condition_groups={groups}", "--fields", "id",
                     "--base-url", sb.vce_url, "--poll-interval", "0", "--out", str(tmp_path / "c.parquet"),
                     "--ledger-url", f"sqlite:///{ledger_dir / 'q.sqlite'}", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "ended AnalysisFailed: " in err and "comment queries need video_id" in err
    assert not list(tmp_path.iterdir())  # refused, not resumable: no file and no .partial/ left behind


def test_fetch_cli_books_its_task_on_the_ledger_the_assets_share(
    sb: SandboxHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What ``fetch vce`` spends is on the ledger the assets' stage budget reads, and it is refused, before any
    call, when the stage's day has no room left for its limit."""
    ledger_url = f"sqlite:///{tmp_path / 'q.sqlite'}"
    spec = day_spec(date(2026, 6, 1), "test", limit=200)
    groups = json.dumps([dict(g) for g in spec.condition_groups])

    def fetch(out: str) -> int:
        return cli_main(["fetch", "vce", "video", "--param", f"condition_groups={groups}", "--param", "limit=200",
                         "--fields", "id,create_time", "--stage", "test", "--base-url", sb.vce_url,
                         "--poll-interval", "0", "--ledger-url", ledger_url, "--out", str(tmp_path / out),
                         "--no-progress"])  # fmt: skip

    calls_before, tasks_before = sb.stats()["requests"], sb.stats()["vce_tasks"]["tasks"]
    assert fetch("a.parquet") == 0
    rows = len(truth_ids(sb, spec))
    assert rows > 0 and f"{rows} rows" in capsys.readouterr().out
    served = sum(sum(by_status.values()) for name, by_status in sb.stats()["requests"].items()
                 if name.startswith("vce")) - sum(sum(by_status.values()) for name, by_status in calls_before.items()
                                                  if name.startswith("vce"))  # fmt: skip
    used = QuotaLedger(ledger_url).used("vce", "test", clock_now())
    assert (used.records, used.requests) == (rows, served)
    QuotaLedger(ledger_url).charge("vce", "test", requests=0, records=4_900 - rows, day=clock_now())
    assert fetch("b.parquet") == 1  # 4,900 spent + a limit of 200 > 5,000
    assert "at most 5,000 records a day: 4,900 records spent today" in capsys.readouterr().err
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before + 1 and not (tmp_path / "b.parquet").exists()


def test_stage_limits_are_refused_before_any_call_with_which_limit_and_when(ledger: QuotaLedger) -> None:
    ledger.charge("vce", "test", requests=10, records=4_950, day=NOW)
    budget = StageBudget("test", ledger, lambda: NOW)
    with pytest.raises(VceStageLimitError) as err:
        budget.admit(100, can_wait=False)
    assert err.value.stage == "test" and err.value.limit == "at most 5,000 records a day"
    assert err.value.resets_at == datetime(2026, 6, 16, tzinfo=UTC)
    assert "4,950 records spent today" in str(err.value) and "resets at 2026-06-16T00:00:00+00:00" in str(
        err.value
    )
    assert budget.admit(50, can_wait=False) and budget.reserved == 50
    assert budget.admit(1, can_wait=True) is False  # 4,950 + 50 reserved: full until a task settles
    with pytest.raises(VceStageLimitError) as err:
        StageBudget("execution", ledger, lambda: NOW).admit(100_001, can_wait=False)
    assert err.value.limit == "at most 100,000 records per query" and err.value.resets_at is None
    assert "never resets" in str(err.value)
    # The next day starts from nothing.
    assert StageBudget("test", ledger, lambda: NOW + timedelta(days=1)).admit(5_000, can_wait=False)


def test_a_batch_runs_within_the_test_stage_and_charges_the_ledger(
    sb: SandboxHandle, ledger: QuotaLedger
) -> None:
    ledger.charge("vce", "test", requests=0, records=4_800, day=NOW)  # room for two tasks of 100 at a time
    budget = StageBudget("test", ledger, lambda: NOW)
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(5)]
    jobs = [Job(str(d), day_spec(d)) for d in days]
    events = Recorder(budget)
    vce = client(sb)
    run_batch(vce, jobs, events, budget, max_in_flight=8)
    assert set(events.done) == {str(d) for d in days} and not events.resumed_tasks
    for job in jobs:
        assert {str(r["id"]) for r in events.done[job.key].records} == truth_ids(sb, job.spec)
    returned = sum(len(o.records) for o in events.done.values())
    used = ledger.used("vce", "test", NOW)
    assert used.records == 4_800 + returned and used.requests == vce.calls
    assert budget.reserved == 0 and unfinished(sb) == 0


def test_a_recorded_task_is_resumed_and_a_cancelled_one_replaced(
    sb: SandboxHandle, ledger: QuotaLedger
) -> None:
    vce = client(sb, "execution")
    running, cancelled = day_spec(date(2026, 6, 3), "execution"), day_spec(date(2026, 6, 4), "execution")
    running_id, cancelled_id = vce.create(running), vce.create(cancelled)
    vce.status(running_id)  # an earlier attempt polled it once, then crashed
    assert vce.cancel(cancelled_id)
    tasks_before, calls_before = sb.stats()["vce_tasks"]["tasks"], vce.calls
    events = Recorder()
    jobs = [
        Job("running", running, RecordedTask(running_id)),
        Job("cancelled", cancelled, RecordedTask(cancelled_id)),
    ]
    run_batch(vce, jobs, events, StageBudget("execution", ledger, lambda: NOW))
    # every call of the batch is booked, the status call that found the cancelled task included
    assert ledger.used("vce", "execution", NOW).requests == vce.calls - calls_before
    assert events.resumed_tasks == [("running", running_id, "Validating")]
    assert [key for key, _ in events.created_tasks] == ["cancelled"]
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before + 1  # only the cancelled one was asked again
    assert events.done["running"].task_id == running_id and events.done["running"].resumed
    assert {str(r["id"]) for r in events.done["running"].records} == truth_ids(sb, running)


def test_a_failed_task_stops_new_ones_the_running_ones_are_stored(
    sb: SandboxHandle, ledger: QuotaLedger
) -> None:
    bad = validate_task("comment", [{"operator": "and", "conditions": [
        {"field": "like_count", "operator": "GT", "field_values": ["1"]}]}], "id", 10, "execution")  # fmt: skip
    good = [Job(f"good{i}", day_spec(date(2026, 6, 5 + i), "execution")) for i in range(2)]
    later = Job("later", day_spec(date(2026, 6, 9), "execution"))
    events = Recorder()
    with pytest.raises(VceTaskFailedError, match="need video_id"):
        run_batch(client(sb, "execution"), [*good, Job("bad", bad), later], events,
                  StageBudget("execution", ledger, lambda: NOW), max_in_flight=3)  # fmt: skip
    assert set(events.done) == {"good0", "good1"}
    assert "later" not in [key for key, _ in events.created_tasks] and unfinished(sb) == 0


def test_an_interrupt_cancels_every_unfinished_task(sb: SandboxHandle, ledger: QuotaLedger) -> None:
    cancelled_before = sb.stats()["vce_tasks"]["by_status"]["Cancelled"]
    jobs = [Job(f"d{i}", day_spec(date(2026, 5, 20 + i), "execution")) for i in range(6)]
    # Two tasks are polled to Completed, then the 4th create is interrupted while it is being recorded.
    events = Recorder(interrupt_at_create=4)
    vce, budget = client(sb, "execution"), StageBudget("execution", ledger, lambda: NOW)
    with pytest.raises(KeyboardInterrupt):
        run_batch(vce, jobs, events, budget, max_in_flight=2)
    assert len(events.created_tasks) == 4 and len(events.done) == 2
    assert unfinished(sb) == 0  # the running one and the one being recorded were cancelled
    assert sb.stats()["vce_tasks"]["by_status"]["Cancelled"] - cancelled_before == 2
    # what the cancelled tasks spent (their polls and the cancels) stays on the books, nothing stays reserved
    assert ledger.used("vce", "execution", NOW).requests == vce.calls and budget.reserved == 0


@pytest.mark.parametrize("charged", [True, False], ids=["booked-before-the-crash", "crashed-before-booking"])
def test_an_adopted_task_is_booked_once_on_the_day_it_was_created(
    sb: SandboxHandle, ledger: QuotaLedger, charged: bool
) -> None:
    """An attempt crashed after its task completed but before the day was stored; the rerun, the next UTC day,
    adopts the task and reads its result. Its records stay on the ledger once, on the day the service counts
    them on (the task's creation), whether or not the crashed attempt had booked them."""
    spec = day_spec(date(2026, 6, 2))
    vce = client(sb)
    task_id = vce.create(spec)
    assert vce.wait(task_id, vce.clock() + 30) == "Completed"
    returned = len(vce.result(task_id))
    assert returned > 0
    if charged:  # what the crashed attempt's run_batch did when the task completed
        ledger.charge("vce", "test", requests=vce.calls, records=returned, day=NOW)
    rerun = NOW + timedelta(days=1)
    events = Recorder()
    run_batch(vce, [Job("d", spec, RecordedTask(task_id, NOW.date(), charged))], events,
              StageBudget("test", ledger, lambda: rerun))  # fmt: skip
    assert events.resumed_tasks == [("d", task_id, "Completed")] and not events.created_tasks
    assert len(events.done["d"].records) == returned
    assert ledger.used("vce", "test", NOW).records == returned
    assert ledger.used("vce", "test", rerun).records == 0
    assert events.charged_tasks == ({} if charged else {task_id: returned})


def test_a_task_past_its_timeout_is_cancelled(sb: SandboxHandle, ledger: QuotaLedger) -> None:
    events = Recorder()
    short = PollPolicy(initial=0.05, factor=1.0, maximum=0.05, timeout=0.01)
    with pytest.raises(VceTimeoutError, match="cancelled"):
        run_batch(client(sb, "execution", short), [Job("slow", day_spec(date(2026, 6, 10), "execution"))],
                  events, StageBudget("execution", ledger, lambda: NOW))  # fmt: skip
    assert unfinished(sb) == 0 and not events.done


def test_every_call_is_retried_under_faults_and_the_result_is_exact(
    sb: SandboxHandle, ledger: QuotaLedger
) -> None:
    sb.set_faults({"internal_error": 0.03, "rate_limit": 0.02, "gateway_timeout_html": 0.02,
                   "connection_reset": 0.02, "truncated_body": 0.01})  # fmt: skip
    try:
        retry = RetryPolicy(base_delay=0.001, max_delay=0.01)
        vce = backends.vce_client(base_url=sb.vce_url, stage="execution", poll=FAST, retry=retry)
        tasks_before = sb.stats()["vce_tasks"]["tasks"]
        jobs = [Job(f"f{i}", day_spec(date(2026, 4, 1) + timedelta(days=i), "execution")) for i in range(12)]
        events = Recorder()
        run_batch(vce, jobs, events, StageBudget("execution", ledger, lambda: NOW))
    finally:
        sb.set_faults({})
    for job in jobs:
        assert {str(r["id"]) for r in events.done[job.key].records} == truth_ids(sb, job.spec)
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before + 12  # no task twice
    assert sum(sb.stats()["faults"].values()) > 0


def test_a_window_is_half_open_so_consecutive_days_ask_each_video_once(sb: SandboxHandle) -> None:
    """``TaskSpec.within`` (how the assets narrow a query to a day or a split) takes ``[start, end)``: a video
    created at the very second a window ends belongs to the next one, so day tasks neither drop nor repeat it."""
    fyp = [{"operator": "or", "conditions": [
        {"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["fyp"]}]}]  # fmt: skip
    base = validate_task("video", fyp, "id,create_time", 1_000, "execution")
    day = date(2026, 6, 1)
    start, end = day_start(day), day_start(day + timedelta(days=1))
    records = client(sb, stage="execution").run("video", base.within("create_time", start, end).condition_groups,
                                                "id,create_time", limit=1_000)  # fmt: skip
    assert records and {str(r["id"]) for r in records} == truth_ids(
        sb, base.within("create_time", start, end)
    )
    video = records[0]
    at = int(video["create_time"])
    assert str(video["id"]) in truth_ids(sb, base.within("create_time", at, at + 1))
    assert str(video["id"]) not in truth_ids(sb, base.within("create_time", start, at))  # ends just before it
    days = [day + timedelta(days=i) for i in range(4)]
    per_day = [
        truth_ids(sb, base.within("create_time", day_start(d), day_start(d + timedelta(1)))) for d in days
    ]
    whole = truth_ids(sb, base.within("create_time", day_start(days[0]), day_start(days[-1] + timedelta(1))))
    assert all(per_day) and sum(map(len, per_day)) == len(whole) and set().union(*per_day) == whole
