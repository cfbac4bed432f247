"""Helpers for the VCE tests: the shipped queries' window, their truth, what the lake holds, fast policies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.dataset as pads

from tiktok_assets.config import VceQuery
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.vce.resources import VceResource
from tiktok_assets.sandbox.testing import SandboxHandle
from tiktok_assets.sandbox.world import day_start

SANDBOX_NOW = "2026-06-15T12:00:00Z"
# 30 days ending on the last partition at the sandbox clock 2026-06-15 12:00 (the research days).
FIRST, LAST = date(2026, 5, 14), date(2026, 6, 12)
RANGE_TAGS = {
    "dagster/asset_partition_range_start": FIRST.isoformat(),
    "dagster/asset_partition_range_end": LAST.isoformat(),
}
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
