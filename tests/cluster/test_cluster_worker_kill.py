"""SIGKILL of a whole Celery worker (its process group: the pool child running the step too) while it writes a
range run's comments: the step's message, acknowledged only at the end (``task_acks_late``), comes back after
the visibility timeout and the other worker re-runs the step, which skips the days its first attempt stored.
The run completes with the lake equal to the truth; nothing half-written was ever visible in the bucket."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cluster_events import celery_workers, video_truth

from tiktok_assets.cluster.jobs import execute_assets
from tiktok_assets.cluster.services import ServiceUnavailableError
from tiktok_assets.cluster.stack import LAKE_PREFIX, LocalCluster, local_cluster, set_env
from tiktok_assets.config import load_monitoring
from tiktok_assets.lake import datasets, layout
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

LAST = date(2026, 6, 12)
FIRST = LAST - timedelta(days=9)  # ten days: every step stays far below the visibility timeout
VISIBILITY_TIMEOUT = 40  # seconds; the longest step here takes a few
COMMENTS_STEP = "research__comments"


# The whole cluster and a 30-day demo in one module fixture: minutes, more on a loaded 2-core box than
# pytest's default 600 s per test (the fixture's setup counts against the first test).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCluster, SandboxHandle]]:
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(
                local_cluster(tmp_path_factory.mktemp("kill"), visibility_timeout=VISIBILITY_TIMEOUT)
            )
        except ServiceUnavailableError as exc:
            pytest.skip(str(exc))
        # Latency stretches the comments step over seconds, so the kill lands mid-step.
        sandbox = stack.enter_context(running_sandbox(per_minute=1_000_000, faults={"latency_ms": 40}))
        set_env(stack, {"TIKTOK_SANDBOX_URL": sandbox.base_url, "TIKTOK_CLOCK_NOW": "2026-06-15T12:00:00+00:00",
                        "TIKTOK_MONITORING": "", "TIKTOK_CLIENT_KEY": ""})  # fmt: skip
        os.environ.pop("TIKTOK_MONITORING")
        os.environ.pop("TIKTOK_CLIENT_KEY")
        cluster.start_workers(2)
        yield cluster, sandbox


def _executing(instance: dg.DagsterInstance, run_id: str, step_key: str) -> list[str]:
    """The workers that started ``step_key`` in this run, in order (dagster-celery's engine events)."""
    return [worker for key, worker in celery_workers(instance.all_logs(run_id)) if key == step_key]


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    cluster: tuple[LocalCluster, SandboxHandle],
) -> None:
    local, sandbox = cluster
    from tiktok_assets.definitions import defs

    graph = defs().resolve_asset_graph()
    daily = sorted(k for k in graph.materializable_asset_keys if k.path[0] == "research"
                   and graph.get(k).backfill_policy is not None)  # fmt: skip
    tags = {"dagster/asset_partition_range_start": FIRST.isoformat(),
            "dagster/asset_partition_range_end": LAST.isoformat()}  # fmt: skip
    instance = dg.DagsterInstance.get()
    result: dict[str, dg.ExecutionResult] = {}
    runner = threading.Thread(target=lambda: result.update(run=execute_assets(instance, daily, tags=tags)))
    runner.start()

    comments_prefix = f"{LAKE_PREFIX}/research/comments/"
    deadline = time.monotonic() + 300
    victim = None
    while victim is None and time.monotonic() < deadline:
        runs = instance.get_runs(limit=1)
        started = _executing(instance, runs[0].run_id, COMMENTS_STEP) if runs else []
        if started and local.store.keys(comments_prefix):  # mid-step: some days committed, others not
            victim = next(w for w in local.workers if w.hostname == started[0])
            os.killpg(victim.process.pid, signal.SIGKILL)
        time.sleep(0.05)
    assert victim is not None, "the comments step never started"
    committed_at_kill = set(local.store.keys(comments_prefix))
    runner.join(timeout=VISIBILITY_TIMEOUT * 6)
    assert not runner.is_alive()
    run = result["run"]
    assert run.success

    # The step ran twice: on the killed worker, then on the survivor once its message came back.
    executed = _executing(instance, run.run_id, COMMENTS_STEP)
    assert executed[0] == victim.hostname and executed[-1] != victim.hostname and len(executed) == 2
    # The second attempt kept the days the first had committed (same root run: skipped, not re-fetched).
    assert committed_at_kill and committed_at_kill <= set(local.store.keys(comments_prefix))

    # Every object in the bucket is a whole partition at a partition key (no temp, no partial object).
    objects = local.store.keys(LAKE_PREFIX + "/")
    client = local.store.client()
    for key, size in objects.items():
        relative = key.removeprefix(LAKE_PREFIX + "/")
        dataset = next((d for d in datasets.ALL if relative.startswith(layout.dataset_prefix(d) + "/")), None)
        assert dataset is not None, f"{key}: not a partition of any dataset (left-over bookkeeping?)"
        assert relative == layout.partition_key(dataset, layout.parse_partition(relative, dataset)), key
        body = client.get_object(Bucket=local.store.bucket, Key=key)["Body"].read()
        assert len(body) == size and pq.ParquetFile(pa.BufferReader(body)).metadata.num_rows >= 0

    # The lake equals the truth: videos of every query over the ten days, comments of every collected video.
    for query in load_monitoring().queries:
        truth = video_truth(sandbox, query.query, FIRST, LAST)
        prefix = f"{LAKE_PREFIX}/research/videos/query={query.name}/"
        days = [k for k in objects if k.startswith(prefix)]
        got = set()
        for key in days:
            got |= set(
                pq.read_table(
                    pa.BufferReader(client.get_object(Bucket=local.store.bucket, Key=key)["Body"].read())
                )["id"].to_pylist()
            )
        assert len(days) == 10 and got == truth, query.name
    comments: dict[int, set[int]] = {}
    for key in [k for k in objects if k.startswith(comments_prefix)]:
        table = pq.read_table(
            pa.BufferReader(client.get_object(Bucket=local.store.bucket, Key=key)["Body"].read())
        )
        for row in table.select(["video_id", "id"]).to_pylist():
            comments.setdefault(row["video_id"], set()).add(row["id"])
    assert len({k for k in objects if k.startswith(comments_prefix)}) == 10 and comments
    for video_id, ids in comments.items():
        assert ids == {
            int(k) for k in sandbox.truth("research", "video/comment/list/", {"video_id": video_id})
        }
    instance.dispose()


def test_a_rerun_after_the_kill_stores_nothing_twice(cluster: tuple[LocalCluster, SandboxHandle]) -> None:
    """A fresh run of the same range on the surviving worker alone replaces each partition whole: the same
    keys holding the same rows, nothing added beside them."""
    local, _ = cluster
    assert len([w for w in local.workers if w.process.poll() is None]) == 1  # the survivor serves alone
    before = _rows_by_key(local)
    keys = [dg.AssetKey(["research", "videos_pets"]), dg.AssetKey(["research", "comments"])]
    with dg.DagsterInstance.get() as instance:
        run = execute_assets(instance, keys, tags={"dagster/asset_partition_range_start": FIRST.isoformat(),
                                                   "dagster/asset_partition_range_end": LAST.isoformat()})  # fmt: skip
    assert run.success
    assert _rows_by_key(local) == before


def _rows_by_key(local: LocalCluster) -> dict[str, int]:
    client = local.store.client()
    return {
        key: pq.ParquetFile(
            pa.BufferReader(client.get_object(Bucket=local.store.bucket, Key=key)["Body"].read())
        ).metadata.num_rows
        for key in local.store.keys(LAKE_PREFIX + "/")
    }
