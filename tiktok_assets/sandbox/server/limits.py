"""Limits (settable by CLI flags / ``running_sandbox`` kwargs) and the quota book that enforces them.

Days and minutes are those of the sandbox clock (UTC), so quotas reset at its midnight.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any


@dataclass
class Limits:
    # Research API (doc): video/query + comment/list share one daily request bucket and a records bucket.
    research_daily_requests: int = 1_000
    research_daily_records: int = 100_000
    # followers + following (doc): 20,000 requests and 2,000,000 records a day.
    research_follow_daily_requests: int = 20_000
    research_follow_daily_records: int = 2_000_000
    # Per-minute limit on every research data endpoint: value open; the general v2 limit is 600/min.
    # Counted per minute of the sandbox clock (a fixed clock must be advanced to open a new minute).
    per_minute: int = 600
    # EnsembleData daily unit allowance (plan-dependent in reality: open).
    ed_daily_units: int = 100_000
    # Reachability caps (doc/field): first 1,000 comments; latest ~5,000 followers/following.
    comments_reachable: int = 1_000
    follow_reachable: int = 5_000
    # Values one IN condition may carry: open; chosen 100.
    max_in_values: int = 100
    # search_id lifetime on the sandbox clock: open (it "can expire"); chosen 2 hours.
    search_ttl_seconds: int = 7_200
    token_ttl_seconds: int = 7_200
    archive_lag_seconds: int = 48 * 3_600

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> Limits:
        known = {f.name for f in fields(cls)}
        unknown = set(kwargs) - known
        if unknown:
            raise TypeError(f"unknown limit(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**{k: int(v) for k, v in kwargs.items() if v is not None})

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def day_key(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def next_midnight(ts: int) -> int:
    return (ts // 86_400 + 1) * 86_400


class QuotaBook:
    """requests / records / units per (api, bucket, day) and requests per (api, minute)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
            lambda: {"requests": 0, "records": 0, "units": 0}
        )
        self._minute: dict[tuple[str, int], int] = defaultdict(int)

    def used(self, api: str, bucket: str, now: int) -> dict[str, int]:
        with self._lock:
            return dict(self._used[(api, bucket, day_key(now))])

    def add(
        self, api: str, bucket: str, now: int, requests: int = 0, records: int = 0, units: int = 0
    ) -> None:
        with self._lock:
            row = self._used[(api, bucket, day_key(now))]
            row["requests"] += requests
            row["records"] += records
            row["units"] += units

    def take_minute(self, api: str, now: int, limit: int) -> bool:
        """Count one request in this clock minute; False (not counted) when the minute is full."""
        key = (api, now // 60)
        with self._lock:
            if self._minute[key] >= limit:
                return False
            self._minute[key] += 1
            # Old minutes are never read again.
            if len(self._minute) > 1_000:
                for k in [k for k in self._minute if k[1] < now // 60 - 5]:
                    del self._minute[k]
            return True

    def snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with self._lock:
            for (api, bucket, day), row in sorted(self._used.items()):
                out.setdefault(api, {}).setdefault(day, {})[bucket] = dict(row)
        return out
