"""`tiktok-assets plan`: what collecting monitoring.yaml over a range costs, before spending any of it.

Every asset of every source with a forecast module (``tiktok_assets/forecast/``): the Research API's videos of
each named query, comments (and replies), playlists, profiles and account lists, in requests per quota bucket,
and how many days of quota that is. Each line says what its figure rests on:
- the lake: what earlier collections stored (free);
- ``--probe``: the range's own video searches with four fields, in the same ≤31-day windows the assets use
  (they cost exactly the video line's requests, reported as spent), plus one user/info per account;
- ``--probe-posts``: the accounts' EnsembleData posts of the range, walked as one user_posts backfill run walks
  them (its units, spent and reported): user posts and comments counted (``forecast.ensembledata_probe``);
- ``--probe-vce``: one task per named VCE query over the range in its stage (``forecast.vce_probe``): each
  day's matches, so the records are counted (test-stage records are spent, and reported);
- otherwise stated defaults (``--videos-per-day`` replaces the video default);
- for EnsembleData and VCE, the Dagster instance (``--dagster-home``): what each partition of theirs recorded it
  spent (``forecast.history``); a per-day figure comes with the ± range its recorded days' variation gives.
Live data (profiles, account lists, "about X" searches) cannot be backfilled: ``--snapshots`` is how many runs
of it the period holds (default 1). Without ``--config`` it plans the monitoring file in effect, or the ad-hoc lists given.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

# Shown by `tiktok-assets plan --help` (plain text: the module docstring is for developers).
DESCRIPTION = """\
Forecast what collecting the monitoring config over a range costs, per asset and quota bucket, before
spending any of it: the Research API's videos of each named query, comments and replies, playlists,
profiles and account lists (requests); EnsembleData (units); the named VCE queries (records, RQS calls).

Each line says what its figure rests on: the lake (what earlier collections stored), --probe (the range's
own video searches, spent and reported), --probe-posts (EnsembleData's user posts of the range, walked as the
asset will: their units are spent), --probe-vce (one VCE task per query over the range: test-stage records
are spent), the Dagster instance (what each EnsembleData and VCE partition
recorded it spent; a per-day figure shows the +/- range its recorded days' variation gives), or stated
defaults (--videos-per-day). Live data (profiles, account lists, "about X" searches) cannot be backfilled:
--snapshots is how many runs of it the period holds.

  tiktok-assets plan --end 2026-06-13
  tiktok-assets plan --config tiktok_assets/monitoring.yaml --start 2026-05-14 --end 2026-06-12 --probe
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="forecast what a collection costs in requests/units per quota bucket, before spending any",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="monitoring.yaml (default: $TIKTOK_MONITORING, else the shipped file)")
    p.add_argument("--start", help="first day (YYYY-MM-DD or YYYYMMDD); default: the config's start")
    p.add_argument(
        "--end",
        help="last day, inclusive; default: the config's end, else the last complete searchable day (48-hour lag)",
    )
    p.add_argument("--usernames", default="", help="comma-separated accounts: plan these instead of a config")
    p.add_argument("--hashtags", default="", help="comma-separated hashtags (ad-hoc, as --usernames)")
    p.add_argument("--keywords", default="", help="comma-separated keywords (ad-hoc, as --usernames)")
    p.add_argument("--videos-per-day", type=float, default=None, help="expected videos a day per query")
    p.add_argument(
        "--probe", action="store_true", help="measure the range with its video searches (spends them)"
    )
    p.add_argument(
        "--probe-posts",
        action="store_true",
        help="walk the accounts' EnsembleData posts of the range as user_posts will (spends those units), "
        "so the comments forecast counts their pages",
    )
    p.add_argument(
        "--probe-vce",
        action="store_true",
        help="run one task per named VCE query over the range, in its stage (test-stage records are spent), "
        "so the records forecast counts the matches",
    )
    p.add_argument(
        "--snapshots", type=int, default=1, help="runs of the live endpoints in the period (default 1)"
    )
    p.add_argument(
        "--lake", help="the lake to learn from, a path or s3:// URL (default: the configured lake)"
    )
    p.add_argument(
        "--dagster-home",
        help="the Dagster instance whose recorded spend EnsembleData and VCE forecasts use "
        "(default: $DAGSTER_HOME, else <data>/dagster_home)",
    )
    p.add_argument("--daily-budget", type=int, default=1000, help="video + comment requests per UTC day")
    p.set_defaults(func=run)


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _monitoring(args: argparse.Namespace, start: date | None) -> Any:
    """The config to plan: ad-hoc lists (one query per list) or a monitoring file."""
    from tiktok_assets.config import load_monitoring, parse_monitoring

    lists = {
        "accounts": _split(args.usernames),
        "hashtags": _split(args.hashtags),
        "keywords": _split(args.keywords),
    }
    if not any(lists.values()):
        return load_monitoring(args.config)
    if start is None:
        from tiktok_assets.clients.errors import InvalidInputError

        raise InvalidInputError("--start is required with ad-hoc lists", parameter="--start")
    raw = {
        "date_range": {"start": start.isoformat()},
        **{name: values for name, values in lists.items() if values},
        "queries": {name: {"from": name} for name, values in lists.items() if values},
    }
    from tiktok_assets.clock import clock_now

    return parse_monitoring(raw, "<command line>", today=max(start, clock_now().date()))


