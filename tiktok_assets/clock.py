"""The one clock every date decision reads, and the Research API's archive lag.

``clock_now()`` is the backend's "now": ``$TIKTOK_CLOCK_NOW`` when set (the demo, the benchmarks and tests set
it to the sandbox's fixed clock), else the wall clock. Every date decision reads it: the last complete
searchable day, the end of the daily partitions (``collect.partitions``), the snapshot day, ``collected_at``
and the quota day. A fixed clock may be earlier or later than the wall clock: a sandbox in 2027 is fine.

The last *complete* searchable day follows from it: the Research API returns a video ~48 hours after it was
created, so at ``now`` the last day whose every video is searchable is ``date(now - 48h) - 1``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

CLOCK_ENV = "TIKTOK_CLOCK_NOW"
# Research API archive lag: a video is searchable 48 hours after its create_time (reference/research-api.md).
ARCHIVE_LAG = timedelta(hours=48)


class ClockConfigError(ValueError):
    """``$TIKTOK_CLOCK_NOW`` is not an ISO 8601 instant."""


def fixed_now() -> datetime | None:
    """The fixed backend clock from ``$TIKTOK_CLOCK_NOW`` (UTC, whole seconds), or None for the wall clock."""
    raw = os.environ.get(CLOCK_ENV, "").strip()
    if not raw:
        return None
    try:
        now = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ClockConfigError(
            f"{CLOCK_ENV}={raw!r} is not an ISO 8601 instant (e.g. 2026-06-15T12:00:00Z)"
        ) from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def clock_is_fixed() -> bool:
    return fixed_now() is not None


def clock_now() -> datetime:
    """The instant the collection runs at (UTC, whole seconds)."""
    return fixed_now() or datetime.now(UTC).replace(microsecond=0)


def today() -> date:
    """The backend's UTC day."""
    return clock_now().date()


def day_start(day: date) -> int:
    """The Unix time at which the UTC ``day`` begins: every day window (a partition, a VCE task) starts here."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def day_span(first: date, last: date | None = None) -> tuple[int, int]:
    """The Unix times ``[start, end)`` of the UTC days ``first``..``last`` (inclusive; one day without ``last``)."""
    return day_start(first), day_start((last or first) + timedelta(days=1))


def last_complete_day(now: datetime) -> date:
    """The last UTC day whose every video is already searchable at ``now``: ``date(now - 48h) - 1 day``."""
    return (now.astimezone(UTC) - ARCHIVE_LAG).date() - timedelta(days=1)
