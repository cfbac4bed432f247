"""Windows use the API's full span: ``end_date`` may be 30 days after ``start_date`` (31 inclusive days).

The reference (research-api.md: "end_date no more than 30 days after start_date") and the sandbox agree; the
planner's one constant follows them, and the client, the sandbox and every window user agree on the edge.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.planner import MAX_WINDOW_DAYS, estimate_requests, split_windows
from tiktok_assets.clients.research_query import validate_window

Q = {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}]}


def test_the_window_is_the_apis_full_span() -> None:
    assert MAX_WINDOW_DAYS == 31
    (w,) = split_windows("20260501", "20260531")
    assert (w.end - w.start).days == 30 and w.days == 31
    # A year is 12 searches, not 13: 365 = 11 × 31 + 24.
    ws = split_windows(date(2025, 1, 1), date(2025, 12, 31))
    assert [w.days for w in ws] == [31] * 11 + [24]
    assert estimate_requests("20250101", "20251231", videos_per_day=0).windows == 12


def test_client_validation_edge_matches_the_api() -> None:
    s = date(2026, 5, 1)
    assert validate_window(s, s + timedelta(days=30)) == (s, s + timedelta(days=30))
    with pytest.raises(InvalidInputError, match="31 days after start_date 20260501; the API allows 30"):
        validate_window(s, s + timedelta(days=31))


def test_sandbox_accepts_a_full_window_and_refuses_one_day_more(sandbox: Any, research_factory: Any) -> None:
    """A default window is served by the sandbox (no 400); the day after the edge is refused before sending."""
    client = research_factory(sandbox)
    (w,) = split_windows("20260401", "20260501")
    start, end = w.ymd()
    videos = [v for page in client.iter_videos(Q, start, end) for v in page.records]
    truth = sandbox.truth("research", "video/query", {"query": Q, "start_date": start, "end_date": end})
    assert [str(v["id"]) for v in videos] == truth and len(truth) > 0
    # The whole 31 days came back: both edge days hold videos of the answer.
    created = {datetime.fromtimestamp(v["create_time"], UTC).date() for v in videos}
    assert min(created) == w.start and max(created) == w.end
    before = sandbox.stats()["requests_total"]
    with pytest.raises(InvalidInputError, match="end_date"):
        list(client.iter_videos(Q, "20260401", "20260502"))
    assert sandbox.stats()["requests_total"] == before
