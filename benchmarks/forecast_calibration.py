"""How close can the plan's forecast of a VCE query's records come, and does its stated range hold?

A query's daily matches are only known by asking; the plan forecasts a window as ``days`` x the mean of the
recorded days, ± the ~95% range their variation gives (``forecast.history``, ``forecast.vce``). This runs that
forecast code over every window of the sandbox's truth for 2026-05-01..10-29 (the shipped monitoring.yaml's
queries; ``tests/vce/calibration.py``) from 15 to 120 recorded days, and prints how often it lands within 10%
of the window's records and how often inside its stated range.

Baseline in the same run: the **oracle**, the mean of all 302 days of the truth x ``days``: a forecast that
knows the long-run rate exactly. What it still misses is the window's own day-to-day variation, which no
forecast from past days can remove. Windows start a day apart, so neighbours share most of their days.
Above the table, per query: whether the days hold anything more to forecast from (dispersion against a Poisson
count's, the correlation of a day with the next, the weekday means), and how often a Poisson count of the same
rate lands within 10% of its mean, the best a forecast of the rate can do.

Run: .venv/bin/python benchmarks/forecast_calibration.py [--planned 15 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "vce"))

from calibration import daily_records, poisson_within, score, structure  # noqa: E402

HISTORIES = (15, 30, 60, 120)


def table(records: dict, planned_lengths: list[int]) -> None:
    for asset, per_day in records.items():
        values = list(per_day.values())
        print(f"{asset}: {statistics.mean(values):.1f} records a day, s.d. {statistics.stdev(values):.1f}, "
              f"{min(values)} to {max(values)}, over {len(values)} days")  # fmt: skip
        shape = structure(per_day)
        print(f"  variance/mean {shape.dispersion:.2f} (Poisson: 1.00), next-day correlation "
              f"{shape.next_day_correlation:+.2f}, weekday means {min(shape.weekday_means):.1f} to "
              f"{max(shape.weekday_means):.1f}")  # fmt: skip
        for planned in planned_lengths:
            rate = planned * statistics.mean(values)
            print(f"  a Poisson count of the same rate lands within 10% of it in {poisson_within(rate):.1%} "
                  f"of {planned}-day windows")  # fmt: skip
    print()
    print(f"{'planned':>7} {'history':>8} {'lines':<18} {'windows':>7} {'mean |err|':>10} {'ratio':>6} "
          f"{'mean err':>8} {'within 10%':>10} {'in ± range':>10}")  # fmt: skip
    for planned in planned_lengths:
        oracle = score(records, planned, None)
        base = {lines: statistics.mean(abs(s.error) for s in scored) for lines, scored in oracle.items()}
        for label, history in [("oracle", None)] + [(f"{h} days", h) for h in HISTORIES]:
            for lines, scored in (oracle if history is None else score(records, planned, history)).items():
                n, err = len(scored), statistics.mean(abs(s.error) for s in scored)
                within, inside = sum(abs(s.error) <= 0.1 for s in scored), sum(s.inside for s in scored)
                print(f"{planned:>7} {label:>8} {lines:<18} {n:>7} {err:>10.1%} {err / base[lines]:>6.2f} "
                      f"{statistics.mean(s.error for s in scored):>+8.1%} {within:>5}/{n:<4} {inside:>5}/{n:<4}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--planned", type=int, nargs="+", default=[15, 30], help="planned window lengths in days"
    )
    table(daily_records(), parser.parse_args().planned)


if __name__ == "__main__":
    main()
