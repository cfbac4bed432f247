"""``make demo-cluster``: the demo's collection, dbt and analyses on a local cluster — the Dagster instance on
PostgreSQL, the lake on an S3 API (moto), every step on one of two Celery workers (Redis broker), the quota
ledger on PostgreSQL — then everything it started is stopped.

    python -m tiktok_assets.cluster.demo [--days 30] [--workers 2] [--workdir data/cluster]

Same plan and summary as ``tiktok-assets demo`` (``cli/demo.py``); only where steps run and where data lives
differ, and that is configuration (the environment ``cluster/stack.py`` sets), not code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tiktok_assets import settings
from tiktok_assets.cli.demo import DEMO_DAYS, SANDBOX_NOW, run_demo
from tiktok_assets.cluster.jobs import execute_assets
from tiktok_assets.cluster.services import ServiceUnavailableError
from tiktok_assets.cluster.stack import LocalCluster, local_cluster

Runner = Callable[[Any, Any, dict[str, Any]], Any]


def run_failure(result: Any) -> str | None:
    """Why a run failed outside any step (the Celery orchestration itself), if it did."""
    for event in result.all_events:
        if event.event_type_value == "PIPELINE_FAILURE" and getattr(event.event_specific_data, "error", None):
            return event.event_specific_data.error.to_string()
    return None


def cluster_runner(cluster: LocalCluster, workers: int, echo: Any = print) -> Callable[[ExitStack], Runner]:
    """For ``run_demo``: once the sandbox is up (its URL and clock are in the environment), start the workers
    with that environment and run every step through the Celery executor."""

    def start(stack: ExitStack) -> Runner:
        cluster.new_quota_ledger()  # the demo's fresh ledger, on PostgreSQL instead of a SQLite file
        cluster.start_workers(workers)
        stack.callback(cluster.stop_workers)

        def run(_defs: Any, instance: Any, step: dict[str, Any]) -> Any:
            tags = {**step.get("tags", {}), "tiktok/demo": "true"}
            result = execute_assets(
                instance, step["keys"], partition_key=step.get("partition_key"), tags=tags
            )
            if not result.success and (why := run_failure(result)):
                echo(f"      run {result.run_id[:8]} failed: {why.strip()[-1500:]}")
            return result

        return run

    return start


def run_cluster_demo(
    workdir: Path, days: int = DEMO_DAYS, workers: int = 2, now: str = SANDBOX_NOW, echo: Any = print,
    visibility_timeout: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    with local_cluster(workdir, visibility_timeout=visibility_timeout) as cluster:
        echo(f"cluster: PostgreSQL :{cluster.postgres.port}, Redis :{cluster.redis.port}, "
             f"S3 API {cluster.store.endpoint} (lake {cluster.lake_url}), {workers} Celery workers")  # fmt: skip
        from tiktok_assets.definitions import defs  # after the environment says: Celery, S3, PostgreSQL

        summary = run_demo(
            defs(), days=days, now=now, echo=echo, start_runner=cluster_runner(cluster, workers)
        )
        summary["lake_keys"] = len(cluster.store.keys())
        echo(
            f"worker logs: {cluster.log_dir}; the cluster is stopped now (its PostgreSQL and bucket with it)"
        )
        return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tiktok_assets.cluster.demo", description=__doc__)
    parser.add_argument("--days", type=int, default=DEMO_DAYS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--now", default=SANDBOX_NOW, help="the sandbox clock")
    parser.add_argument("--workdir", type=Path, default=settings.data_dir() / "cluster")
    args = parser.parse_args(argv)
    try:
        summary = run_cluster_demo(args.workdir.resolve(), days=args.days, workers=args.workers, now=args.now)
    except ServiceUnavailableError as exc:
        print(f"cannot start the local cluster: {exc}", file=sys.stderr)
        return 2
    return 1 if summary["failed_runs"] else 0


if __name__ == "__main__":
    sys.exit(main())
