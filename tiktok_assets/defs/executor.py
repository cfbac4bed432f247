"""The executor, chosen by configuration: ``TIKTOK_EXECUTOR=celery`` runs every step on Celery workers
(``tiktok_assets.cluster.celery_config``); unset, Dagster's default (multiprocess, or in-process for
``execute_in_process``) stays exactly as on a laptop."""

import os

import dagster as dg

EXECUTORS = ("", "multiprocess", "celery")


@dg.definitions
def defs() -> dg.Definitions:
    choice = os.environ.get("TIKTOK_EXECUTOR", "").strip().lower()
    if choice not in EXECUTORS:
        raise ValueError(
            f"TIKTOK_EXECUTOR={choice!r}: expected one of {', '.join(repr(c) for c in EXECUTORS)}"
        )
    if choice != "celery":
        return dg.Definitions()
    from dagster_celery import celery_executor

    from tiktok_assets.cluster.celery_config import executor_config

    return dg.Definitions(executor=celery_executor.configured(executor_config(), name="celery"))
