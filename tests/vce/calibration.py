"""The plan's VCE records forecast over many windows of the sandbox's truth; shared by the calibration test
(tests/vce/test_forecast_calibration.py) and the benchmark (benchmarks/forecast_calibration.py).

Every day of 2026-01-01..10-29 (the small world's first day to the last archived one at ``NOW``) is asked
once through ``/_sandbox/truth/vce/<category>`` with each of the shipped monitoring.yaml's queries and the
day's ``create_time`` window: the records that day's task returns (a test-stage sample stops at the limit).
Then the forecast code itself (``forecast.vce`` over a ``forecast.history.History``) forecasts every planned
window from the ``history`` days before it, as ``tiktok-assets plan`` does from the instance.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from tiktok_assets.config import load_monitoring
from tiktok_assets.endpoints.vce import STAGES
from tiktok_assets.forecast import vce as vce_forecast
from tiktok_assets.forecast.history import History
from tiktok_assets.sandbox.testing import running_sandbox
from tiktok_assets.sandbox.world.model import day_start

NOW = "2026-11-01T12:00:00Z"
FIRST, LAST = date(2026, 1, 1), date(2026, 10, 29)
# Every window keeps this many days before it, so each history length forecasts the same windows.
LONGEST_HISTORY = 120
TOTAL = "all queries"
Records = dict[str, dict[date, int]]  # asset → day → records


@dataclass(frozen=True)
class Scored:
    forecast: int
    # The stated ±; for several queries the root of the sum of squares, as if they were independent.
    spread: float
    actual: int

    @property
    def error(self) -> float:
        return (self.forecast - self.actual) / self.actual

    @property
    def inside(self) -> bool:
        return abs(self.forecast - self.actual) <= self.spread


def daily_records() -> Records:
    """Each shipped VCE query's records per day, from the sandbox's truth."""
    days = [FIRST + timedelta(n) for n in range((LAST - FIRST).days + 1)]
    out: Records = {}
    with running_sandbox(now=NOW) as sandbox:
        for query in load_monitoring().vce_queries:
            spec = query.spec
            cap = spec.limit if STAGES[query.stage].sampled else None
            per_day = {}
            for day in days:
                window = {"operator": "and", "conditions": [
                    {"field": "create_time", "operator": "GTE", "field_values": [str(day_start(day))]},
                    {"field": "create_time", "operator": "LT", "field_values": [str(day_start(day + timedelta(1)))]}]}  # fmt: skip
                keys = sandbox.truth(
                    "vce", spec.category, {"condition_groups": [*spec.condition_groups, window]}
                )
                per_day[day] = min(len(keys), cap) if cap else len(keys)
            out[vce_forecast.asset_name(query)] = per_day
    return out


def windows(planned: int) -> list[tuple[date, date]]:
    """Every planned window, a day apart (so they overlap), with ``LONGEST_HISTORY`` days before it."""
    first = FIRST + timedelta(LONGEST_HISTORY)
    starts = (first + timedelta(n) for n in range((LAST - first).days + 1))
    return [(d, d + timedelta(planned - 1)) for d in starts if d + timedelta(planned - 1) <= LAST]


def score(records: Records, planned: int, history: int | None) -> dict[str, list[Scored]]:
    """Per asset and for all together, each window's forecast from the ``history`` days before it (None: from
    every day of the truth, the oracle that knows the long-run rate)."""
    monitoring = load_monitoring()
    out: dict[str, list[Scored]] = {TOTAL: []}
    for start, end in windows(planned):
        recorded = History()
        for asset, per_day in records.items():
            days = {
                d: n for d, n in per_day.items() if history is None or start - timedelta(history) <= d < start
            }
            recorded.recorded[asset] = {d.isoformat(): {"task_records": n} for d, n in days.items()}
        lines = vce_forecast.forecast(monitoring, start, end, history=recorded)
        scored = []
        for line in (line for line in lines if line.unit == "records"):
            actual = sum(n for d, n in records[line.asset].items() if start <= d <= end)
            scored.append(Scored(line.amount, line.spread, actual))
            out.setdefault(line.asset, []).append(scored[-1])
        out[TOTAL].append(Scored(sum(s.forecast for s in scored), math.sqrt(sum(s.spread**2 for s in scored)),
                                 sum(s.actual for s in scored)))  # fmt: skip
    return out


@dataclass(frozen=True)
class Structure:
    """What a query's days could offer a forecast beyond their mean."""

    dispersion: float  # variance / mean; a Poisson count's is 1
    next_day_correlation: float
    weekday_means: tuple[float, ...]  # Monday first
    weekday_standard_error: float  # of one weekday's mean, were the days Poisson at the overall rate


def structure(per_day: dict[date, int]) -> Structure:
    days = sorted(per_day)
    xs = [per_day[d] for d in days]
    mean, var = statistics.mean(xs), statistics.variance(xs)
    lag1 = sum((a - mean) * (b - mean) for a, b in itertools.pairwise(xs)) / ((len(xs) - 1) * var)
    weekdays = tuple(statistics.mean(per_day[d] for d in days if d.weekday() == k) for k in range(7))
    return Structure(var / mean, lag1, weekdays, math.sqrt(mean / (len(xs) / 7)))


def poisson_within(rate: float, share: float = 0.1) -> float:
    """How often a Poisson count of mean ``rate`` lands within ``share`` of it: the best a forecast of the rate
    can do when the days are Poisson."""
    lo, hi = math.ceil(rate * (1 - share)), math.floor(rate * (1 + share))
    return sum(math.exp(k * math.log(rate) - rate - math.lgamma(k + 1)) for k in range(lo, hi + 1))
