"""Runs whose worker died (SIGKILL, OOM, a closed laptop): marked failed, their pool slots given back.

A run holds its pool slots (``research_api``, ``duckdb``) in the instance until its worker frees them. A
worker killed outright never does, and its run stays STARTED: every later run then waits "blocked by limit
for pool" forever. Dagster's daemon frees the slots of *finished* runs (``run_monitoring:
free_slots_after_run_end_seconds``) but cannot tell that a run worker started by the CLI or by the default
run launcher is gone, and without the daemon (``dagster asset materialize``, ``tiktok-assets demo``) nothing
frees them at all.

``reap_dead_runs`` does: a run in progress whose worker process — the one that logged its ``RUN_START`` — no
longer exists is reported failed (the UI says why), and the slots of every ended run whose worker is gone are
freed. It runs
- whenever a run of this code location starts (``ReapingExecutor``, the code location's executor) and again
  while one of its steps waits for a slot: the CLI and demo path, no daemon needed;
- every 30 s in the daemon (``dead_run_sensor``): with the daemon, a queued run does not even start while its
  pool is full, so the reaping cannot wait for it. Only on an instance whose storage is on this machine (SQLite, in memory): there every run
worker is a local process. On a shared PostgreSQL instance the worker may live on another host; there the
daemon's run monitoring with a run launcher that checks worker health (Docker, Kubernetes, ECS) fails such
runs and ``free_slots_after_run_end_seconds`` frees their slots.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig
from dagster._core.executor.base import Executor

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
RECHECK_SECONDS = 30.0  # while a step waits for a slot: how often to look for dead holders again


def storage_is_local(instance: dg.DagsterInstance) -> bool:
    """Whether every run of this instance ran on this machine (its storage cannot be shared by hosts)."""
    name = type(instance.run_storage).__name__
    return "Sqlite" in name or "InMemory" in name


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process that started the run (the run worker), from its ``RUN_START`` event."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def process_alive(pid: int, since: float | None) -> bool:
    """Whether ``pid`` runs and is the same process as at ``since`` (a reused pid started later)."""
    import psutil  # here, not at load: every process that loads the code location imports this module

    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and (
            since is None or process.create_time() <= since + 1
        )
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # someone else's live process


def reap_dead_runs(
    instance: dg.DagsterInstance,
    *,
    current_run_id: str | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> list[str]:
    """Fail the runs in progress whose worker is gone and free their slots, and the slots of ended runs
    whose worker is gone. Returns the run ids whose slots were freed."""
    if not storage_is_local(instance):
        return []
    freed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        pid = worker_pid(instance, run.run_id)
        if run.run_id == current_run_id or pid is None or pid == os.getpid():
            continue  # not started yet (the daemon's start timeout covers it), or ours
        if process_alive(pid, record.start_time):
            continue
        message = f"The run worker (pid {pid}) is gone (killed?): run marked failed, its pool slots freed."
        instance.report_engine_event(message, run)
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log(f"run {run.run_id}: {message}")
        freed.append(run.run_id)
    holders = instance.event_log_storage.get_concurrency_run_ids() - {current_run_id} - set(freed)
    for record in instance.get_run_records(dg.RunsFilter(run_ids=list(holders))) if holders else []:
        pid = worker_pid(instance, record.dagster_run.run_id)
        if record.dagster_run.is_finished and not (pid and process_alive(pid, record.start_time)):
            instance.event_log_storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
            log(f"run {record.dagster_run.run_id} ended without freeing its pool slots: freed")
            freed.append(record.dagster_run.run_id)
    return freed


class ReapingExecutor(Executor):
    """Any executor, which first gives back the slots of dead runs (and again while a step waits for one)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    @property
    def retries(self) -> RetryMode:
        return self.inner.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self.inner.step_dependency_config

    def get_step_event_or_retry_event(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.get_step_event_or_retry_event(*args, **kwargs)

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[dg.DagsterEvent]:
        instance, run_id = plan_context.instance, plan_context.run_id
        reap_dead_runs(instance, current_run_id=run_id, log=plan_context.log.warning)
        checked = time.monotonic()
        for event in self.inner.execute(plan_context, execution_plan):
            yield event
            if time.monotonic() - checked > RECHECK_SECONDS and _waiting_for_a_slot(instance, run_id):
                reap_dead_runs(instance, current_run_id=run_id, log=plan_context.log.warning)
                checked = time.monotonic()


def _waiting_for_a_slot(instance: dg.DagsterInstance, run_id: str) -> bool:
    storage = instance.event_log_storage
    return any(
        run_id in storage.get_concurrency_info(limit.name).pending_run_ids
        for limit in storage.get_pool_limits()
    )


def reaping(executor_def: dg.ExecutorDefinition) -> dg.ExecutorDefinition:
    """``executor_def`` (same name, same config) wrapped in a ``ReapingExecutor``."""
    return dg.ExecutorDefinition(
        name=executor_def.name,
        config_schema=executor_def.config_schema,
        executor_creation_fn=lambda init: ReapingExecutor(executor_def.executor_creation_fn(init)),  # type: ignore[misc]
        description=executor_def.description,
        requirements=executor_def.get_requirements,
    )


def dead_run_sensor(name: str = "dead_run_sensor", interval_seconds: int = 30) -> dg.SensorDefinition:
    """Reaps dead runs from the daemon (``reap_dead_runs``); ships RUNNING: it never launches a run."""

    @dg.sensor(name=name, minimum_interval_seconds=interval_seconds, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Fails runs whose worker process died (SIGKILL, OOM) and frees the pool slots they "
               "held, so queued runs start. Acts on instances stored on this machine (SQLite).")  # fmt: skip
    def _dead_runs(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        freed = reap_dead_runs(context.instance, log=context.log.warning)
        return dg.SkipReason(f"freed the slots of {len(freed)} dead run(s)" if freed else "no dead run")

    return _dead_runs
