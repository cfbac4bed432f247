"""`tiktok-assets demo`: materialize every asset of the code location for a 30-day window, end to end.

Unless Research API credentials are set (``TIKTOK_CLIENT_KEY``), a sandbox starts in this process on a fixed
clock and every source's resources point at it through the environment (``TIKTOK_SANDBOX_URL``; an
``ENSEMBLEDATA_TOKEN`` or an API base URL in the environment is set aside for the demo's duration and said so,
so a sandbox demo never spends real units); ``TIKTOK_CLOCK_NOW`` carries that clock to every date decision
(``tiktok_assets.clock``) before the definitions load, so the partitions end where the sandbox's days end.
Runs go through a persistent Dagster instance so they show in the UI afterwards. ``--now`` and monitoring.yaml
are checked before anything is created: a bad one is one line and exit status 2.

The command keeps everything in ``data/demo/`` (``cli.instance``): never your collection's lake or instance.
The terminal shows one line per run and the closing table (``cli.demo_summary``); Dagster's DEBUG event log
and dbt's output go to ``data/demo/demo.log``.

How each asset is run (grouped by partitioning, upstream groups first):
- day assets with a BackfillPolicy (videos, comments, playlists, daily dbt staging): one range run;
- other time-partitioned assets (live snapshots such as user info): their partition for the clock's day;
- dynamic partitions (accounts…): filled from monitoring.yaml, then one run per key;
- unpartitioned assets (dbt, analyses): one run at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_DAYS = 30
SANDBOX_NOW = "2026-06-15T12:00:00Z"
Echo = Callable[[str], Any]


def positive_days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return days


def instant(raw: str) -> str:
    """``--now`` checked when the arguments are parsed: an ISO 8601 instant (no zone: UTC)."""
    try:
        datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an ISO 8601 instant (e.g. {SANDBOX_NOW})") from None
    return raw


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="collect 30 days from the sandbox through Dagster, then build the marts and analyses",
        description="Start the sandbox on a fixed clock, materialize every asset for the last DAYS complete "
        "days into data/demo/ (lake, DuckDB warehouse, Dagster instance), print one line per run and a table "
        "of every asset's rows, spend and checks. Dagster's log goes to data/demo/demo.log. Browse the runs "
        "afterwards with: make demo-ui",
    )
    parser.add_argument(
        "--days", type=positive_days, default=DEMO_DAYS, help=f"window length in days (default {DEMO_DAYS})"
    )
    parser.add_argument(
        "--now", type=instant, default=SANDBOX_NOW,
        help=f"the sandbox's fixed clock, ISO 8601; the window ends 3 days before it (default {SANDBOX_NOW}; "
        "ignored with real credentials)",
    )  # fmt: skip
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="where the demo keeps its lake, warehouse, instance and log (default data/demo)",
    )  # fmt: skip
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from tiktok_assets.cli.console import terminal_and_log
    from tiktok_assets.cli.instance import (
        InstanceConfigError,
        demo_place,
        link_instance_config,
        write_demo_record,
    )
    from tiktok_assets.config import MonitoringConfigError, load_monitoring

    now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    try:  # before anything is created: a bad file leaves no half-made demo behind
        load_monitoring(today=None if os.environ.get("TIKTOK_CLIENT_KEY") else now.date())
    except MonitoringConfigError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    place = demo_place(args.data_dir)
    try:
        link_instance_config(place.home)
    except InstanceConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH"):  # the demo never writes your collection's lake
        os.environ.pop(var, None)
    os.environ.update(place.environ())
    log = place.data / "demo.log"
    with terminal_and_log(log) as terminal:
        summary = run_demo(
            days=args.days, now=args.now, echo=lambda line: print(line, file=terminal), log=log
        )
    write_demo_record(place, args.now, args.days)
    return 1 if summary["failed_runs"] else 0


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _set_env(stack: ExitStack, name: str, value: str) -> None:
    stack.callback(_restore_env, name, os.environ.get(name))
    os.environ[name] = value


def _start_backend(stack: ExitStack, now: str, echo: Echo) -> tuple[Any, datetime]:
    """The sandbox (unless credentials are set) and the backend's clock, set in ``TIKTOK_CLOCK_NOW`` (all
    three variables are restored on exit)."""
    from tiktok_assets import settings
    from tiktok_assets.clock import CLOCK_ENV, clock_now

    if os.environ.get("TIKTOK_CLIENT_KEY"):
        return None, clock_now()
    from tiktok_assets.sandbox.testing import running_sandbox

    # Fixed clock: the same world and window every time. A fixed clock never opens a new minute, so the
    # per-minute limit is lifted; the daily quotas stay real.
    sandbox = stack.enter_context(running_sandbox(now=now, per_minute=1_000_000))
    _set_env(stack, "TIKTOK_SANDBOX_URL", sandbox.base_url)
    from tiktok_assets.backends import REAL_TARGETS

    for name in REAL_TARGETS:  # every source on this sandbox: a real token here would spend real units
        if os.environ.get(name):
            echo(
                f"  {name} is set: ignored by this sandbox demo (unset it, or set TIKTOK_CLIENT_KEY for real APIs)"
            )
            stack.callback(_restore_env, name, os.environ.pop(name))
    # A fresh quota ledger per demo: the sandbox's quota is fresh too, so yesterday's demo must not count.
    ledger = settings.data_dir() / "demo_quota.sqlite"
    for path in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        path.unlink(missing_ok=True)
    _set_env(stack, "TIKTOK_QUOTA_DB_URL", f"sqlite:///{ledger}")
    _set_env(stack, CLOCK_ENV, now)
    return sandbox, clock_now()


def plan_runs(defs: Any, instance: Any, first: date, last: date, today: date) -> list[dict[str, Any]]:
    """[{keys, partition_key | tags, label}] in dependency-friendly order."""
    import dagster as dg

    from tiktok_assets.config import current_monitoring, dynamic_keys

    graph = defs.resolve_asset_graph()
    groups: dict[Any, list[Any]] = defaultdict(list)
    for key in sorted(
        graph.materializable_asset_keys, key=lambda k: k.to_user_string()
    ):  # the same order each time
        groups[graph.get(key).partitions_def].append(key)
    ranged, latest, dynamic, upkeep, plain, skipped = [], [], [], [], [], []
    wanted = dynamic_keys(current_monitoring())
    for pdef, keys in groups.items():
        keys = sorted(keys, key=lambda k: k.to_user_string())
        if pdef is None:
            # The lake's upkeep (compaction) first: the models then read what it wrote, as on the 3rd.
            lake_upkeep = [k for k in keys if graph.get(k).group_name == "maintenance"]
            if lake_upkeep:
                upkeep.append({"keys": lake_upkeep, "label": "lake compaction"})
            plain.append({"keys": [k for k in keys if k not in lake_upkeep], "label": "models and analyses"})
        elif isinstance(pdef, dg.TimeWindowPartitionsDefinition):
            with_policy = [k for k in keys if graph.get(k).backfill_policy is not None]
            others = [k for k in keys if k not in with_policy]
            if with_policy:
                tags = {"dagster/asset_partition_range_start": first.isoformat(),
                        "dagster/asset_partition_range_end": last.isoformat()}  # fmt: skip
                names = "+".join(sorted({graph.get(k).group_name or "default" for k in with_policy}))
                ranged.append({"keys": with_policy, "tags": tags, "label": f"{names} {first}..{last}"})
            if others:
                day = today.isoformat() if pdef.has_partition_key(today.isoformat()) else last.isoformat()
                latest.append({"keys": others, "partition_key": day, "label": f"snapshot {day}"})
        elif isinstance(pdef, dg.DynamicPartitionsDefinition):
            names = list(wanted.get(pdef.name, ()))
            existing = set(instance.get_dynamic_partitions(pdef.name))
            instance.add_dynamic_partitions(pdef.name, [n for n in names if n not in existing])
            dynamic += [{"keys": keys, "partition_key": n, "label": f"{pdef.name} {n}"} for n in names]
        else:
            skipped.append({"keys": keys, "label": f"skipped ({type(pdef).__name__})"})
    return ranged + latest + dynamic + upkeep + plain + skipped


def _run(defs: Any, instance: Any, step: dict[str, Any]) -> Any:
    from tiktok_assets.collect.dead_runs import reap_dead_runs

    # In-process runs do not use the code location's executor: give back the slots of dead runs here.
    reap_dead_runs(instance, log=print)
    job = defs.resolve_implicit_job_def_def_for_assets(step["keys"])
    return job.execute_in_process(
        instance=instance,
        asset_selection=step["keys"],
        partition_key=step.get("partition_key"),
        tags={**step.get("tags", {}), "tiktok/demo": "true"},
        raise_on_error=False,
    )


def _load_defs(defs: Any) -> Any:
    """The code location, loaded now (after the clock is set) unless the caller built one."""
    if defs is None:
        from tiktok_assets.definitions import defs as location

        return location()
    return defs() if callable(defs) else defs


Runner = Callable[[Any, Any, dict[str, Any]], Any]


def run_demo(
    defs: Any = None,
    days: int = DEMO_DAYS,
    now: str = SANDBOX_NOW,
    echo: Echo = print,
    log: Path | None = None,
    running: Echo | None = None,
    start_runner: Callable[[ExitStack], Runner] | None = None,
) -> dict[str, Any]:
    """Materialize everything; returns the summary (also printed). ``defs``: a ``Definitions``, a function
    returning one, or None for the code location (loaded once the backend's clock is set). ``running`` is told
    each run's line before it starts (a terminal shows it until ``echo`` prints the outcome over it).
    ``start_runner(stack)``, called once the backend is up, returns how to run a step (default: in process;
    ``cluster/demo.py``: on Celery workers)."""
    import dagster as dg

    from tiktok_assets import settings
    from tiktok_assets.cli.demo_summary import DemoTally, failed_checks_lines, print_table
    from tiktok_assets.cli.instance import link_instance_config
    from tiktok_assets.clock import last_complete_day
    from tiktok_assets.lake.storage import lake_url

    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir() / "dagster_home").resolve()
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():  # an instance configured elsewhere (the cluster's) stays as is
        link_instance_config(home)
    started = time.perf_counter()
    failed: list[str] = []
    with ExitStack() as stack:
        # dbt's output goes to demo.log, a file: no ANSI colour codes in it
        _set_env(stack, "DBT_USE_COLORS", "false")
        sandbox, clock = _start_backend(stack, now, echo)
        run = start_runner(stack) if start_runner else _run
        location = _load_defs(defs)
        last = last_complete_day(clock)  # the daily partitions' last day at the backend's clock
        first = last - timedelta(days=days - 1)
        instance = stack.enter_context(dg.DagsterInstance.get())
        backend = f"the sandbox at {sandbox.base_url}, clock {now}" if sandbox else "the TikTok APIs"
        echo(f"demo: {first} .. {last} ({days} days) from {backend}")
        echo(f"  data: {settings.data_dir()}   Dagster instance: {home}")
        if log is not None:
            echo(f"  Dagster's log (DEBUG) and dbt's output: {log}")
        tally = DemoTally(location.resolve_asset_graph())
        steps = plan_runs(location, instance, first, last, clock.date())
        for i, step in enumerate(steps, 1):
            head = f"[{i:>2}/{len(steps)}] {step['label']:<32} {len(step['keys']):>2} assets"
            if step["label"].startswith("skipped"):
                echo(f"{head}  {', '.join(k.to_user_string() for k in step['keys'])}")
                continue
            if running is not None:
                running(head)
            t0 = time.perf_counter()
            result = run(location, instance, step)
            tally.add(result)
            echo(f"{head}  {'ok' if result.success else 'FAILED':<6} {time.perf_counter() - t0:5.1f}s  "
                 f"run {result.run_id[:8]}")  # fmt: skip
            if not result.success:
                failed.append(step["label"])
                for event in result.get_step_failure_events():
                    echo(f"      {event.step_key}: {event.step_failure_data.error.message.strip()[:300]}")
        stats = sandbox.stats() if sandbox else {}
    summary = {
        **tally.summary(),
        "failed_runs": failed,
        "sandbox_requests": stats.get("requests_total"),
        "seconds": time.perf_counter() - started,
        "lake": lake_url(),
        "warehouse": str(settings.duckdb_path()),
        "log": str(log) if log else None,
    }
    echo("")
    print_table(summary, echo)
    for line in failed_checks_lines(summary):
        echo(line)
    _print_where(summary, echo)
    return summary


def _print_where(summary: dict[str, Any], echo: Echo) -> None:
    if summary["sandbox_requests"] is not None:
        echo(
            f"the sandbox served {summary['sandbox_requests']:,} HTTP requests (tokens and retries included)"
        )
    echo(f"lake:      {summary['lake']}")
    echo(f"warehouse: {summary['warehouse']}  (DuckDB; e.g. select * from marts.account_daily)")
    if summary["log"]:
        echo(f"log:       {summary['log']}  (Dagster's DEBUG event log, dbt's output)")
    echo(f"took {summary['seconds']:.0f}s. Browse these runs in the Dagster UI: make demo-ui "
         "(http://127.0.0.1:3000)")  # fmt: skip
    if summary["failed_runs"]:
        echo(f"FAILED runs: {', '.join(summary['failed_runs'])}")
