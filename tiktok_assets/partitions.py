"""Every PartitionsDefinition of the project, in one place.

- ``daily_partitions``: UTC days of video ``create_time``. The Research API only returns a video ~48 hours after
  it was created, so at time ``now`` the last *complete* searchable day is ``date(now - 48h) - 1 day``
  (``last_complete_day``): a video created at D 23:59 is searchable from D+2 23:59, so day D is complete only
  from D+3 00:00. ``end_offset=-2`` makes that day the last partition: day D exists (and the 02:00 schedule
  tick collects it) on D+3. With ``-1`` the D+2 02:00 tick collected day D missing ~22 hours of its videos,
  and the partition, marked done, was never fetched again.
- ``snapshot_days``: the collection day of live data (user info), today included.
- dynamic ``accounts`` / ``hashtags`` / ``keywords``: follow monitoring.yaml through
  ``automation.monitoring_partitions_sensor`` (adding an account to the file adds its partition).

Counts stay far under Dagster's recommended ~25k–100k per asset: 1,000 accounts x 3 years is 1,095 daily
partitions for day assets and 1,000 account partitions for account assets — never days x accounts.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from tiktok_assets.config import Monitoring, load_monitoring

ACCOUNTS = "accounts"
HASHTAGS = "hashtags"
KEYWORDS = "keywords"

# Research API archive lag: a video is searchable 48 hours after its create_time (reference/research-api.md).
ARCHIVE_LAG = timedelta(hours=48)
# The last partition at day X is X-3 (= last_complete_day at any time of day X). 0 would be X-1.
DAILY_END_OFFSET = -2
# Set by `tiktok-assets demo` to the sandbox's fixed clock; unset (the default), "now" is the wall clock.
CLOCK_ENV = "TIKTOK_CLOCK_NOW"


def clock_now() -> datetime:
    """The instant the collection runs at: ``$TIKTOK_CLOCK_NOW`` (ISO 8601, e.g. a sandbox's fixed clock) when
    set, else the wall clock. UTC, whole seconds."""
    raw = os.environ.get(CLOCK_ENV)
    now = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def last_complete_day(now: datetime) -> date:
    """The last UTC day whose every video is already searchable at ``now``: ``date(now - 48h) - 1 day``."""
    return (now.astimezone(UTC) - ARCHIVE_LAG).date() - timedelta(days=1)


def daily_partitions(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        end_date=(end + timedelta(days=1)).isoformat() if end else None,
        end_offset=DAILY_END_OFFSET,
        timezone="UTC",
    )


def snapshot_partitions(start: date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1, timezone="UTC")


accounts_partitions = dg.DynamicPartitionsDefinition(name=ACCOUNTS)
hashtags_partitions = dg.DynamicPartitionsDefinition(name=HASHTAGS)
keywords_partitions = dg.DynamicPartitionsDefinition(name=KEYWORDS)


def dynamic_keys(monitoring: Monitoring) -> dict[str, tuple[str, ...]]:
    """What each dynamic partitions definition should contain according to the file."""
    return {ACCOUNTS: monitoring.accounts, HASHTAGS: monitoring.hashtags, KEYWORDS: monitoring.keywords}


# The default monitoring file decides the time partitions' start (a bad file fails the load, naming the key).
MONITORING = load_monitoring()
daily = daily_partitions(MONITORING.start_date, MONITORING.end_date)
snapshot_days = snapshot_partitions(MONITORING.start_date)
