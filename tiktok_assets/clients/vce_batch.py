"""Many VCE query tasks at once: created within the stage's record limits, polled round-robin with backoff,
each result read as soon as its task completes; on an interrupt every unfinished task is cancelled.

A VCE task spends most of its life waiting on the service, so a range of days is faster as tasks that run
side by side (``max_in_flight``) than one after another. What the tasks spend goes to the quota ledger
(``api="vce"``, bucket = the stage): records per UTC day of creation, and the RQS calls as requests.

Stage limits are enforced before each create (``StageBudget``): a task may return up to its ``limit``
records, so the test stage's 5,000 records a day admits a task only while the records spent today (ledger)
plus the limits of the tasks still running plus its own limit fit; otherwise it waits for a running task to
settle, and with none running it is refused with ``VceStageLimitError`` (which limit, when it resets).
Exact for one collector at a time (the Dagster assets share the ``vce`` pool); the service stays the judge.

Resume: a job may carry ``recorded_task``, the task an earlier, interrupted attempt created for the same
window (the caller matches it by ``TaskSpec.fingerprint``). A task the service still runs, or has completed,
is adopted instead of creating a second one; a cancelled, failed or unknown one is replaced, and the status
call that found it so is the new task's. An adopted task's records go on the ledger on the day it was
created (the day the service counts them on), and only once: they are charged under the task's key
(``records_key``), so the ledger itself refuses a second booking, also when the earlier attempt died between
its charge and ``BatchEvents.charged`` (which records it for the UI, and lets a rerun skip the charge). A
crash between a task's completion and its day's commit costs the rerun a result fetch, never a second count
of the same records. RQS calls are booked by every attempt that made them (each one was a real call).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from tiktok_assets.clients.errors import ApiError, next_utc_midnight
from tiktok_assets.clients.quota import QuotaLedger, utc_day
from tiktok_assets.clients.vce import (
    API,
    RUNNING,
    TERMINAL_BAD,
    TERMINAL_OK,
    TaskSpec,
    VceClient,
    VceStageLimitError,
    VceTaskNotFoundError,
    VceTimeoutError,
)
from tiktok_assets.endpoints.vce import STAGES, Stage


@dataclass(frozen=True)
class RecordedTask:
    """A task an earlier attempt created: its id, the UTC day it was created on (None: not recorded) and
    whether its records are already on the ledger."""

    task_id: int
    day: date | None = None
    charged: bool = False


@dataclass(frozen=True)
class Job:
    """One task to run: ``key`` is the caller's name for it (a partition and window)."""

    key: str
    spec: TaskSpec
    recorded_task: RecordedTask | None = None


@dataclass
class Outcome:
    """What one job's task did: its id, what it returned, and the RQS calls it took."""

    job: Job
    task_id: int
    records: list[dict[str, Any]]
    calls: int
    resumed: bool


class BatchEvents(Protocol):
    def created(self, job: Job, task_id: int, day: date) -> None:
        """A task exists (created on UTC ``day``): record it durably now, so a crashed run's rerun finds it."""

    def charged(self, job: Job, task_id: int, records: int) -> None:
        """The task's ``records`` are on the ledger: record it, so an attempt that adopts it books them once."""

    def resumed(self, job: Job, task_id: int, status: str) -> None:
        """A recorded task was adopted (``status`` as the service reported it)."""

    def completed(self, outcome: Outcome) -> Sequence[Job]:
        """Store the result; return follow-up jobs (e.g. a capped window split in two), or none."""


