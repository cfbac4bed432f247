"""The Research group's time partitions (the dynamic account partitions are shared: ``defs.monitoring``).

- ``daily_partitions``: UTC days of video ``create_time``. At time ``now`` the last *complete* searchable day
  is ``clock.last_complete_day(now)`` = ``date(now - 48h) - 1 day``: a video created at D 23:59 is searchable
  from D+2 23:59, so day D is complete only from D+3 00:00. ``end_offset=-2`` makes that day the last
  partition: day D exists (and the 02:00 schedule tick collects it) on D+3. With ``-1`` the D+2 02:00 tick
  collected day D missing ~22 hours of its videos, and the partition, marked done, was never fetched again.
- ``snapshot_partitions``: the collection day of live data (user info), today included.

Counts stay far under Dagster's recommended ~25k–100k per asset: 1,000 accounts x 3 years is 1,095 daily
partitions for day assets and 1,000 account partitions for account assets — never days x accounts.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

# The last partition at day X is X-3 (= last_complete_day at any time of day X). 0 would be X-1.
DAILY_END_OFFSET = -2


def daily_partitions(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        end_date=(end + timedelta(days=1)).isoformat() if end else None,
        end_offset=DAILY_END_OFFSET,
        timezone="UTC",
    )


def snapshot_partitions(start: date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1, timezone="UTC")
