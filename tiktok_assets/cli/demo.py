"""`tiktok-assets demo`: materialize every asset of the code location for a 30-day window, end to end.

Unless credentials are set (``TIKTOK_CLIENT_KEY``), a sandbox starts in this process on a fixed clock and the
resources point at it through the environment (``TIKTOK_SANDBOX_URL``). Runs go through the persistent
Dagster instance under ``$DAGSTER_HOME`` so they show in the UI afterwards (``make ui``).

How each asset is run (grouped by partitioning, upstream groups first):
- day assets with a BackfillPolicy (videos, comments, playlists…): one range run over the 30 days;
- other time-partitioned assets (live snapshots such as user info): their partition for the last day;
- dynamic partitions (accounts…): filled from monitoring.yaml, then one run per key;
- unpartitioned assets (dbt, analyses): one run at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_DAYS = 30
SANDBOX_NOW = "2026-06-15T12:00:00Z"
LAKE_ASSETS = ("research/", "vce/")  # assets whose partitions are lake partitions: their rows add up


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="materialize every asset for a 30-day window (sandbox by default)"
    )
    parser.add_argument("--days", type=int, default=DEMO_DAYS, help="window length in days (default 30)")
    parser.add_argument(
        "--now", default=SANDBOX_NOW, help="the sandbox clock (ignored with real credentials)"
    )
    parser.set_defaults(func=main)


def _dagster_home() -> Path:
    from tiktok_assets import settings

    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir() / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    shipped = settings.project_root() / "dagster.yaml"
    if shipped.exists() and not (home / "dagster.yaml").exists():
        shutil.copy(shipped, home / "dagster.yaml")  # pools, run monitoring
    return home


def _start_backend(stack: ExitStack, now: str) -> tuple[Any, datetime]:
    """The sandbox (unless credentials are set) and the backend's "now" (the sandbox's fixed clock, or the
    wall clock for the real API). The window ends at ``partitions.last_complete_day(now)``."""
    from tiktok_assets import settings
    from tiktok_assets.clock import CLOCK_ENV

    if os.environ.get("TIKTOK_CLIENT_KEY"):
        return None, datetime.now(UTC).replace(microsecond=0)
    from tiktok_assets.sandbox.testing import running_sandbox

    # Fixed clock: the same world and window every time. A fixed clock never opens a new minute, so the
    # per-minute limit is lifted; the daily quotas stay real.
    sandbox = stack.enter_context(running_sandbox(now=now, per_minute=1_000_000))
    os.environ["TIKTOK_SANDBOX_URL"] = sandbox.base_url
    # A fresh quota ledger per demo: the sandbox's quota is fresh too, so yesterday's demo must not count.
    ledger = settings.data_dir() / "demo_quota.sqlite"
    for path in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        path.unlink(missing_ok=True)
    os.environ["TIKTOK_QUOTA_DB_URL"] = f"sqlite:///{ledger}"
    clock = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(UTC)
    # The assets stamp `collected_at` and snapshot folders with this clock, not the wall clock (restored on exit).
    previous = os.environ.get(CLOCK_ENV)
    os.environ[CLOCK_ENV] = clock.isoformat()
    stack.callback(_restore_env, CLOCK_ENV, previous)
    return sandbox, clock


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def plan_runs(defs: Any, instance: Any, first: date, last: date, today: date) -> list[dict[str, Any]]:
    """[{keys, partition_key | tags, label}] in dependency-friendly order."""
    import dagster as dg

    from tiktok_assets.config import current_monitoring, dynamic_keys

    graph = defs.resolve_asset_graph()
    groups: dict[Any, list[Any]] = defaultdict(list)
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        groups[node.partitions_def].append(key)
    ranged, latest, dynamic, plain, skipped = [], [], [], [], []
    wanted = dynamic_keys(current_monitoring())
    for pdef, keys in groups.items():
        keys = sorted(keys, key=lambda k: k.to_user_string())
        if pdef is None:
            plain.append({"keys": keys, "label": "unpartitioned"})
        elif isinstance(pdef, dg.TimeWindowPartitionsDefinition):
            with_policy = [k for k in keys if graph.get(k).backfill_policy is not None]
            others = [k for k in keys if k not in with_policy]
            if with_policy:
                tags = {"dagster/asset_partition_range_start": first.isoformat(),
                        "dagster/asset_partition_range_end": last.isoformat()}  # fmt: skip
                ranged.append({"keys": with_policy, "tags": tags, "label": f"{first}..{last}"})
            if others:
                day = today.isoformat() if pdef.has_partition_key(today.isoformat()) else last.isoformat()
                latest.append({"keys": others, "partition_key": day, "label": day})
        elif isinstance(pdef, dg.DynamicPartitionsDefinition):
            names = list(wanted.get(pdef.name, ()))
            existing = set(instance.get_dynamic_partitions(pdef.name))
            instance.add_dynamic_partitions(pdef.name, [n for n in names if n not in existing])
            dynamic += [{"keys": keys, "partition_key": n, "label": f"{pdef.name}={n}"} for n in names]
        else:
            skipped.append({"keys": keys, "label": f"skipped ({type(pdef).__name__})"})
    return ranged + latest + dynamic + plain + skipped


def _run(defs: Any, instance: Any, step: dict[str, Any]) -> Any:
    job = defs.resolve_implicit_job_def_def_for_assets(step["keys"])
    return job.execute_in_process(
        instance=instance,
        asset_selection=step["keys"],
        partition_key=step.get("partition_key"),
        tags={**step.get("tags", {}), "tiktok/demo": "true"},
        raise_on_error=False,
    )


def run_demo(
    defs: Any, days: int = DEMO_DAYS, now: str = SANDBOX_NOW, echo: Any = print, start_runner: Any = None
) -> dict[str, Any]:
    """Materialize everything; returns a summary (also printed). ``start_runner(stack)``, called once the
    backend is up, returns how to run a step (default: in process; ``cluster/demo.py``: on Celery workers)."""
    import dagster as dg

    from tiktok_assets.clock import last_complete_day
    from tiktok_assets.lake.storage import lake_url

    home = _dagster_home()
    started = time.perf_counter()
    with ExitStack() as stack:
        sandbox, clock = _start_backend(stack, now)
        run = start_runner(stack) if start_runner else _run
        last = last_complete_day(clock)  # the daily partitions' last day at the backend's clock
        first = last - timedelta(days=days - 1)
        today = clock.date()
        instance = stack.enter_context(dg.DagsterInstance.get())
        echo(
            f"backend: {'sandbox ' + sandbox.base_url + ' (clock ' + now + ')' if sandbox else 'TikTok APIs'}"
        )
        echo(f"window: {first} .. {last} ({days} days); Dagster instance: {home}")
        rows: dict[str, int] = defaultdict(int)
        uncounted: set[str] = set()
        spent: dict[str, int] = defaultdict(int)
        failed, checks_failed, checks_total = [], [], 0
        for step in plan_runs(defs, instance, first, last, today):
            if step["label"].startswith("skipped"):
                echo(f"  - {step['label']}: {', '.join(k.to_user_string() for k in step['keys'])}")
                continue
            t0 = time.perf_counter()
            result = run(defs, instance, step)
            echo(f"  {'ok ' if result.success else 'FAILED'} {step['label']:<28} {len(step['keys'])} assets "
                 f"{time.perf_counter() - t0:5.1f}s  run {result.run_id[:8]}")  # fmt: skip
            if not result.success:
                failed.append(step["label"])
                for event in result.get_step_failure_events():
                    echo(f"      {event.step_key}: {event.step_failure_data.error.message.strip()[:300]}")
            for event in result.get_asset_materialization_events():
                meta = event.materialization.metadata
                name = event.asset_key.to_user_string()
                if "dagster/row_count" in meta:
                    count = int(meta["dagster/row_count"].value)
                    # A lake partition's count covers that partition only, so partitions add up; a dbt
                    # model reports its whole table on every partition run, so the latest figure stands.
                    rows[name] = rows[name] + count if name.startswith(LAKE_ASSETS) else count
                else:
                    uncounted.add(name)  # materialized, but reports no row count (e.g. dbt views)
            for name, value in _run_spend(result).items():
                spent[name] += value
            for evaluation in result.get_asset_check_evaluations():
                checks_total += 1
                if not evaluation.passed:
                    checks_failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
        stats = sandbox.stats() if sandbox else {}
    summary = {
        "rows": {**{name: -1 for name in uncounted}, **rows},  # -1: materialized without a row count
        "requests": dict(spent),
        "failed_runs": failed,
        "checks_total": checks_total,
        "checks_failed": checks_failed,
        "sandbox_requests": stats.get("requests_total"),
        "seconds": time.perf_counter() - started,
        "lake": lake_url(),
    }
    _print_summary(summary, echo)
    return summary


def _run_spend(result: Any) -> dict[str, int]:
    """requests_spent per asset of one run (a range run repeats the run-level figure on every partition)."""
    out: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "requests_spent" in meta:
            out[event.asset_key.to_user_string()] = int(meta["requests_spent"].value)
    return out


def _print_summary(summary: dict[str, Any], echo: Any) -> None:
    echo("")
    echo(f"{'asset':<40} {'rows':>10} {'requests':>9}")
    for name in sorted(set(summary["rows"]) | set(summary["requests"])):
        count = summary["rows"].get(name, 0)
        echo(f"{name:<40} {'-' if count < 0 else f'{count:,}':>10} {summary['requests'].get(name, 0):>9,}")
    lake_rows = sum(v for k, v in summary["rows"].items() if k.startswith(LAKE_ASSETS) and v > 0)
    echo(f"{'total collected into the lake':<40} {lake_rows:>10,} {sum(summary['requests'].values()):>9,}")
    if summary["sandbox_requests"] is not None:
        echo(f"sandbox served {summary['sandbox_requests']:,} HTTP requests (tokens and retries included)")
    echo(f"asset checks: {summary['checks_total'] - len(summary['checks_failed'])}/{summary['checks_total']} passed"
         + (f"; failed: {', '.join(summary['checks_failed'])}" if summary["checks_failed"] else ""))  # fmt: skip
    echo(f"lake: {summary['lake']}  (DuckDB: select * from read_parquet('{summary['lake']}/research/videos/*/*/*.parquet',"
         " hive_partitioning=true))")  # fmt: skip
    echo(
        f"took {summary['seconds']:.0f}s. Open the UI with `make ui` (http://127.0.0.1:3000): the runs are there."
    )
    if summary["failed_runs"]:
        echo(f"FAILED runs: {', '.join(summary['failed_runs'])}")


def main(args: argparse.Namespace) -> int:
    _dagster_home()  # before importing definitions: resources and the instance read the environment
    from tiktok_assets.definitions import defs

    summary = run_demo(defs(), days=args.days, now=args.now)
    return 1 if summary["failed_runs"] else 0
