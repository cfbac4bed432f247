"""The large world behind the server: starts lazily and answers like the small one."""

from __future__ import annotations

from datetime import date
from typing import Any

import psutil

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World


def test_large_world_serves_queries(sandbox_factory: Any) -> None:
    rss0 = psutil.Process().memory_info().rss
    sb = sandbox_factory(size="large", now="2026-11-01T12:00:00Z")
    assert psutil.Process().memory_info().rss - rss0 < 2 * 2**30  # lazy: nothing big is built up front
    world = World(7, "large")
    author = world.videos_on(date(2026, 9, 1))[0].username
    raw = ResearchRaw(sb)
    body = {
        "query": {"and": [{"operation": "EQ", "field_name": "username", "field_values": [author]}]},
        "start_date": "20260815",
        "end_date": "20260913",
        "max_count": 100,
    }
    data = raw.data("video/query/", body, "id,username,create_time")
    assert data["videos"] and all(v["username"] == author for v in data["videos"])
    assert [str(v["id"]) for v in data["videos"]] == sb.truth("research", "video/query/", body)[
        : len(data["videos"])
    ]
    for v in data["videos"]:
        assert world.video(v["id"]).create_time == v["create_time"] == v["id"] >> 32
    raw.close()
