"""The executor of every job, asset backfill and UI materialization, chosen by ``TIKTOK_EXECUTOR``:

- unset or ``in_process`` (default): every step of a run in the run's own process. The collection steps are
  API-bound and their pools (``research_api``, ``ensembledata``, ``vce``, ``duckdb``: limit 1 each in
  dagster.yaml) already let one step of each run at a time, so a process per step bought no parallelism and
  cost a code-location load per step: a UI backfill spent more time starting step processes than collecting
  (issue 14: 318 s of step starts against 97 s of asset work). Pools are still claimed step by step by the
  in-process executor, step retries still apply, and runs still run side by side (``max_concurrent_runs``).
- ``multiprocess``: Dagster's multiprocess executor (one process per step), for CPU-bound steps side by side.
- ``celery``: every step on Celery workers (``tiktok_assets.cluster.celery_config``).

The first two reap dead runs' pool slots before a run starts (``collect.dead_runs``, see ``run_health``).
"""

import os

import dagster as dg

from tiktok_assets.collect.dead_runs import reaping

EXECUTORS = ("", "in_process", "multiprocess", "celery")


def chosen_executor(choice: str) -> dg.ExecutorDefinition:
    if choice in ("", "in_process"):
        return reaping(dg.in_process_executor)
    if choice == "multiprocess":
        return reaping(dg.multi_or_in_process_executor)
    from dagster_celery import celery_executor

    from tiktok_assets.cluster.celery_config import executor_config

    return celery_executor.configured(executor_config(), name="celery")


@dg.definitions
def defs() -> dg.Definitions:
    choice = os.environ.get("TIKTOK_EXECUTOR", "").strip().lower()
    if choice not in EXECUTORS:
        raise ValueError(
            f"TIKTOK_EXECUTOR={choice!r}: expected one of {', '.join(repr(c) for c in EXECUTORS)}"
        )
    return dg.Definitions(executor=chosen_executor(choice))
