"""Daily partitions whose last day follows the backend clock (``tiktok_assets.clock``), for every source.

Dagster ends a time partitions definition at *its* current time, the wall clock: ``end_offset=k`` makes the
last partition ``today - 1 + k``. That is right when the backend is the real API. Under a fixed clock (the
sandbox in the demo, benchmarks, tests) the backend's day can be months before or after the wall's, and the
wall clock would cut or stretch the range: a 365-day backfill ending in 2027 became 332 days on 2026-12-01.
So under a fixed clock the definition gets an explicit end, ``clock day - 1 + k`` (inclusive), and an
``end_offset`` large enough that the wall clock never cuts it (Dagster's end is the earlier of the two).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from tiktok_assets.clock import clock_now, fixed_now


def last_day(end_offset: int, end: date | None = None) -> date:
    """The last partition at the backend clock: ``clock day - 1 + end_offset``, never after ``end``."""
    last = clock_now().date() + timedelta(days=end_offset - 1)
    return min(last, end) if end else last


def daily_partitions(
    start: date, end: date | None = None, *, end_offset: int = 0
) -> dg.DailyPartitionsDefinition:
    """UTC days from ``start`` to ``last_day(end_offset, end)`` (``end`` inclusive, optional)."""
    fixed = fixed_now()
    if fixed is None:  # the wall clock is the backend's: let Dagster move the end as days pass
        return dg.DailyPartitionsDefinition(
            start_date=start.isoformat(),
            end_date=(end + timedelta(days=1)).isoformat() if end else None,
            end_offset=end_offset,
            timezone="UTC",
        )
    last = last_day(end_offset, end)
    # Enough partitions past the wall's today to reach `last` from any wall day since `start`; the offset is
    # the span, so it stays the same in every process that loads the code location under this clock.
    wall_today = datetime.now(UTC).date()  # Dagster's own "now", deliberately: it is what could cut the end
    reach = (last - min(start, wall_today)).days + 1
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        end_date=(last + timedelta(days=1)).isoformat(),
        end_offset=max(end_offset, reach),
        timezone="UTC",
    )
