"""Scale-out: 1 vs 2 Celery workers (PostgreSQL instance, Redis broker) and the S3 lake (moto) vs the local disk.

Slices, each timed from run start to run end (workers already up; every run on a fresh sandbox and quota):
- cpu: normalize + write 1M video records, as 4 independent assets of 250k (benchmark-only assets, this file);
- api: the research daily assets of the shipped monitoring.yaml over 30 days against the sandbox at 50 ms
  latency, pool `research_api` at 1 (the default: quota-safe) and at 2;
- dbt: the dbt project over the lake the api slice wrote (one DuckDB writer: one step).
Baselines in the same run: 1 worker for the speed-up, the local disk for the S3 overhead, in-process for the
distributed executor's fixed cost. Peak RSS is the largest worker process tree sampled during the run.
Run: .venv/bin/python benchmarks/scale_out.py   (needs postgresql and redis-server; ~15 minutes on 2 cores)
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import psutil

from tiktok_assets.defs.lake_resource import LakeResource

SHARDS, SHARD_ROWS, PAGE = 4, 250_000, 1_000
LAST = date(2026, 6, 12)
RANGE = {"dagster/asset_partition_range_start": (LAST - timedelta(days=29)).isoformat(),
         "dagster/asset_partition_range_end": LAST.isoformat()}  # fmt: skip
HERE = Path(__file__).resolve().parent
DBT_GROUPS = ("staging", "intermediate", "marts")


# -- the cpu slice's assets: workers rebuild them from this module (``bench_defs``) ------------------------
def _shard_asset(shard: int) -> dg.AssetsDefinition:
    @dg.asset(name=f"normalize_write_{shard}", group_name="scale_out_bench")
    def _asset(lake: LakeResource) -> dg.MaterializeResult:
        from tiktok_assets.lake.datasets import research as rds
        from tiktok_assets.lake.normalize import normalize

        day, base = 1_777_593_600, shard * SHARD_ROWS
        with lake.writer(rds.VIDEOS, {"query": f"bench{shard}", "date": "2026-05-01"}) as writer:
            for start in range(0, SHARD_ROWS, PAGE):
                records = [{"id": (day << 32) + base + SHARD_ROWS - i, "create_time": day + i % 86_400,
                            "username": f"user{i % 5000}", "region_code": "US", "hashtag_names": ["fyp", "cat"],
                            "video_description": "a video #fyp #cat", "view_count": i, "like_count": i // 2}
                           for i in range(start, start + PAGE)]  # fmt: skip
                writer.write(normalize(rds.VIDEOS, records, day + 2 * 86_400))
        return dg.MaterializeResult(metadata={"rows": writer.rows_committed})

    return _asset


@dg.definitions
def bench_defs() -> dg.Definitions:
    from dagster_celery import celery_executor

    from tiktok_assets.cluster.celery_config import executor_config

    return dg.Definitions(
        assets=[_shard_asset(i) for i in range(SHARDS)],
        resources={"lake": LakeResource()},
        executor=celery_executor.configured(executor_config(), name="celery"),
    )


def _bench_job():  # noqa: ANN202 - a ReconstructableJob
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    repo = ReconstructableRepository.for_module("scale_out", "bench_defs", working_directory=str(HERE))
    return repo.get_reconstructable_job(bench_defs().resolve_implicit_global_asset_job_def().name)


# -- measuring ------------------------------------------------------------------------------------------
@contextmanager
def peak_worker_rss(workers: list) -> Iterator[list[float]]:
    """Largest sum of RSS over each worker's process tree, sampled every 0.2 s (MB)."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for worker in workers:
                try:
                    root = psutil.Process(worker.process.pid)
                    tree = [root, *root.children(recursive=True)]
                    peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree) / 2**20)
                except psutil.Error:
                    continue
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


def timed(run: Callable[..., dg.ExecutionResult], *args: object, **kwargs: object) -> float:
    t0 = time.perf_counter()
    result = run(*args, **kwargs)
    seconds = time.perf_counter() - t0
    if not result.success:
        raise RuntimeError(f"run {result.run_id} failed")
    return seconds


