"""What the named VCE queries will spend over a window, before it runs.

Each query runs one task per UTC day, and a task returns at most its ``limit`` records; the VCE counts the
records a task returns. Three grounds, each line saying which it used:
- **the probe** (``plan --probe-vce``, ``forecast.vce_probe``): one task over the range returned the matches,
  and the daily tasks are replayed on them (``replay``): records and tasks counted, splits included;
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
from dataclasses import dataclass
from datetime import date, timedelta

from tiktok_assets.clock import day_span
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


@dataclass(frozen=True)
class Replayed:
    records: int
    tasks: int
    split: int  # tasks that returned their limit and were asked again in two halves


def replay(query: VceQuery, start: date, end: date, found: QueryProbe) -> Replayed:
    """The daily tasks of ``start``..``end`` as the assets run them (``defs/vce/tasks``), on the probe's matches:
    a task returns at most its limit; in the execution stage a window that returned its limit (the first
    matches only) is split in two and both halves are asked; in the test stage it is a sample, kept."""
    limit, sampled = query.spec.limit, STAGES[query.stage].sampled
    records = tasks = split = 0
    windows = [day_span(start + timedelta(days=i)) for i in range((end - start).days + 1)]
    while windows:
        lo, hi = windows.pop()
        n, tasks = found.matches(lo, hi), tasks + 1
        records += min(n, limit)
        if n >= limit and not sampled and hi - lo >= 2:
            middle = (lo + hi) // 2
            windows += [(lo, middle), (middle, hi)]
            split += 1
    return Replayed(records, tasks, split)


def _probed(query: VceQuery, start: date, end: date, found: QueryProbe) -> tuple[Replayed, str] | None:
    """The records the range's tasks will return, replayed on the probe's matches; None when the probe's own
    task reached its limit (more may match than it returned)."""
    if found.saturated:
        return None
    done = replay(query, start, end, found)
    split = f", {done.split} of them split at the limit of {query.spec.limit:,}" if done.split else ""
    cap = f", at most {query.spec.limit:,} a day" if STAGES[query.stage].sampled else ""
    return done, (
        f"{done.tasks} tasks on the {found.records:,} matches one task found{cap}{split} (--probe-vce spent "
        f"{found.records:,} records and {found.calls} RQS calls; {found.stage} stage"
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
        found = probe.get(query.name) if probe else None
        probed = _probed(query, start, end, found) if found else None
        if probed:
            (done, basis), spread = probed, 0
            records = done.records
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
        if probed and found:
            lines.append(ForecastLine(asset, API, "requests", done.tasks * found.calls,
                                      f"{done.tasks} tasks x {found.calls} RQS calls, what the probe's task took",
                                      stage.name))  # fmt: skip
        elif calls:
            lines.append(ForecastLine(asset, API, "requests", math.ceil(calls[0] * days),
                                      f"{days} tasks x {calls[0]:.2f} RQS calls, the mean of {calls[1]} recorded task day(s)",
                                      stage.name))  # fmt: skip
        else:
            lines.append(ForecastLine(asset, API, "requests", days * MIN_CALLS_PER_TASK,
                                      f"≥ {MIN_CALLS_PER_TASK} RQS calls × {days} tasks (create, status, result; "
                                      "more polls while running)", stage.name))  # fmt: skip
    return lines
