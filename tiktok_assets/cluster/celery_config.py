"""The Celery settings shared by the orchestrating run (the ``celery`` executor) and every worker, so both
build the same app from the same environment.

- ``TIKTOK_CELERY_BROKER_URL``: the broker (``redis://host:6379/0``); ``TIKTOK_CELERY_BACKEND_URL``: where step
  results go (default: the broker URL). Read from the environment where used, never stored in run config.
- Delivery is *at least once*: a step's message is acknowledged only after the step ran
  (``task_acks_late``), and a worker process that dies mid-step puts the step back (``task_reject_on_worker_lost``).
  A worker lost whole (SIGKILL, node gone) leaves its message unacknowledged in Redis; it is redelivered to
  another worker once ``TIKTOK_CELERY_VISIBILITY_TIMEOUT`` seconds (default 3600) have passed since delivery.
  That timeout must exceed the longest step, or a step still running is delivered a second time.
  Redelivery is safe here because steps are idempotent: partitions are published atomically and a second
  attempt of a run skips the partitions its first attempt stored (``collect/lineage.py``).
"""

from __future__ import annotations

import os
from typing import Any

QUEUE = "dagster"  # dagster-celery's default queue, the one its app routes steps to
DEFAULT_VISIBILITY_TIMEOUT = 3600


def broker_url() -> str:
    url = os.environ.get("TIKTOK_CELERY_BROKER_URL")
    if not url:
        raise RuntimeError(
            "TIKTOK_EXECUTOR=celery needs TIKTOK_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"
        )
    return url


def backend_env_var() -> str:
    return (
        "TIKTOK_CELERY_BACKEND_URL"
        if os.environ.get("TIKTOK_CELERY_BACKEND_URL")
        else "TIKTOK_CELERY_BROKER_URL"
    )


def celery_settings() -> dict[str, Any]:
    """Celery's own settings (``config_source``), identical in the executor and the workers."""
    visibility = int(os.environ.get("TIKTOK_CELERY_VISIBILITY_TIMEOUT") or DEFAULT_VISIBILITY_TIMEOUT)
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,  # a worker holds one step at a time: the others stay free to take
        "task_track_started": True,  # the result store says which worker runs a step
        "result_expires": 7 * 24 * 3600,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # Look for the messages of lost workers every few seconds, not every ~100 s (kombu's default).
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
    }


def executor_config() -> dict[str, Any]:
    """The ``celery`` executor's config: broker and backend as environment references (resolved in the run's
    process, not written into run config), and the shared settings."""
    broker_url()  # fail at load, naming the variable, rather than at the first step
    return {
        "broker": {"env": "TIKTOK_CELERY_BROKER_URL"},
        "backend": {"env": backend_env_var()},
        "config_source": celery_settings(),
    }
