"""The executor of every job, asset backfill and UI materialization, chosen by ``TIKTOK_EXECUTOR``:

- unset (default): Dagster's own executor (``multi_or_in_process_executor``, same config), but with
  ``in_process`` as its default mode: every step of a run in the run's process. The collection steps are
  API-bound and their pools (``research_api``, ``ensembledata``, ``vce``, ``duckdb``: limit 1 each in
  dagster.yaml) already let one step of each at a time, so a process per step bought little parallelism and
  cost a code-location load per step: a UI backfill spent more time starting step processes than collecting
  (issue 14: 318 s of step starts against 97 s of asset work). Pools are still claimed step by step by the
  in-process executor, step retries still apply, and runs still run side by side (``max_concurrent_runs``).
  A run that wants one process per step says so in its run config (``execution: config: multiprocess: {}``,
  e.g. in the Launchpad).
- ``multiprocess``: the same executor with Dagster's default mode (one process per step).
- ``celery``: every step on Celery workers (``tiktok_assets.cluster.celery_config``).

The first two reap dead runs' pool slots before a run starts (``collect.dead_runs``, see ``run_health``).
"""

import os

import dagster as dg

from tiktok_assets.collect.dead_runs import reaping

EXECUTORS = ("", "multiprocess", "celery")


def defaulting_to(mode: str) -> dg.ExecutorDefinition:
    """Dagster's default executor (its name, config and requirements) with ``mode`` as the default mode."""
    base = dg.multi_or_in_process_executor
    return dg.ExecutorDefinition(
        name=base.name,
        config_schema=dg.Field(base.config_schema.config_type, default_value={mode: {}}),
        executor_creation_fn=base.executor_creation_fn,
        description=f"{base.description}\n\nDefault mode here: {mode}.",
        requirements=base.get_requirements,
    )


def chosen_executor(choice: str) -> dg.ExecutorDefinition:
    if choice != "celery":
        return reaping(defaulting_to("multiprocess" if choice == "multiprocess" else "in_process"))
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
