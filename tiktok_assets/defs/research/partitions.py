"""The Research group's time partitions (the dynamic account partitions are shared: ``defs.monitoring``).

- ``daily_partitions``: UTC days of video ``create_time``. At time ``now`` the last *complete* searchable day
  is ``clock.last_complete_day(now)`` = ``date(now - 48h) - 1 day``: a video created at D 23:59 is searchable
  from D+2 23:59, so day D is complete only from D+3 00:00. ``end_offset=-2`` makes that day the last
  partition: day D exists (and the 02:00 schedule tick collects it) on D+3. With ``-1`` the D+2 02:00 tick
  collected day D missing ~22 hours of its videos, and the partition, marked done, was never fetched again.
- ``snapshot_partitions``: the collection day of live data (user info), today included.

Both end at the backend clock (``collect.partitions``), so a fixed sandbox clock before or after the wall
clock has exactly its own days. Counts stay far under Dagster's recommended ~25k–100k per asset: 1,000
accounts x 3 years is 1,095 daily partitions for day assets and 1,000 account partitions for account assets
— never days x accounts.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from tiktok_assets.collect import partitions

# The last partition at day X is X-3 (= last_complete_day at any time of day X). 0 would be X-1.
DAILY_END_OFFSET = -2
SNAPSHOT_END_OFFSET = 1  # today


def daily_partitions(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end, end_offset=DAILY_END_OFFSET)


def snapshot_partitions(start: date) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end_offset=SNAPSHOT_END_OFFSET)