def run(args: argparse.Namespace) -> int:
    from tiktok_assets.clients.errors import ApiError, InvalidInputError
    from tiktok_assets.clients.planner import as_date
    from tiktok_assets.clock import clock_now, last_complete_day
    from tiktok_assets.config import MonitoringConfigError

    try:
        given_start = as_date(args.start, "--start") if args.start else None
        monitoring = _monitoring(args, given_start)
        start = given_start or monitoring.start_date
        end = (
            as_date(args.end, "--end") if args.end else monitoring.end_date or last_complete_day(clock_now())
        )
        if end < start:
            raise InvalidInputError(f"--end {end} is before the start {start}", parameter="--end")
        if args.snapshots < 0:
            raise InvalidInputError("--snapshots must be 0 or more", parameter="--snapshots")
        if args.videos_per_day is not None and args.videos_per_day < 0:
            raise InvalidInputError("--videos-per-day must be 0 or more", parameter="--videos-per-day")
    except (InvalidInputError, MonitoringConfigError, ValueError) as exc:
        print(f"plan: {exc}")
        return 2
    try:
        return _print_plan(args, monitoring, start, end)
    except ApiError as exc:  # the probe met the API's refusal (quota, credentials): nothing is planned
        print(f"plan: the probe stopped: {exc}")
        return 3


def _print_plan(args: argparse.Namespace, monitoring: Any, start: date, end: date) -> int:
    from tiktok_assets.clients.errors import ApiError
    from tiktok_assets.forecast import aggregate
    from tiktok_assets.forecast.ensembledata_probe import PostsProbe

    history = _history(args, monitoring)
    # What the EnsembleData and VCE probes spent, filled as they go: said even when one stops. The VCE goes
    # first: a spent test stage refuses it before anything else is spent.
    posts = PostsProbe() if args.probe_posts else None
    tasks: dict[str, Any] | None = {} if args.probe_vce else None
    try:
        if tasks is not None:
            _probe_vce(monitoring, start, end, tasks)
        evidence = _research_evidence(args, monitoring, start, end)
        if posts is not None:
            _probe_posts(monitoring, start, end, posts)
    except ApiError as exc:  # the probe met the API's refusal (quota, credentials): nothing is planned
        print(f"plan: the probe stopped: {exc}")
        spent = _probes_spent(posts, tasks)
        if spent:
            print(f"plan: before it stopped, {spent}")
        return 3
    options = {
        "research": {
            "snapshots": args.snapshots,
            "videos_per_day": args.videos_per_day,
            "evidence": evidence,
        },
        "ensembledata": {"snapshots": args.snapshots, "history": history, "probe": posts},
        "vce": {"history": history, "probe": tasks},
    }
    lines = aggregate.forecast_all(monitoring, start, end, options)
    days = (end - start).days + 1
    spent = _probes_spent(posts, tasks)
    note = f"{f'{spent}; ' if spent else ''}{_evidence_note(evidence)}; instance: " + (
        f"{history.partition_count:,} recorded partition(s)" if history and history.recorded else "no history"
    )
    print(f"plan {start} .. {end} ({days} days) for {monitoring.path}; {note}")
    print(f"{'asset':<36}{'api':<14}{'bucket':<8}{'amount':>10}  {'unit':<9}basis")
    for line in lines:
        basis = f"±{line.spread:,}: {line.basis}" if line.spread else line.basis
        print(f"{line.asset:<36}{line.api:<14}{line.bucket:<8}{line.amount:>10,}  {line.unit:<9}{basis}")
    for total in aggregate.totals(lines, _daily_budgets(args, monitoring)):
        quota = (
            f"= {total.days_of_quota} day(s) at {total.daily_budget:,}/day"
            if total.daily_budget
            else "(no daily limit)"
        )
        bucket = f"{total.api} {total.bucket}".strip()
        print(f"total {bucket:<30}{'':<22}{total.amount:>10,}  {total.unit:<9}{quota}")
    print("retries are not in the figures; the API counts failed attempts too")
    return 0


