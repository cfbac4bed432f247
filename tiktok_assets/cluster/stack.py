"""The whole local cluster in one context manager: PostgreSQL (Dagster instance + quota ledger), Redis (Celery
broker), an S3 API (the lake) and Celery workers, all on loopback, all stopped on exit.

``local_cluster(workdir)`` starts the services and points this process at them through the same environment
variables a real deployment sets (it restores the previous environment on exit); ``start_workers(n)`` then
starts workers with this process's environment, so call it once everything they need (the API's URL, the
clock) is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tiktok_assets import settings
from tiktok_assets.cluster.object_store import ObjectStore
from tiktok_assets.cluster.postgres import PostgresServer
from tiktok_assets.cluster.redis_server import RedisServer
from tiktok_assets.cluster.workers import Worker, start_worker, stop_workers, wait_ready

DAGSTER_YAML = "deploy/dagster-postgres.yaml"
LAKE_PREFIX = "lake"


@dataclass
class LocalCluster:
    home: Path
    postgres: PostgresServer
    redis: RedisServer
    store: ObjectStore
    env: dict[str, str]
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)
    _databases: int = 0

    @property
    def lake_url(self) -> str:
        return self.env["TIKTOK_LAKE_URL"]

    def new_quota_ledger(self) -> str:
        """A fresh quota database (a fresh sandbox has a fresh quota); sets ``TIKTOK_QUOTA_DB_URL``."""
        self._databases += 1
        url = self.postgres.create_database(f"quota_{self._databases}")
        os.environ["TIKTOK_QUOTA_DB_URL"] = self.env["TIKTOK_QUOTA_DB_URL"] = url
        return url

    def start_workers(self, count: int = 2, concurrency: int = 1) -> list[Worker]:
        start = len(self.workers)
        new = [
            start_worker(f"worker{start + i + 1}", os.environ, self.log_dir, concurrency)
            for i in range(count)
        ]
        self.workers.extend(new)
        wait_ready(new)
        return new

    def stop_workers(self) -> None:
        stop_workers(self.workers)
        self.workers.clear()

    def secrets(self) -> list[str]:
        """Every secret this cluster was given: none may appear in a log, event or file it wrote."""
        return [self.postgres.password, self.redis.password, self.store.credentials["AWS_SECRET_ACCESS_KEY"]]


def set_env(stack: ExitStack, values: Mapping[str, str]) -> None:
    """Set environment variables until ``stack`` closes (then the previous values come back)."""
    previous = {name: os.environ.get(name) for name in values}

    def restore() -> None:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    stack.callback(restore)
    os.environ.update(values)


@contextmanager
def local_cluster(workdir: Path, *, visibility_timeout: int | None = None) -> Iterator[LocalCluster]:
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        postgres = PostgresServer().start()
        stack.callback(postgres.stop)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        store = ObjectStore().start()
        stack.callback(store.stop)
        home = workdir / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(settings.project_root() / DAGSTER_YAML, home / "dagster.yaml")
        env = {
            "DAGSTER_HOME": str(home),
            # The warehouse, analysis outputs and upload scratch of this cluster, apart from the laptop's.
            "TIKTOK_DATA_DIR": str(workdir / "data"),
            "TIKTOK_EXECUTOR": "celery",
            "TIKTOK_CELERY_BROKER_URL": redis.url,
            "TIKTOK_DAGSTER_PG_URL": postgres.dagster_url(
                postgres.create_database("dagster").rsplit("/", 1)[1]
            ),
            "TIKTOK_LAKE_URL": f"s3://{store.bucket}/{LAKE_PREFIX}",
            **store.env,
        }
        if visibility_timeout is not None:
            env["TIKTOK_CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        set_env(stack, {**env, "TIKTOK_QUOTA_DB_URL": ""})
        cluster = LocalCluster(home, postgres, redis, store, env, workdir / "logs")
        cluster.new_quota_ledger()
        stack.callback(cluster.stop_workers)
        yield cluster
