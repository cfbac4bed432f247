"""`tiktok-assets plan`: what a video collection will cost in Research API requests, before spending any.

Reads the monitoring config (``--config``; every named query) or an ad-hoc list (``--usernames``,
``--hashtags``, ``--keywords``), splits the range into ≤30-day windows and the lists into ``IN`` groups, and
prints the forecast of ``clients.planner.estimate_requests`` (see its docstring for the model).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

# Shown by `tiktok-assets plan --help` (plain text: the module docstring is for developers).
DESCRIPTION = """\
Forecast what a video collection will cost in Research API requests, before spending any.

Reads the monitoring config (--config: every named query) or an ad-hoc list (--usernames, --hashtags,
--keywords), splits the range into windows of at most 30 days and the lists into IN groups, and prints the
requests per window, the cost per search and the days of quota the collection needs.

  tiktok-assets plan --config tiktok_assets/monitoring.yaml --end 2026-06-13
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="forecast the Research API requests of a video collection",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="monitoring.yaml (default: none; use the list options)")
    p.add_argument("--start", help="first day (YYYY-MM-DD or YYYYMMDD); default: the config's start")
    p.add_argument(
        "--end",
        help="last day, inclusive; default: the config's end, else the last complete searchable day (48-hour lag)",
    )
    p.add_argument("--usernames", default="", help="comma-separated accounts")
    p.add_argument("--hashtags", default="", help="comma-separated hashtags")
    p.add_argument("--keywords", default="", help="comma-separated keywords")
    p.add_argument(
        "--videos-per-day",
        type=float,
        default=None,
        help="expected matching videos per day, per query (default: 5 per account/hashtag/keyword)",
    )
    p.add_argument("--in-size", type=int, default=100, help="values per IN condition")
    p.add_argument("--max-days", type=int, default=30, help="days per window (≤30)")
    p.add_argument("--max-count", type=int, default=100, help="videos per page")
    p.add_argument("--fill", type=float, default=1.0, help="expected page fill ratio (deleted/private drop)")
    p.add_argument("--error-rate", type=float, default=0.0, help="expected share of failed attempts")
    p.add_argument("--daily-budget", type=int, default=1000, help="video requests per UTC day")
    p.set_defaults(func=run)


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _searches(args: argparse.Namespace) -> tuple[list[tuple[str, int]], Any, Any]:
    """(name, values in that search) per search, and the config's dates (or None)."""
    from tiktok_assets.clients.planner import pack_in_conditions

    searches: list[tuple[str, int]] = []
    start = end = None
    if args.config:
        from tiktok_assets.config import load_monitoring

        mon = load_monitoring(args.config)
        start, end = mon.start_date, mon.end_date
        for q in mon.queries:
            values = sum(
                len(c.get("field_values", []))
                for part in q.query.values()
                for c in part
                if c.get("operation") == "IN"
            )
            searches.append((q.name, max(1, values)))
    for field, raw in (
        ("username", args.usernames),
        ("hashtag_name", args.hashtags),
        ("keyword", args.keywords),
    ):
        for i, cond in enumerate(pack_in_conditions(field, _split(raw), args.in_size)):
            searches.append((f"{field}[{i}]", len(cond["field_values"])))
    return searches, start, end


def run(args: argparse.Namespace) -> int:
    from tiktok_assets.clients.errors import InvalidInputError
    from tiktok_assets.clients.planner import as_date, estimate_requests, split_windows
    from tiktok_assets.clock import clock_now, last_complete_day

    try:
        searches, cfg_start, cfg_end = _searches(args)
        if not searches:
            raise InvalidInputError(
                "nothing to plan: give --config or --usernames/--hashtags/--keywords", parameter="--usernames"
            )
        start = as_date(args.start, "--start") if args.start else cfg_start
        if start is None:
            raise InvalidInputError("--start is required without --config", parameter="--start")
        end = as_date(args.end, "--end") if args.end else cfg_end or last_complete_day(clock_now())
        windows = split_windows(start, end, args.max_days)
    except (InvalidInputError, ValueError) as exc:
        print(f"plan: {exc}")
        return 2
    print(
        f"range {start} .. {end}: {sum(w.days for w in windows)} days in {len(windows)} window(s) of ≤{args.max_days}"
    )
    print(f"{'search':<28}{'values':>8}{'videos/day':>12}{'videos':>10}{'requests':>10}")
    total = 0
    total_videos = 0.0
    for name, values in searches:
        vpd = args.videos_per_day if args.videos_per_day is not None else 5.0 * values
        f = estimate_requests(
            start,
            end,
            videos_per_day=vpd,
            max_count=args.max_count,
            fill=args.fill,
            max_days=args.max_days,
            error_rate=args.error_rate,
            daily_budget=args.daily_budget,
        )
        total += f.requests
        total_videos += f.expected_videos
        print(f"{name:<28}{values:>8}{vpd:>12.1f}{f.expected_videos:>10,.0f}{f.requests:>10,}")
    days = math.ceil(total / args.daily_budget) if total else 0
    print(f"{'total':<28}{'':>8}{'':>12}{total_videos:>10,.0f}{total:>10,}")
    print(
        f"quota: {total:,} video requests = {days} day(s) at {args.daily_budget:,}/day "
        "(comments, if collected, share this budget; retries not included)"
    )
    return 0
