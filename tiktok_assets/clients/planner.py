"""Pure planning: ≤31-day windows (the API's full span), ``IN`` packing, and a request forecast for a collection.

Windows: ``MAX_WINDOW_DAYS`` is the one definition of the API's longest search; ``split_windows`` cuts a date
range into windows of at most that many days, ``day_windows`` cuts a set of days (a run's partitions) the
same way, one contiguous run at a time.

How the forecast estimates (``estimate_requests``): a video search returns its matches in pages of
``max_count`` (100); a page may come back short (deleted/private videos are dropped after paging), which the
``fill`` ratio models. For every window × ``IN`` group the expected matches are
``videos_per_day × days × group share``; the search then costs ``max(1, ceil(matches / (max_count × fill)))``
requests (an empty search still costs its one request). Retries are not in the figure; ``error_rate`` adds the
expected share of failed attempts (the API counts those too).

Fewest requests: one ``IN`` over all accounts and the longest windows allowed keep pages full — every
window/group split adds at most one short page — so the defaults are ``max_days=MAX_WINDOW_DAYS`` (31) and a
large ``IN``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tiktok_assets.clients.errors import InvalidInputError

# Research API: end_date no more than 30 days after start_date (doc), both bounds inclusive days (open; the
# sandbox treats them so): a search spans at most 31 calendar days. Every window user reads this constant.
MAX_WINDOW_DAYS = 31
DEFAULT_IN_SIZE = 100  # values per IN condition: open in the reference, a setting


@dataclass(frozen=True, order=True)
class Window:
    """Inclusive UTC days ``[start, end]``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def ymd(self) -> tuple[str, str]:
        return self.start.strftime("%Y%m%d"), self.end.strftime("%Y%m%d")


def as_date(value: date | datetime | str, name: str = "date") -> date:
    """``YYYYMMDD``, ``YYYY-MM-DD``, a date or a datetime → date; anything else names the parameter."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInputError(f"{name} {value!r} is not a date (YYYYMMDD or YYYY-MM-DD)", parameter=name)


def split_windows(
    start: date | str, end: date | str, max_days: int = MAX_WINDOW_DAYS, newest_first: bool = False
) -> list[Window]:
    """Consecutive inclusive windows of at most ``max_days`` days covering ``[start, end]``: no gap, no overlap.

    ``max_days`` counts calendar days per window: the default 31 is end = start + 30, the API's full "end no
    more than 30 days after start". ``newest_first`` suits resumable collection (results come newest first).
    """
    s, e = as_date(start, "start_date"), as_date(end, "end_date")
    if e < s:
        raise InvalidInputError(f"end_date {e} is before start_date {s}", parameter="end_date")
    _check_max_days(max_days)
    windows = _cut(s, e, max_days)
    return windows[::-1] if newest_first else windows


def day_windows(days: Iterable[date], max_days: int = MAX_WINDOW_DAYS) -> list[Window]:
    """Windows over exactly ``days`` (any order, repeats ignored), oldest first: each contiguous run of days
    cut as ``split_windows`` cuts a range, so days with a gap between them never share a window."""
    _check_max_days(max_days)
    windows: list[Window] = []
    ordered = sorted(set(days))
    first = 0
    for i, day in enumerate(ordered):
        if i + 1 == len(ordered) or ordered[i + 1] - day != timedelta(days=1):
            windows.extend(_cut(ordered[first], day, max_days))
            first = i + 1
    return windows


def _check_max_days(max_days: int) -> None:
    if max_days < 1:
        raise InvalidInputError("max_days must be at least 1", parameter="max_days")


def _cut(first: date, last: date, max_days: int) -> list[Window]:
    """``[first, last]`` cut into consecutive windows of at most ``max_days`` (≥ 1) days, oldest first."""
    windows: list[Window] = []
    cur = first
    while cur <= last:
        stop = min(last, cur + timedelta(days=max_days - 1))
        windows.append(Window(cur, stop))
        cur = stop + timedelta(days=1)
    return windows


def pack_in_conditions(
    field: str, values: Sequence[str], size: int = DEFAULT_IN_SIZE
) -> list[dict[str, Any]]:
    """Values (deduplicated, order kept) packed into ``IN`` conditions of at most ``size`` values each."""
    if size < 1:
        raise InvalidInputError("IN size must be at least 1", parameter="size")
    unique = list(dict.fromkeys(str(v) for v in values if str(v)))
    return [
        {"operation": "IN", "field_name": field, "field_values": unique[i : i + size]}
        for i in range(0, len(unique), size)
    ]


def queries_for(
    usernames: Sequence[str] = (),
    hashtags: Sequence[str] = (),
    keywords: Sequence[str] = (),
    size: int = DEFAULT_IN_SIZE,
) -> list[dict[str, Any]]:
    """One video query per packed group: accounts, hashtags and keywords are separate searches (each an
    ``or`` of its own ``IN``), so a video matching two groups is still collected under each query name."""
    out: list[dict[str, Any]] = []
    for field, values in (("username", usernames), ("hashtag_name", hashtags), ("keyword", keywords)):
        out.extend({"and": [cond]} for cond in pack_in_conditions(field, values, size))
    return out


@dataclass(frozen=True)
class Forecast:
    windows: int
    groups: int
    searches: int
    expected_videos: float
    requests: int
    daily_budget: int
    days_of_quota: int

    def lines(self) -> list[str]:
        return [
            f"windows (≤{MAX_WINDOW_DAYS} days): {self.windows}",
            f"IN groups:          {self.groups}",
            f"searches:           {self.searches}",
            f"expected videos:    {self.expected_videos:,.0f}",
            f"requests:           {self.requests:,}",
            f"days of quota:      {self.days_of_quota} (at {self.daily_budget:,} requests/day)",
        ]


def estimate_requests(
    start: date | str,
    end: date | str,
    *,
    videos_per_day: float,
    groups: int = 1,
    group_shares: Sequence[float] | None = None,
    max_count: int = 100,
    fill: float = 1.0,
    max_days: int = MAX_WINDOW_DAYS,
    error_rate: float = 0.0,
    daily_budget: int = 1000,
) -> Forecast:
    """Forecast the requests of a video collection (see the module docstring for the model).

    ``videos_per_day`` is the expected matches per day over all groups; ``group_shares`` splits them between
    groups (default: evenly).
    """
    if videos_per_day < 0 or not 0 < fill <= 1 or not 0 <= error_rate < 1 or max_count < 1:
        raise InvalidInputError(
            "videos_per_day ≥ 0, 0 < fill ≤ 1, 0 ≤ error_rate < 1, max_count ≥ 1", parameter="videos_per_day"
        )
    windows = split_windows(start, end, max_days)
    n_groups = max(1, groups)
    shares = list(group_shares) if group_shares else [1 / n_groups] * n_groups
    per_page = max_count * fill
    requests = 0
    for w in windows:
        for share in shares:
            expected = videos_per_day * w.days * share
            requests += max(1, math.ceil(expected / per_page - 1e-9))
    requests = math.ceil(requests / (1 - error_rate))
    total_videos = videos_per_day * sum(w.days for w in windows)
    return Forecast(
        len(windows),
        n_groups,
        len(windows) * n_groups,
        total_videos,
        requests,
        daily_budget,
        max(1, math.ceil(requests / daily_budget)) if requests else 0,
    )
