"""The one clock every date decision reads, and the Research API's archive lag.

``clock_now()`` is ``$TIKTOK_CLOCK_NOW`` when set (the demo sets it to the sandbox's fixed clock), else the
wall clock. The last *complete* searchable day follows from it: the Research API returns a video ~48 hours
after it was created, so at ``now`` the last day whose every video is searchable is ``date(now - 48h) - 1``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

CLOCK_ENV = "TIKTOK_CLOCK_NOW"
# Research API archive lag: a video is searchable 48 hours after its create_time (reference/research-api.md).
ARCHIVE_LAG = timedelta(hours=48)


def clock_now() -> datetime:
    """The instant the collection runs at (UTC, whole seconds)."""
    raw = os.environ.get(CLOCK_ENV)
    now = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def last_complete_day(now: datetime) -> date:
    """The last UTC day whose every video is already searchable at ``now``: ``date(now - 48h) - 1 day``."""
    return (now.astimezone(UTC) - ARCHIVE_LAG).date() - timedelta(days=1)
