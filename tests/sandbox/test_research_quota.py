"""Daily quota buckets (reset at the sandbox clock's UTC midnight), records cap, per-minute limit.

The two limits answer different 429s: ``daily_quota_limit_exceeded`` for the daily quota (field) and
``rate_limit_exceeded`` for the per-minute limit (doc), so a client can tell a wait from a stop."""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

WORLD = World(7, "small")
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused).username
QUERY = {
    "query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}]},
    "start_date": "20260501",
    "end_date": "20260510",
    "max_count": 10,
}


DAILY = (429, "daily_quota_limit_exceeded")


def code(r: Any) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def test_video_and_comment_share_a_daily_bucket(sandbox_factory: Any) -> None:
    raw = ResearchRaw(sandbox_factory(research_daily_requests=3, now="2026-06-15T23:59:00Z"))
    vid = raw.data("video/query/", QUERY, "id")["videos"][0]["id"]
    assert code(raw.post("video/comment/list/", {"video_id": vid})) == (200, "ok")
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    r = raw.post("video/comment/list/", {"video_id": vid})
    assert code(r) == DAILY
    assert r.json()["error"]["message"] == "The API daily quota limit exceeded. Please try again later"
    assert "retry-after" not in r.headers  # not documented for either 429
    assert code(raw.post("video/query/", QUERY, "id")) == DAILY
    # Other buckets are not affected.
    assert code(raw.post("user/followers/", {"username": USER})) == (200, "ok")
    assert code(raw.post("user/info/", {"username": USER})) == (200, "ok")
    # Reset at UTC midnight of the sandbox clock.
    raw.handle.advance(60)
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    quota = raw.handle.stats()["quota"]["research"]
    assert quota["2026-06-15"]["video"]["requests"] == 3
    assert quota["2026-06-16"]["video"]["requests"] == 1
    raw.close()


def test_follow_bucket(sandbox_factory: Any) -> None:
    raw = ResearchRaw(sandbox_factory(research_follow_daily_requests=2))
    assert code(raw.post("user/followers/", {"username": USER})) == (200, "ok")
    assert code(raw.post("user/following/", {"username": USER})) == (200, "ok")
    assert code(raw.post("user/followers/", {"username": USER})) == DAILY
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    raw.close()


def test_daily_records_cap(sandbox_factory: Any) -> None:
    raw = ResearchRaw(sandbox_factory(research_daily_records=15))
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    assert code(raw.post("video/query/", QUERY, "id")) == DAILY
    assert raw.handle.stats()["quota"]["research"]["2026-06-15"]["video"]["records"] >= 15
    raw.close()


def test_per_minute_limit(sandbox_factory: Any) -> None:
    raw = ResearchRaw(sandbox_factory(per_minute=2, now="2026-06-15T12:00:10Z"))
    assert code(raw.post("user/info/", {"username": USER})) == (200, "ok")
    assert code(raw.post("user/info/", {"username": USER})) == (200, "ok")
    r = raw.post("user/info/", {"username": USER})
    assert code(r) == (429, "rate_limit_exceeded")
    assert r.json()["error"]["message"] == "The API rate limit was exceeded. Please try again later."
    raw.handle.advance(50)  # the next minute of the sandbox clock
    assert code(raw.post("user/info/", {"username": USER})) == (200, "ok")
    raw.close()


def test_quota_counts_requests_even_when_they_fail(sandbox_factory: Any) -> None:
    raw = ResearchRaw(sandbox_factory(research_daily_requests=2))
    assert raw.post("video/query/", {"query": {}}, "id").status_code == 400
    assert code(raw.post("video/query/", QUERY, "id")) == (200, "ok")
    assert code(raw.post("video/query/", QUERY, "id")) == DAILY
    raw.close()
