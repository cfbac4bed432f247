"""Spend per day of a range run: each page's units and requests shared among the days its rows belong to.

One walk per account covers every day of a backfill range, so a page's cost belongs to several days: it is
shared in proportion to the page's rows of each day (a page with none — the overshoot past the window, an
empty answer — goes to the window's first day, the day that walk was finishing). Largest-remainder rounding
keeps the per-day figures whole and summing exactly to what the run spent. A failed call's attempts
(``ApiError.attempts``) are a cost like any page's, so the days add up to the run's summary.

The units of the call from the top that an old window's user posts need for their pinned posts are also kept
apart (``pinned_units``): they depend on how old the window is, not on the days' posts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol


class Cost(Protocol):
    requests: int
    units: int


class DaySpend:
    def __init__(self, days: Sequence[date]) -> None:
        self.days = list(days)
        self._units: dict[date, float] = dict.fromkeys(self.days, 0.0)
        self._requests: dict[date, float] = dict.fromkeys(self.days, 0.0)
        self._pinned: dict[date, float] | None = None  # None: no pinned-post call was made or planned

    def add(self, rows_by_day: Mapping[date, int], cost: Cost, *, pinned: bool = False) -> None:
        weights = {d: n for d, n in rows_by_day.items() if n > 0 and d in self._units}
        if not weights:
            weights = {self.days[0]: 1}
        total = sum(weights.values())
        for day, n in weights.items():
            self._units[day] += cost.units * n / total
            self._requests[day] += cost.requests * n / total
            if pinned:
                self.track_pinned()[day] += cost.units * n / total

    def track_pinned(self) -> dict[date, float]:
        """Start recording ``pinned_units`` (0 on every day until a pinned-post call is added)."""
        if self._pinned is None:
            self._pinned = dict.fromkeys(self.days, 0.0)
        return self._pinned

    def per_day(self) -> dict[date, dict[str, int]]:
        requests = _whole(self._requests)
        if self._pinned is None:
            units = _whole(self._units)
            return {d: {"units_spent": units[d], "requests_spent": requests[d]} for d in self.days}
        # rounded apart, so that no day's pinned share exceeds its units
        pinned = _whole(self._pinned)
        walked = _whole({d: self._units[d] - self._pinned[d] for d in self.days})
        return {
            d: {
                "units_spent": walked[d] + pinned[d],
                "requests_spent": requests[d],
                "pinned_units": pinned[d],
            }
            for d in self.days
        }


def _whole(shares: Mapping[date, float]) -> dict[date, int]:
    """Round shares to integers that still sum to the (integer) total: largest remainders get the rest."""
    floors = {d: math.floor(v + 1e-9) for d, v in shares.items()}
    rest = round(sum(shares.values())) - sum(floors.values())
    for day in sorted(shares, key=lambda d: floors[d] - shares[d])[: max(rest, 0)]:
        floors[day] += 1
    return floors
