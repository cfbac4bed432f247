"""The plan's VCE records forecast, judged over every 15-day window of 2026-05..10 in the sandbox's truth
(``calibration``): it is unbiased, its stated ~95% range holds the window's records as often as it says,
more history brings it closer, and even a forecast that knew the long-run rate exactly misses 10% on some
windows — which is why the plan states a range for these lines instead of promising 10%. Nor do the days
offer anything beyond their mean to forecast from: they vary as a Poisson count does."""

from __future__ import annotations

import statistics

import pytest
from calibration import TOTAL, Records, daily_records, poisson_within, score, structure

PLANNED = 15
HISTORIES = (15, 30, 60, 120)


@pytest.fixture(scope="module")
def records() -> Records:
    return daily_records()


def test_the_stated_range_holds_the_outcome_as_often_as_it_says(records: Records) -> None:
    for history in HISTORIES:
        for asset, scored in score(records, PLANNED, history).items():
            if asset == TOTAL:
                continue
            inside = sum(s.inside for s in scored) / len(scored)
            assert inside >= 0.9, (history, asset, inside)  # ~95% stated; windows overlap, so they share luck
            assert all(0 < s.spread < s.forecast for s in scored), (history, asset)


def test_the_forecast_is_unbiased_and_more_history_brings_it_closer(records: Records) -> None:
    by_history = {h: score(records, PLANNED, h) for h in HISTORIES}
    for asset in records:
        for history, scored in by_history.items():
            assert abs(statistics.mean(s.error for s in scored[asset])) < 0.03, (asset, history)
        shortest, longest = (statistics.mean(abs(s.error) for s in by_history[h][asset]) for h in (15, 120))
        assert longest < shortest, (asset, longest, shortest)


def test_no_forecast_holds_every_window_within_10_percent(records: Records) -> None:
    oracle = score(records, PLANNED, None)  # the mean of every day of the truth: the long-run rate itself
    missed = {asset: sum(abs(s.error) > 0.1 for s in scored) for asset, scored in oracle.items()}
    assert missed["vce/pet_mentions"] > 0, missed  # the window's own day-to-day variation


def test_the_days_vary_as_a_poisson_count_with_nothing_else_to_forecast_from(records: Records) -> None:
    """No trend, weekday pattern or run of busy days for a better model to use: only the rate, whose count
    misses 10% of itself on a share of 15-day windows that no forecast can shrink."""
    for asset, per_day in records.items():
        shape = structure(per_day)
        assert 0.75 < shape.dispersion < 1.3, (asset, shape)
        assert abs(shape.next_day_correlation) < 0.15, (asset, shape)
        overall = statistics.mean(per_day.values())
        assert all(abs(m - overall) < 3 * shape.weekday_standard_error for m in shape.weekday_means), (
            asset,
            shape,
        )
        assert poisson_within(PLANNED * overall) < 0.9, asset
