"""Planner: windows, IN packing, forecasts (pure functions)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.planner import (
    MAX_WINDOW_DAYS,
    Window,
    day_windows,
    estimate_requests,
    pack_in_conditions,
    queries_for,
    split_windows,
)


def test_windows_cover_range_without_gaps_or_overlaps() -> None:
    rng = random.Random(1)
    for _ in range(500):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(800))
        end = start + timedelta(days=rng.randrange(400))
        max_days = rng.choice([1, 7, 29, 30, 31])
        ws = split_windows(start, end, max_days)
        assert ws[0].start == start and ws[-1].end == end
        assert all(1 <= w.days <= max_days for w in ws)
        assert all(b.start == a.end + timedelta(days=1) for a, b in zip(ws, ws[1:], strict=False))
        assert sum(w.days for w in ws) == (end - start).days + 1


def test_windows_accept_api_strings_and_newest_first() -> None:
    ws = split_windows("20260101", "2026-03-01", newest_first=True)
    assert ws[0] == Window(date(2026, 2, 1), date(2026, 3, 1))
    assert ws[-1].start == date(2026, 1, 1)
    assert ws[0].ymd() == ("20260201", "20260301")


def test_single_day_and_bad_ranges() -> None:
    assert split_windows("20260105", "20260105") == [Window(date(2026, 1, 5), date(2026, 1, 5))]
    with pytest.raises(InvalidInputError, match="end_date"):
        split_windows("20260105", "20260104")
    with pytest.raises(InvalidInputError, match="start_date"):
        split_windows("2026-13-01", "20260104")


def test_day_windows_of_a_contiguous_range_are_split_windows() -> None:
    rng = random.Random(2)
    for max_days in (1, 7, 29, 30, 31):
        for _ in range(75):
            first = date(2024, 1, 1) + timedelta(days=rng.randrange(800))
            days = [first + timedelta(days=i) for i in range(rng.randrange(1, 200))]
            last = days[-1]
            rng.shuffle(days)
            assert day_windows(days, max_days) == split_windows(first, last, max_days)


def test_day_windows_never_bridge_a_gap() -> None:
    rng = random.Random(3)
    for _ in range(300):
        base = date(2025, 1, 1)
        days = {base + timedelta(days=rng.randrange(120)) for _ in range(rng.randrange(1, 90))}
        max_days = rng.choice([1, 3, 30])
        ws = day_windows([*days, *days], max_days)  # repeats change nothing
        assert ws == sorted(ws)
        covered = [w.start + timedelta(days=i) for w in ws for i in range(w.days)]
        assert covered == sorted(days)  # every day once, no day that was not asked for
        assert all(1 <= w.days <= max_days for w in ws)
        # Adjacent windows touch only when they cut one run that is longer than max_days.
        for a, b in zip(ws, ws[1:], strict=False):
            assert b.start > a.end
            if b.start == a.end + timedelta(days=1):
                assert a.days == max_days


def test_day_windows_example_and_bad_input() -> None:
    d = date(2026, 1, 1)
    days = [d + timedelta(days=i) for i in (*range(0, 3), 4, *range(6, 6 + MAX_WINDOW_DAYS + 1))]
    last = 6 + MAX_WINDOW_DAYS
    assert day_windows(days) == [
        Window(d, d + timedelta(days=2)),
        Window(d + timedelta(days=4), d + timedelta(days=4)),
        Window(d + timedelta(days=6), d + timedelta(days=last - 1)),
        Window(d + timedelta(days=last), d + timedelta(days=last)),
    ]
    assert day_windows([]) == []
    with pytest.raises(InvalidInputError, match="max_days"):
        day_windows(days, 0)
    with pytest.raises(InvalidInputError, match="max_days"):
        split_windows("20260101", "20260102", 0)


def test_pack_in_conditions_dedupes_and_splits() -> None:
    conds = pack_in_conditions("username", [f"u{i}" for i in range(250)] + ["u0"], size=100)
    assert [len(c["field_values"]) for c in conds] == [100, 100, 50]
    assert conds[0] == {"operation": "IN", "field_name": "username", "field_values": conds[0]["field_values"]}
    assert sum((c["field_values"] for c in conds), []) == [f"u{i}" for i in range(250)]
    assert pack_in_conditions("username", []) == []
    qs = queries_for(usernames=["a", "b"], hashtags=["cat"], size=1)
    assert len(qs) == 3 and qs[2]["and"][0]["field_name"] == "hashtag_name"


def test_estimate_requests_model() -> None:
    # Jan 1 – Mar 1 2026 is 60 days: 2 windows × 30 days × 200 videos = 6000 a window → 60 full pages each.
    f = estimate_requests("20260101", "20260301", videos_per_day=200)
    assert (f.windows, f.requests, f.expected_videos) == (2, 120, 12000)
    # An empty search still costs one request per window.
    f0 = estimate_requests("20260101", "20260130", videos_per_day=0)
    assert f0.requests == 1
    # Packing beats splitting: one group of 10 accounts ≤ 10 groups of 1.
    one = estimate_requests("20260101", "20260630", videos_per_day=30, groups=1)
    ten = estimate_requests("20260101", "20260630", videos_per_day=30, groups=10)
    assert one.requests < ten.requests
    # Short pages (fill) and failed attempts (error rate) raise the figure.
    assert (
        estimate_requests("20260101", "20260630", videos_per_day=300, fill=0.5).requests
        > estimate_requests("20260101", "20260630", videos_per_day=300).requests
    )
    with pytest.raises(InvalidInputError):
        estimate_requests("20260101", "20260130", videos_per_day=-1)