class OneTask:
    """``BatchEvents`` of one task whose result is the whole answer, kept in ``records`` (a one-off task:
    nothing is recorded for a resume)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def created(self, job: Job, task_id: int, day: date) -> None: ...

    def charged(self, job: Job, task_id: int, records: int) -> None: ...

    def resumed(self, job: Job, task_id: int, status: str) -> None: ...

    def completed(self, outcome: Outcome) -> tuple[()]:
        self.records = outcome.records
        return ()


class StageBudget:
    """The records a stage lets this process ask for now (see the module docstring)."""

    def __init__(self, stage: Stage | str, ledger: QuotaLedger | None, now: Callable[[], datetime]) -> None:
        self.stage = STAGES[stage] if isinstance(stage, str) else stage
        self.ledger, self.now = ledger, now
        self.reserved = 0  # limits of the tasks running now

    def spent_today(self) -> int:
        return self.ledger.used(API, self.stage.name, self.now()).records if self.ledger else 0

    def admit(self, limit: int, *, can_wait: bool) -> bool:
        """Reserve ``limit`` records for a new task; False = wait for a running task; raise when never."""
        stage = self.stage
        if limit > stage.max_limit:
            raise VceStageLimitError(
                f"this task asks for {limit:,}; lower its limit or narrow the query",
                stage=stage.name, limit=f"at most {stage.max_limit:,} records per query", resets_at=None,
            )  # fmt: skip
        if stage.daily_records is not None:
            spent = self.spent_today()
            if spent + self.reserved + limit > stage.daily_records:
                if can_wait:
                    return False
                raise VceStageLimitError(
                    f"{spent:,} records spent today and this task may return up to {limit:,}",
                    stage=stage.name, limit=f"at most {stage.daily_records:,} records a day",
                    resets_at=next_utc_midnight(self.now()),
                )  # fmt: skip
        self.reserved += limit
        return True

    def hold(self, limit: int) -> None:
        """Count a task that is already running (adopted on resume): it may still return ``limit`` records."""
        self.reserved += limit

    def settle(
        self, reserved: int, records: int, requests: int, day: date, task_id: int | None = None
    ) -> None:
        """Release ``reserved`` and book what a task spent: its calls always, its records once per ``task_id``
        (a rerun adopting the task may settle it again)."""
        self.reserved -= reserved
        if self.ledger is None:
            return
        # The calls first: a crash between the two charges loses nothing (the records' key is not booked yet).
        self.ledger.charge(API, self.stage.name, requests=requests, day=day)
        if records:
            key = None if task_id is None else records_key(task_id)
            self.ledger.charge(API, self.stage.name, requests=0, records=records, day=day, key=key)


def records_key(task_id: int) -> str:
    """The ledger's idempotency key of a task's records."""
    return f"vce-task:{task_id}:records"


@dataclass
class _Running:
    job: Job
    task_id: int
    day: date
    deadline: float
    next_poll: float
    resumed: bool
    polls: int = 0
    calls: int = 0
    reserved: int = 0
    status: str = "Created"
    charged: bool = False  # its records are on the ledger already (booked by an earlier attempt)


def run_batch(
    client: VceClient, jobs: Iterable[Job], events: BatchEvents, budget: StageBudget, max_in_flight: int = 8
) -> None:
    """Run every job (and the follow-ups ``events.completed`` returns) to its result.

    A task that ends ``AnalysisFailed``/``Cancelled`` or times out stops new creates; the running ones are
    finished and stored, then the first such error is raised. Any other exception, or an interrupt
    (Dagster's run termination arrives as one), cancels every unfinished task first."""
    queue = deque(jobs)
    flying: list[_Running] = []
    failed: ApiError | None = None
    # a recorded task found cancelled, failed or unknown → the RQS calls that found it (the new task's)
    replaced: dict[int, int] = {}

    def calls_of(task: _Running, fn: Callable[[], Any]) -> Any:
        before = client.calls
        try:
            return fn()
        finally:
            task.calls += client.calls - before

    def start(job: Job) -> _Running | None:
        now = client.clock()
        recorded = job.recorded_task
        if recorded is not None and recorded.task_id not in replaced:
            before = client.calls
            adopted = _adopt(client, job, recorded, now, _today(budget))
            if adopted is not None:
                budget.hold(job.spec.limit)
                adopted.reserved = job.spec.limit
                events.resumed(job, adopted.task_id, adopted.status)
                return adopted
            replaced[recorded.task_id] = client.calls - before  # the call that found it gone: the new task's
        try:
            if not budget.admit(job.spec.limit, can_wait=bool(flying)):
                return None
        except VceStageLimitError:  # refused for good: the call that found the old task gone is still spent
            budget.settle(0, 0, replaced.pop(recorded.task_id, 0) if recorded else 0, _today(budget))
            raise
        before = client.calls - (replaced.pop(recorded.task_id, 0) if recorded else 0)
        day = _today(budget)
        try:
            task_id = client.create(job.spec)
        except BaseException:
            budget.settle(job.spec.limit, 0, client.calls - before, day)
            raise
        try:
            events.created(job, task_id, day)
        except BaseException:  # not yet among the running ones: cancel it here
            client.cancel(task_id)
            budget.settle(job.spec.limit, 0, client.calls - before, day)
            raise
        task = _Running(job, task_id, day, now + client.poll.timeout, now, resumed=False)
        task.calls, task.reserved = client.calls - before, job.spec.limit
        return task

    def finish(task: _Running, records: list[dict[str, Any]]) -> None:
        flying.remove(task)
        budget.settle(task.reserved, 0 if task.charged else len(records), task.calls, task.day, task.task_id)
        if records and not task.charged:
            events.charged(task.job, task.task_id, len(records))
        if task.status == TERMINAL_OK:
            outcome = Outcome(task.job, task.task_id, records, task.calls, task.resumed)
            queue.extend(events.completed(outcome))

    try:
        while queue or flying:
            while queue and failed is None and len(flying) < max_in_flight:
                task = start(queue[0])
                if task is None:
                    break  # no room in the stage's budget until a running task settles
                queue.popleft()
                flying.append(task)
            if not flying:
                break  # only reached after a failure: nothing runs, nothing more is started
            task = min(flying, key=lambda t: t.next_poll)
            wait = task.next_poll - client.clock()
            if wait > 0:
                client.sleep(wait)
            task.status = calls_of(task, lambda task=task: client.status(task.task_id))
            task.polls += 1
            if task.status == TERMINAL_OK:
                finish(task, calls_of(task, lambda task=task: client.result(task.task_id)))
            elif task.status in TERMINAL_BAD:
                failed = failed or calls_of(task, lambda task=task: client.failure(task.task_id, task.status))
                finish(task, [])
            elif client.clock() >= task.deadline:
                calls_of(task, lambda task=task: client.cancel(task.task_id))
                failed = failed or VceTimeoutError(
                    f"task {task.task_id} ({task.job.key}) still {task.status} after {client.poll.timeout:.0f} s; "
                    "cancelled", api=API, endpoint="query_task",
                )  # fmt: skip
                task.status = "Cancelled"
                finish(task, [])
            else:
                task.next_poll = client.clock() + client.poll.interval(task.polls)
    except BaseException:
        for task in flying:  # never leave a task running unattended; what it spent stays on the books
            calls_of(task, lambda task=task: client.cancel(task.task_id))  # never raises (best effort)
            budget.settle(task.reserved, 0, task.calls, task.day)
        if replaced:  # status calls of recorded tasks found gone, whose new task was never created
            budget.settle(0, 0, sum(replaced.values()), _today(budget))
        raise
    if failed is not None:
        raise failed


def _adopt(client: VceClient, job: Job, recorded: RecordedTask, now: float, today: date) -> _Running | None:
    """The recorded task as a running one, if the service still has it running or completed."""
    before = client.calls
    try:
        status = client.status(recorded.task_id)
    except VceTaskNotFoundError:
        return None
    if status not in RUNNING and status != TERMINAL_OK:
        return None  # Cancelled / AnalysisFailed: a new task asks again
    day = recorded.day or today  # the service counts a task's records on the day it was created
    task = _Running(job, recorded.task_id, day, now + client.poll.timeout, now, resumed=True)
    task.status, task.polls, task.calls, task.charged = status, 1, client.calls - before, recorded.charged
    return task


def _today(budget: StageBudget) -> date:
    return date.fromisoformat(utc_day(budget.now()))
