"""Every PartitionsDefinition of the project, in one place.

- ``daily_partitions``: UTC days of video ``create_time``. ``end_offset=-1`` because the Research API only
  returns a day's videos ~48 hours later: day D exists (and its schedule tick fires) on D+2.
- ``snapshot_days``: the collection day of live data (user info), today included.
- dynamic ``accounts`` / ``hashtags`` / ``keywords``: follow monitoring.yaml through
  ``automation.monitoring_partitions_sensor`` (adding an account to the file adds its partition).

Counts stay far under Dagster's recommended ~25k–100k per asset: 1,000 accounts x 3 years is 1,095 daily
partitions for day assets and 1,000 account partitions for account assets — never days x accounts.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from tiktok_assets.config import Monitoring, load_monitoring

ACCOUNTS = "accounts"
HASHTAGS = "hashtags"
KEYWORDS = "keywords"

# Research API archive lag: content of day D is searchable from D+2 (reference/research-api.md).
ARCHIVE_LAG_DAYS = 2


def daily_partitions(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        end_date=(end + timedelta(days=1)).isoformat() if end else None,
        end_offset=1 - ARCHIVE_LAG_DAYS,  # -1: the last partition at day X is X-2
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
