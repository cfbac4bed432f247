"""The large world (5,000 accounts, ~2.19M videos) starts and answers its first video query over HTTP with
the whole process below 2 GB RSS. The startup time (< 10 s) is measured by benchmarks/sandbox_throughput.py,
not here: tests never assert on wall time."""

from __future__ import annotations

from typing import Any

import psutil

from tiktok_assets.sandbox.testing import ResearchRaw

RSS_LIMIT = 2 * 2**30


def test_large_world_first_query_under_2gb(sandbox_factory: Any) -> None:
    sb = sandbox_factory(size="large", now="2026-11-01T12:00:00Z")
    raw = ResearchRaw(sb)
    try:
        body = {
            # A broad first query (a region over a whole day): it touches every account of the day.
            "query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}]},
            "start_date": "20261020",
            "end_date": "20261020",
            "max_count": 100,
        }
        data = raw.data("video/query/", body, "id,create_time,region_code,view_count")
    finally:
        raw.close()
    # A page can be short (deleted videos are dropped after paging, doc); it is the head of the truth.
    assert data["videos"] and data["has_more"]
    ids = [str(v["id"]) for v in data["videos"]]
    assert ids == sb.truth("research", "video/query/", body)[: len(ids)]
    assert all(v["region_code"] == "US" for v in data["videos"])
    assert psutil.Process().memory_info().rss < RSS_LIMIT
