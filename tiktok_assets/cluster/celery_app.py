"""The Celery app the workers serve: ``celery -A tiktok_assets.cluster.celery_app worker -Q dagster``.

dagster-celery's ``execute_plan`` task on an app built exactly as the executor builds its own (same broker,
backend and settings from ``celery_config``). Not ``dagster-celery worker start``: that command renders the
resolved broker URL (password included) into a config file under ``$DAGSTER_HOME``; this reads it from the
environment at start and writes nothing.
"""

from __future__ import annotations

import os

from dagster._core.execution.retries import RetryMode
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from tiktok_assets.cluster.celery_config import broker_url, celery_settings

app = make_app(
    CeleryExecutor(
        retries=RetryMode(RetryMode.DISABLED),
        broker=broker_url(),
        backend=os.environ.get("TIKTOK_CELERY_BACKEND_URL") or broker_url(),
        config_source=celery_settings(),
    ).app_args()
)
execute_plan = create_task(app)
