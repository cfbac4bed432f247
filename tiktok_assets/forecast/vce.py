"""What the named VCE queries will spend over a window, before it runs.

Each query runs one task per UTC day, and a task returns at most its ``limit`` records; the VCE counts the
records a task returns. Three grounds, each line saying which it used:
- **the probe** (``plan --probe-vce``, ``forecast.vce_probe``): one task over the range returned each day's
  matches, so the records are counted (a test-stage day at most its limit);
- **history** (``forecast.history``): the instance's record of each stored day's task (``task_records``,
  ``task_requests``). A window costs the mean of the recorded days per day, ± the
  range the recorded days' variation gives (``ForecastLine.spread``): how many videos a query matches is only
  known by asking, but a query's daily matches vary as earlier days showed.
- **the bound**, with no history: ``days × limit`` records — also what the assets reserve against the test
  stage's 5,000 records a day before creating a task, so the figure says how many days of the test stage a
  window needs at most — and at least a create, a status poll and a result read per task (more polls while a
  task runs; an execution-stage day whose result reaches the limit is split and asked again).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

from tiktok_assets.config import Monitoring, VceQuery
from tiktok_assets.endpoints.vce import STAGES
from tiktok_assets.forecast.history import History
from tiktok_assets.forecast.line import ForecastLine
from tiktok_assets.forecast.vce_probe import QueryProbe

API = "vce"
MIN_CALLS_PER_TASK = 3  # create_query_task, check_query_task_status (Completed), get_query_task_result


def asset_name(query: VceQuery) -> str:
    return f"{API}/{query.name}"


def history_assets(monitoring: Monitoring) -> list[str]:
    """The assets whose recorded figures this forecast reads (``forecast.history``)."""
    return [asset_name(q) for q in monitoring.vce_queries]


def _probed(query: VceQuery, start: date, end: date, found: QueryProbe) -> tuple[int, str] | None:
    """Records the range's daily tasks will return, from the probe's matches per day: each day's at most the
    query's limit in the test stage (a sample), all of them in the execution stage (a day at its limit is
    split and asked again). None when the probe's task reached its own limit (more may match)."""
    if found.saturated:
        return None
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    cap = query.spec.limit if STAGES[query.stage].sampled else None
    per_day = [found.matches.get(d, 0) for d in days]
    records = sum(min(n, cap) for n in per_day) if cap is not None else sum(per_day)
    return records, (
        f"the {found.records:,} matches of {start}..{end} one task found{f', at most {cap:,} a day' if cap else ''} "
        f"(--probe-vce spent {found.records:,} records and {found.calls} RQS calls; {found.stage} stage"
    )  # closed with the stage's allowance below


def forecast(
    monitoring: Monitoring, start: date, end: date, *, history: History | None = None,
    probe: Mapping[str, QueryProbe] | None = None,
) -> list[ForecastLine]:  # fmt: skip
    """Per named VCE query: records and RQS requests for ``start..end``, from a probe, history or bounded."""
    days = (end - start).days + 1
    if days <= 0:
        return []
    history = history or History()
    lines: list[ForecastLine] = []
    for query in monitoring.vce_queries:
        asset, stage = asset_name(query), STAGES[query.stage]
        recorded, spread = history.mean(asset, "task_records"), history.spread(asset, "task_records", days)
        probed = _probed(query, start, end, probe[query.name]) if probe and query.name in probe else None
        if probed:
            (records, basis), spread = probed, 0
        elif recorded:
            # A test-stage task returns at most its limit (a sample); an execution-stage day at its limit is
            # split and asked again, so its records may exceed the limit.
            per_day = min(recorded[0], query.spec.limit) if stage.sampled else recorded[0]
            n = recorded[1]
            records = math.ceil(per_day * days)
            basis = f"{days} days x {per_day:,.1f} records a day, the mean of {n} recorded day(s) ({stage.name} stage"
        else:
            records = days * query.spec.limit
            basis = f"at most {query.spec.limit:,} records × {days} daily tasks ({stage.name} stage"
        if stage.daily_records:
            need = math.ceil(records / stage.daily_records)
            basis += f": {stage.daily_records:,} records a day, so up to {need} day(s) of its allowance"
        lines.append(ForecastLine(asset, API, "records", records, basis + ")", stage.name, spread))
        calls = history.mean(asset, "task_requests")
        if calls:
            lines.append(ForecastLine(asset, API, "requests", math.ceil(calls[0] * days),
                                      f"{days} tasks x {calls[0]:.2f} RQS calls, the mean of {calls[1]} recorded task day(s)",
                                      stage.name))  # fmt: skip
        else:
            lines.append(ForecastLine(asset, API, "requests", days * MIN_CALLS_PER_TASK,
                                      f"≥ {MIN_CALLS_PER_TASK} RQS calls × {days} tasks (create, status, result; "
                                      "more polls while running)", stage.name))  # fmt: skip
    return lines