def _research_evidence(args: argparse.Namespace, monitoring: Any, start: date, end: date) -> Any:
    """The lake's history of the Research queries, overlaid by ``--probe``'s searches of the range."""
    from tiktok_assets.forecast import research as research_forecast

    client = None
    if args.probe:
        from tiktok_assets import backends

        client = backends.research_client()
    try:
        return research_forecast.gather(monitoring, start, end, lake=args.lake, client=client)
    finally:
        if client is not None:
            client.close()


def _probe_posts(monitoring: Any, start: date, end: date, found: Any) -> None:
    """The range's EnsembleData posts, walked on the ledger (its daily budget refuses what would pass it)."""
    from tiktok_assets import backends
    from tiktok_assets.clock import clock_now
    from tiktok_assets.forecast import ensembledata_probe

    with backends.ensembledata_client(daily_units=monitoring.ensembledata.daily_units) as client:
        ensembledata_probe.probe(client, monitoring, start, end, clock_now(), found)


def _probe_vce(monitoring: Any, start: date, end: date, found: dict[str, Any]) -> None:
    """One task per named VCE query over the range, through the assets' runner and ledger."""
    from tiktok_assets.defs.vce.resources import VceResource
    from tiktok_assets.forecast import vce_probe

    vce = VceResource()
    vce_probe.probe(monitoring, start, end, client=vce.client, budget=vce.budget, found=found)


def _probes_spent(posts: Any, tasks: dict[str, Any] | None) -> str:
    """``EnsembleData probe spent 9 units in 10 calls; VCE probe spent 208 execution-stage records, …``."""
    said = []
    if posts is not None:
        said.append(f"EnsembleData probe spent {posts.units:,} units in {posts.requests:,} calls")
    if tasks:
        by_stage: dict[str, int] = {}
        for found in tasks.values():
            by_stage[found.stage] = by_stage.get(found.stage, 0) + found.records
        records = ", ".join(f"{n:,} {stage}-stage records" for stage, n in sorted(by_stage.items()))
        said.append(f"VCE probe spent {records}, {sum(t.calls for t in tasks.values()):,} RQS calls")
    elif tasks is not None:
        said.append("VCE probe: no named VCE queries")
    return "; ".join(said)


def _daily_budgets(args: argparse.Namespace, monitoring: Any) -> dict[tuple[str, str, str], int | None]:
    """(api, bucket, unit) → what a day allows: the Research API's documented request limits (video: the
    --daily-budget), the EnsembleData units monitoring.yaml budgets (its ledger enforces them), and the VCE
    stages' records a day (the test stage's 5,000; the execution stage has none)."""
    from tiktok_assets.clients.research_endpoints import DEFAULT_BUDGETS
    from tiktok_assets.endpoints.vce import STAGES

    budgets: dict[tuple[str, str, str], int | None] = {
        ("research", bucket, "requests"): budget.requests for bucket, budget in DEFAULT_BUDGETS.items()
    }
    budgets[("research", "video", "requests")] = args.daily_budget
    budgets[("ensembledata", "", "units")] = monitoring.ensembledata.daily_units
    budgets |= {("vce", stage.name, "records"): stage.daily_records for stage in STAGES.values()}
    return budgets


def _history(args: argparse.Namespace, monitoring: Any) -> Any:
    """What the instance recorded the partitions the EnsembleData and VCE forecasts read spent; None without
    an instance, or when it cannot be read (said, and the forecasts use their models)."""
    from pathlib import Path

    from tiktok_assets.cli.instance import collection_place
    from tiktok_assets.forecast import ensembledata, history, vce

    home = Path(args.dagster_home) if args.dagster_home else collection_place().home
    assets = ensembledata.history_assets(monitoring) + vce.history_assets(monitoring)
    try:
        return history.from_home(home, assets)
    except Exception as exc:  # noqa: BLE001 — a broken or unreachable instance must not stop the plan
        # The type only: a storage error may quote its connection URL, password included.
        print(f"plan: the instance at {home} could not be read ({type(exc).__name__}); no history is used")
        return None


def _evidence_note(evidence: Any) -> str:
    parts = []
    if evidence.probed:
        spent = ", ".join(f"{n} {bucket}" for bucket, n in evidence.probe_spent.items())
        parts.append(f"probe spent {spent} requests")
    parts.append(
        f"lake: {evidence.lake_days} stored day(s) of videos" if evidence.lake_days else "lake: no history"
    )
    return "; ".join(parts)
