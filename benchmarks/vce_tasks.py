"""VCE query assets against the sandbox: 30 daily tasks one after another (the baseline: what a loop over
pyrqs' ``query()`` does) vs side by side (the asset's default, 16 in flight), with and without 10% faults on
/vce, and a large-world day-heavy query for memory. Every run is checked against the sandbox's truth.

Each scenario runs in its own process (so its peak RSS is its own) as the asset runs in Dagster: one range run
of 30 daily partitions, the shipped poll policy for the sandbox (0.2 s growing by 1.5x to 2 s; the sandbox's
clock is fixed, so a task moves one step per poll), real HTTP on loopback.
Run: .venv/bin/python benchmarks/vce_tasks.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

NOW = "2026-06-15T12:00:00Z"
SCENARIOS: dict[str, dict[str, Any]] = {
    "sequential (1 in flight)": {"size": "small", "in_flight": 1, "faults": {}},
    "side by side (16 in flight)": {"size": "small", "in_flight": 16, "faults": {}},
    "side by side, 10% faults": {
        "size": "small", "in_flight": 16,
        "faults": {"internal_error": 0.03, "rate_limit": 0.02, "gateway_timeout_html": 0.02,
                   "connection_reset": 0.02, "truncated_body": 0.01},
    },
    "large world, every US video": {"size": "large", "in_flight": 16, "faults": {}},
}  # fmt: skip
LARGE_NOW = "2026-11-03T12:00:00Z"
PETS = [
    {"operator": "or", "conditions": [
        {"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["cat", "cats", "dog"]},
        {"field": "video_description", "operator": "LIKE", "field_values": ["%cat%", "%dog%"]}]},
    {"operator": "not", "conditions": [{"field": "region_code", "operator": "EQ", "field_values": ["IQ"]}]},
]  # fmt: skip
US = [{"operator": "and", "conditions": [{"field": "region_code", "operator": "EQ", "field_values": ["US"]}]}]


def one(name: str) -> dict[str, Any]:
    """Run one scenario in this process; the figures as a dict."""
    import os

    import dagster as dg
    import pyarrow.dataset as pads

    from tiktok_assets.clock import day_span
    from tiktok_assets.config import parse_monitoring
    from tiktok_assets.defs.lake_resource import LakeResource
    from tiktok_assets.defs.vce.definitions import build_assets
    from tiktok_assets.defs.vce.resources import VceResource
    from tiktok_assets.sandbox.testing import running_sandbox

    setup = SCENARIOS[name]
    large = setup["size"] == "large"
    now = LARGE_NOW if large else NOW
    last = date(2026, 10, 31) if large else date(2026, 6, 12)
    first = last - timedelta(days=29)
    os.environ["TIKTOK_CLOCK_NOW"] = now
    groups = US if large else PETS
    raw = {"date_range": {"start": "2025-01-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}},
           "vce_queries": {"q": {"category": "video", "stage": "execution", "limit": 100_000,
                                 "fields": ["id", "create_time", "username", "region_code", "hashtag_names",
                                            "view_count", "like_count"], "condition_groups": groups}}}  # fmt: skip
    monitoring = parse_monitoring(raw, "bench.yaml", today=last + timedelta(days=3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(monitoring)
    tmp = Path(tempfile.mkdtemp(prefix="vce-bench-"))
    tags = {"dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat()}  # fmt: skip
    with (
        running_sandbox(size=setup["size"], now=now, faults=setup["faults"]) as sb,
        dg.instance_for_test() as inst,
    ):
        resources = {
            "vce": VceResource(base_url=sb.vce_url, max_tasks_in_flight=setup["in_flight"],
                               retry_base_seconds=0.05, ledger_url=f"sqlite:///{tmp / 'q.sqlite'}"),
            "lake": LakeResource(lake_dir=str(tmp / "lake")),
        }  # fmt: skip
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        result = dg.materialize(assets, instance=inst, resources=resources, tags=tags)
        seconds = time.perf_counter() - t0
        sb.set_faults({})
        stats = sb.stats()
        spec = monitoring.vce_queries[0].spec.within("create_time", *day_span(first, last))
        truth = {int(k) for k in sb.truth("vce", "video", {"condition_groups": list(spec.condition_groups)})}
    ids = (
        pads.dataset(tmp / "lake" / "vce" / "videos", format="parquet", partitioning="hive")
        .to_table(columns=["id"])["id"]
        .to_pylist()
    )
    meta = result.get_asset_materialization_events()[-1].materialization.metadata
    return {
        "tasks": stats["vce_tasks"]["tasks"],
        "calls": int(meta["requests_spent"].value),
        "http": sum(sum(v.values()) for k, v in stats["requests"].items() if k.startswith("vce ")),
        "rows": len(ids),
        "exact": len(ids) == len(set(ids)) and set(ids) == truth,
        "seconds": seconds,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    rows = {}
    for name in SCENARIOS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True
        )
        rows[name] = json.loads(out.stdout.strip().splitlines()[-1])
    base = rows["sequential (1 in flight)"]["seconds"]
    print(f"{'scenario':<30} {'tasks':>5} {'RQS calls':>9} {'HTTP':>5} {'rows':>7} {'= truth':>7} "
          f"{'seconds':>8} {'vs seq.':>7} {'peak RSS MB':>11} {'growth MB':>9}")  # fmt: skip
    for name, r in rows.items():
        print(f"{name:<30} {r['tasks']:>5} {r['calls']:>9} {r['http']:>5} {r['rows']:>7,} {str(r['exact']):>7} "
              f"{r['seconds']:>8.1f} {r['seconds'] / base:>6.2f}x {r['rss_mb']:>11.0f} {r['rss_growth_mb']:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
