"""The EnsembleData group's time partitions (the dynamic ones — accounts, hashtags, keywords, music — are
shared: ``defs.monitoring``).

- ``posted_days``: UTC days of a post's ``create_time`` (user posts, their comments). EnsembleData reads
  TikTok live, with no archive lag, so day D is complete once it is over: the last partition is yesterday
  (``end_offset=0``), and the daily schedule collects it at 01:00 UTC.
- ``collection_days``: the UTC day something was observed (profiles, sound details, post statistics, units),
  today included: live data, so a partition holds what the API said that day.

Both end at the backend clock (``collect.partitions``), as Research's do: a fixed sandbox clock ahead of or
behind the wall has exactly its own days.

Counts: 3 years are 1,095 partitions per time-partitioned asset; the "about X" assets have one partition per
account / hashtag / keyword / sound — never days x entities.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from tiktok_assets.collect import partitions


def posted_days(start: date, end: date | None = None) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end, end_offset=0)  # yesterday


def collection_days(start: date) -> dg.DailyPartitionsDefinition:
    return partitions.daily_partitions(start, end_offset=1)  # today
