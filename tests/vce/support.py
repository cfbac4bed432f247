"""Helpers for the VCE tests: the shipped queries' window, their truth, what the lake holds, fast policies."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.dataset as pads

from tiktok_assets.config import Monitoring, VceQuery, parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.vce.definitions import build_assets
from tiktok_assets.defs.vce.resources import VceResource
from tiktok_assets.sandbox.testing import SandboxHandle
from tiktok_assets.sandbox.vce.rqs_client import RQSClient
from tiktok_assets.sandbox.world import day_start

SANDBOX_NOW = "2026-06-15T12:00:00Z"
# 30 days ending on the last partition at the sandbox clock 2026-06-15 12:00 (the research days).
FIRST, LAST = date(2026, 5, 14), date(2026, 6, 12)
RANGE_TAGS = {
    "dagster/asset_partition_range_start": FIRST.isoformat(),
    "dagster/asset_partition_range_end": LAST.isoformat(),
}
# A test-stage query whose days match more than its limit: each day's result is a sample (flagged).
SAMPLED_QUERY = {"category": "video", "stage": "test", "limit": 30, "fields": ["id", "create_time", "region_code"],
                 "condition_groups": [{"operator": "not", "conditions": [
                     {"field": "region_code", "operator": "EQ", "field_values": ["IQ"]}]}]}  # fmt: skip
# One task at a time, polled every 0.5 s: a task takes a few polls, so a cancel from outside lands while it runs.
SLOW = {"max_tasks_in_flight": 1, "poll_initial_seconds": 0.5, "poll_factor": 1.0, "poll_max_seconds": 0.5}
TEN_PERCENT_FAULTS = {"internal_error": 0.03, "rate_limit": 0.02, "gateway_timeout_html": 0.02,
                      "connection_reset": 0.02, "truncated_body": 0.01}  # fmt: skip


def window_group(first: date, last: date) -> dict[str, Any]:
    # Written out here, from the sandbox's own day_start, so the truth does not share the assets' window code.
    return {"operator": "and", "conditions": [
        {"field": "create_time", "operator": "GTE", "field_values": [str(day_start(first))]},
        {"field": "create_time", "operator": "LT", "field_values": [str(day_start(last + timedelta(days=1)))]},
    ]}  # fmt: skip


def truth_ids(sb: SandboxHandle, query: VceQuery, first: date = FIRST, last: date = LAST) -> set[int]:
    groups = [*query.spec.condition_groups, window_group(first, last)]
    return {int(k) for k in sb.truth("vce", query.category, {"condition_groups": groups})}


def lake_ids(lake: Path, query: str, dataset: str = "videos") -> list[int]:
    """Every id in the query's folder (a list: a duplicate would show)."""
    root = lake / "vce" / dataset / f"query={query}"
    if not root.exists():
        return []
    table = pads.dataset(root, format="parquet", partitioning="hive").to_table(columns=["id"])
    return table["id"].to_pylist()


def resources(sb: SandboxHandle, tmp: Path, **vce: Any) -> dict[str, Any]:
    """Fast but real policies: polls from 50 ms, retries from 10 ms (the sandbox's clock is fixed, so a task
    moves one step per poll)."""
    settings = {"poll_initial_seconds": 0.05, "poll_factor": 1.5, "poll_max_seconds": 0.5,
                "retry_base_seconds": 0.01, "max_tasks_in_flight": 10, **vce}  # fmt: skip
    return {
        "vce": VceResource(base_url=sb.vce_url, ledger_url=f"sqlite:///{tmp / 'quota.sqlite'}", **settings),
        "lake": LakeResource(lake_dir=str(tmp / "lake")),
    }


@contextmanager
def backend_clock(now: str) -> Iterator[None]:
    """``TIKTOK_CLOCK_NOW`` for the block (what the demo sets): the stage's day is the sandbox's."""
    saved = os.environ.get("TIKTOK_CLOCK_NOW")
    os.environ["TIKTOK_CLOCK_NOW"] = now
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TIKTOK_CLOCK_NOW", None)
        else:
            os.environ["TIKTOK_CLOCK_NOW"] = saved


def unfinished(sb: SandboxHandle) -> int:
    """Tasks the sandbox still runs (Created, Validating, Processing)."""
    by_status = sb.stats()["vce_tasks"]["by_status"]
    return by_status["Created"] + by_status["Validating"] + by_status["Processing"]


def vce_monitoring(vce_queries: dict[str, Any]) -> Monitoring:
    """A monitoring.yaml of these VCE queries (and the one account every file needs)."""
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}},
           "vce_queries": vce_queries}  # fmt: skip
    return parse_monitoring(raw, today=date(2026, 6, 15))


def materialize_range(
    m: Monitoring, sb: SandboxHandle, tmp: Path, instance: dg.DagsterInstance, days: tuple[date, date],
    tags: dict[str, str], **vce: Any,
) -> dg.ExecuteInProcessResult:  # fmt: skip
    """One run of every VCE asset over ``days`` (first, last) on ``instance``, the lake and ledger in ``tmp``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(m)
    tags = {"dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[1].isoformat(), **tags}  # fmt: skip
    with backend_clock(SANDBOX_NOW):
        return dg.materialize(
            assets, instance=instance, resources=resources(sb, tmp, **vce), tags=tags, raise_on_error=False
        )


def cancel_when_created(sb: SandboxHandle, task_id: int, stop: threading.Event) -> None:
    """Cancel ``task_id`` from outside (another notebook, an operator) as soon as the service has it."""
    outside = RQSClient(sb.vce_url, stage="test")
    while not stop.is_set():
        if sb.stats()["vce_tasks"]["tasks"] >= task_id - 1_000_000:  # the sandbox's ids count from 1_000_001
            assert outside.cancel_query_task(task_id)
            return
        time.sleep(0.005)


@contextmanager
def cancelling(sb: SandboxHandle, task_id: int) -> Iterator[None]:
    """``cancel_when_created`` beside the block's run."""
    stop = threading.Event()
    canceller = threading.Thread(target=cancel_when_created, args=(sb, task_id, stop))
    canceller.start()
    try:
        yield
    finally:
        stop.set()
        canceller.join()
