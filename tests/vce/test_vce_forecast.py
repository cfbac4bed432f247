"""The VCE forecast: the records a window may spend (days × limit, the bound the assets reserve against the
stage's daily cap) and the fewest RQS calls it takes."""

from __future__ import annotations

from datetime import date

from tiktok_assets import config
from tiktok_assets.clock import day_span
from tiktok_assets.config import load_monitoring
from tiktok_assets.forecast.history import History
from tiktok_assets.forecast.vce import forecast
from tiktok_assets.forecast.vce_probe import QueryProbe


def test_records_and_requests_per_query_over_a_window() -> None:
    m = load_monitoring(config.DEFAULT_PATH, today=date(2026, 6, 15))
    lines = forecast(m, date(2026, 5, 14), date(2026, 6, 12))  # 30 days
    by = {(line.asset, line.unit): line for line in lines}
    assert {line.api for line in lines} == {"vce"}
    assert set(by) == {(f"vce/{q.name}", unit) for q in m.vce_queries for unit in ("records", "requests")}
    for q in m.vce_queries:
        assert by[(f"vce/{q.name}", "records")].amount == 30 * q.spec.limit
        assert by[(f"vce/{q.name}", "requests")].amount == 30 * 3
    test_stage = next(q for q in m.vce_queries if q.stage == "test")
    # 30 × 100 = 3,000 of the test stage's 5,000 a day: one day of its allowance.
    assert "up to 1 day(s)" in by[(f"vce/{test_stage.name}", "records")].basis


def test_a_window_beyond_a_days_allowance_says_so_and_an_empty_window_costs_nothing() -> None:
    m = load_monitoring(config.DEFAULT_PATH, today=date(2026, 6, 15))
    test_stage = next(q for q in m.vce_queries if q.stage == "test")
    year = {
        line.asset: line
        for line in forecast(m, date(2025, 6, 13), date(2026, 6, 12))
        if line.unit == "records"
    }
    assert year[f"vce/{test_stage.name}"].amount == 365 * 100
    assert "up to 8 day(s)" in year[f"vce/{test_stage.name}"].basis  # 36,500 / 5,000 a day
    assert forecast(m, date(2026, 6, 2), date(2026, 6, 1)) == []


def test_recorded_days_replace_the_bound() -> None:
    m = load_monitoring(config.DEFAULT_PATH, today=date(2026, 6, 15))
    sampled = next(q for q in m.vce_queries if q.stage == "test")
    first_matches = next(q for q in m.vce_queries if q.stage == "execution")
    days = {f"2026-05-{d:02d}": d for d in (10, 11, 12)}
    recorded = History(
        {
            f"vce/{first_matches.name}": {
                k: {"task_records": 10 + 2 * (d - 10), "task_requests": 5} for k, d in days.items()
            },
            f"vce/{sampled.name}": {
                k: {"task_records": 3 * sampled.spec.limit, "task_requests": 7} for k in days
            },
        }
    )
    by = {
        (line.asset, line.unit): line
        for line in forecast(m, date(2026, 6, 1), date(2026, 6, 2), history=recorded)
    }
    # mean 12 a day, s.d. 2 over 3 days: 2 x 2 x sqrt(2 x (1 + 2/3)) = 7.3 -> ±8
    line = by[(f"vce/{first_matches.name}", "records")]
    assert (line.amount, line.spread) == (24, 8)
    assert by[(f"vce/{first_matches.name}", "requests")].amount == 10
    assert (
        by[(f"vce/{sampled.name}", "records")].amount == 2 * sampled.spec.limit
    )  # a sample stops at its limit
    assert all("recorded" in line.basis for line in by.values())


def test_an_execution_stage_day_split_at_its_limit_may_exceed_it() -> None:
    m = load_monitoring(config.DEFAULT_PATH, today=date(2026, 6, 15))
    query = next(q for q in m.vce_queries if q.stage == "execution")
    recorded = History({f"vce/{query.name}": {"2026-05-10": {"task_records": 3 * query.spec.limit}}})
    lines = forecast(m, date(2026, 6, 1), date(2026, 6, 1), history=recorded)
    assert next(
        line for line in lines if line.asset == f"vce/{query.name}" and line.unit == "records"
    ).amount == (3 * query.spec.limit)


def test_a_probe_is_replayed_as_the_daily_tasks_and_a_saturated_probe_is_not_used() -> None:
    """The probe's matches become the daily tasks' records: a test-stage day at most the query's limit (its task
    returns a sample of that many); an execution-stage window that returns its limit is split in two and both
    halves asked, so 2,500 matches spread over a day at a limit of 1,000 cost 1,000 + 2 x 1,000 + 4 x 625.
    A probe whose task returned its own limit may have missed matches: the line falls back to the bound."""
    m = load_monitoring(config.DEFAULT_PATH, today=date(2026, 6, 15))
    first, last = date(2026, 6, 1), date(2026, 6, 2)
    test_stage = next(q for q in m.vce_queries if q.stage == "test")
    execution = next(q for q in m.vce_queries if q.stage == "execution")
    assert execution.spec.limit == 1_000
    start, second = day_span(first)

    def spread(n: int, lo: int, hi: int) -> list[int]:
        return [lo + (hi - lo) * i // n for i in range(n)]

    busy = spread(test_stage.spec.limit + 40, start, second) + spread(7, second, second + 86_400)
    probe = {
        test_stage.name: QueryProbe(busy, 4, 5_000, "test"),
        execution.name: QueryProbe(spread(2_500, start, second) + spread(10, second, second + 86_400), 4,
                                   100_000, "execution"),
    }  # fmt: skip
    lines = forecast(m, first, last, probe=probe)
    by = {line.asset: line for line in lines if line.unit == "records"}
    assert by[f"vce/{test_stage.name}"].amount == test_stage.spec.limit + 7
    assert by[f"vce/{execution.name}"].amount == 1_000 + 2 * 1_000 + 4 * 625 + 10
    assert all("--probe-vce" in line.basis and line.spread == 0 for line in by.values())
    calls = {line.asset: line.amount for line in lines if line.unit == "requests"}
    assert calls[f"vce/{execution.name}"] == (7 + 1) * 4 and calls[f"vce/{test_stage.name}"] == 2 * 4
    saturated = {test_stage.name: QueryProbe(spread(200, start, second), 4, 200, "test")}
    (line,) = [x for x in forecast(m, first, last, probe=saturated)
               if x.unit == "records" and x.asset.endswith(test_stage.name)]  # fmt: skip
    assert (
        "--probe-vce" not in line.basis and line.amount == 2 * test_stage.spec.limit
    )  # the bound, as without