def main() -> None:
    from tiktok_assets.cluster.jobs import asset_job, execute_assets
    from tiktok_assets.cluster.stack import local_cluster, set_env
    from tiktok_assets.sandbox.testing import running_sandbox

    sys.path.insert(0, str(HERE))
    rows: list[tuple[str, str, int, float, float]] = []  # slice, lake, workers, seconds, peak MB
    with tempfile.TemporaryDirectory() as tmp, local_cluster(Path(tmp)) as cluster:
        from contextlib import ExitStack

        def workers(count: int, lake: str) -> None:
            cluster.stop_workers()
            os.environ["TIKTOK_LAKE_URL"] = lake
            cluster.start_workers(count)

        lakes = {"s3": cluster.lake_url, "local": str(Path(tmp) / "lake")}
        with dg.DagsterInstance.get() as instance:
            # In process, no Celery: the distributed executor's fixed cost shows against this row.
            os.environ["TIKTOK_LAKE_URL"] = lakes["local"] + "/cpu0"
            job = bench_defs().resolve_implicit_global_asset_job_def()
            rows.append(
                ("cpu: normalize+write 1M", "local", 0, timed(job.execute_in_process, instance=instance), 0)
            )
            for lake in ("local", "s3"):
                for count in (1, 2):
                    workers(count, lakes[lake] + f"/cpu{count}")
                    with peak_worker_rss(cluster.workers) as peak:
                        seconds = timed(dg.execute_job, _bench_job(), instance)
                    rows.append(("cpu: normalize+write 1M", lake, count, seconds, peak[0]))
            for lake, count, pool in (("local", 1, 1), ("local", 2, 1), ("local", 2, 2), ("s3", 2, 1)):
                with ExitStack() as stack:
                    sandbox = stack.enter_context(
                        running_sandbox(per_minute=1_000_000, faults={"latency_ms": 50})
                    )
                    set_env(stack, {"TIKTOK_SANDBOX_URL": sandbox.base_url,
                                    "TIKTOK_CLOCK_NOW": "2026-06-15T12:00:00+00:00"})  # fmt: skip
                    cluster.new_quota_ledger()
                    instance.event_log_storage.set_concurrency_slots("research_api", pool)
                    workers(count, lakes[lake] + f"/api{count}{pool}")
                    graph = asset_job().get_definition().asset_layer.asset_graph
                    daily = sorted(k for k in graph.materializable_asset_keys if k.path[0] == "research"
                                   and graph.get(k).backfill_policy is not None)  # fmt: skip
                    with peak_worker_rss(cluster.workers) as peak:
                        seconds = timed(execute_assets, instance, daily, tags=RANGE)
                    rows.append((f"api: 30 days @50ms, pool {pool}", lake, count, seconds, peak[0]))
                    if pool == 1:  # dbt over the lake just collected: daily staging, then the rest
                        dbt = [k for k in graph.materializable_asset_keys if k.path[0] in DBT_GROUPS]
                        daily_dbt = sorted(k for k in dbt if graph.get(k).partitions_def is not None)
                        other_dbt = sorted(k for k in dbt if graph.get(k).partitions_def is None)
                        with peak_worker_rss(cluster.workers) as peak:
                            seconds = timed(execute_assets, instance, daily_dbt, tags=RANGE)
                            seconds += timed(execute_assets, instance, other_dbt)
                        rows.append(("dbt build", lake, count, seconds, peak[0]))
            instance.event_log_storage.set_concurrency_slots("research_api", 1)

    base = {(s, lake): sec for s, lake, n, sec, _ in rows if n == 1}
    local = {(s, n): sec for s, lake, n, sec, _ in rows if lake == "local"}
    print(
        f"{'slice':<28} {'lake':<6} {'workers':>7} {'seconds':>8} {'speed-up vs 1':>13} {'S3 / local':>10} {'peak RSS MB':>11}"
    )
    for s, lake, n, sec, mb in rows:
        one = base.get((s, lake)) or base.get((s.replace("pool 2", "pool 1"), lake))
        disk = local.get((s, n))
        print(f"{s:<28} {lake:<6} {n or 'in-proc':>7} {sec:>8.1f} {f'{one / sec:.2f}x' if one else '-':>13} "
              f"{f'{sec / disk:.2f}x' if disk and lake == 's3' else '-':>10} {mb or float('nan'):>11.0f}")  # fmt: skip
    print(
        "speed-up: the 1-worker row of the same slice and lake (pool 2 against pool 1); S3 / local: the same "
        "slice and worker count on the local disk; in-proc: execute_in_process, no Celery (RSS not sampled)"
    )


if __name__ == "__main__":
    main()
