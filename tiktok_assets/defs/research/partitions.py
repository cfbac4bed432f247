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

# Every day-partitioned asset (Research, EnsembleData, VCE) backfills a date range in ONE run: each process
# that runs a backfill pays a code-location load and Dagster's run start, so one run instead of one per 30 days
# is what brings a UI backfill near in-process speed (issue 14), and `dagster asset materialize
# --partition-range` accepts only single-run assets. Requests do not change: inside the run, a Research search
# is still one per ≤ ``planner.MAX_WINDOW_DAYS`` window (``planner.day_windows``), a VCE task one per day, an
# EnsembleData walk one per account over the run's days. Resume by lineage is per day, so a stopped 365-day
# run resumes where it stopped.
RANGE_POLICY = dg.BackfillPolicy.single_run()


def daily_partitions(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end, end_offset=DAILY_END_OFFSET)


def snapshot_partitions(start: date) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end_offset=SNAPSHOT_END_OFFSET)
