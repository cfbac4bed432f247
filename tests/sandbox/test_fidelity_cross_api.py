"""One world behind two APIs: videos found through a Research API video query, fetched by id through
EnsembleData ``/tt/post/multi-info`` at the same sandbox time, are the same videos. Counts follow the
documented lag rule: EnsembleData shows live counts, the Research API counts lag by at most 10 days
(research.render.STATS_LAG_MAX), so ED(now - 10 days) <= Research(now) <= ED(now), equal where the live
counts did not move in those 10 days."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tiktok_assets.sandbox.research import STATS_LAG_MAX
from tiktok_assets.sandbox.testing import ResearchRaw, SandboxHandle

NOW = "2026-06-15T12:00:00Z"
# Research field -> EnsembleData `statistics` key (reference: post objects are TikTok's aweme shape).
COUNTS = {
    "view_count": "play_count",
    "like_count": "digg_count",
    "comment_count": "comment_count",
    "share_count": "share_count",
    "favorites_count": "collect_count",
}
FIELDS = "id,username,create_time,video_description,hashtag_names,music_id," + ",".join(COUNTS)


def _multi_info(sandbox: SandboxHandle, ids: list[int]) -> dict[int, dict[str, Any]]:
    r = httpx.get(
        f"{sandbox.ensembledata_url}/tt/post/multi-info",
        params={"ids": ";".join(map(str, ids)), "token": sandbox.ed_token},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return {int(p["aweme_id"]): p for p in r.json()["data"]}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_same_video_through_both_apis(sandbox: SandboxHandle, research: ResearchRaw) -> None:
    body = {
        "query": {
            "and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "GB", "DE"]}]
        },
        "start_date": "20260520",  # older than the lag bound, so ED can be read 10 days back as well
        "end_date": "20260522",
        "max_count": 100,
    }
    videos = research.data("video/query/", body, FIELDS)["videos"]
    assert len(videos) >= 20
    ids = [int(v["id"]) for v in videos[:100]]
    posts = _multi_info(sandbox, ids)  # same sandbox time: the clock is fixed
    assert set(posts) == set(ids)
    now = int(datetime.fromisoformat(NOW.replace("Z", "+00:00")).timestamp())
    sandbox.set_clock(now=_iso(now - STATS_LAG_MAX))
    earlier = _multi_info(sandbox, ids)
    sandbox.set_clock(now=NOW)

    equal_somewhere = 0
    for v in videos[:100]:
        p = posts[int(v["id"])]
        assert p["author"]["unique_id"] == v["username"]
        assert p["create_time"] == v["create_time"]
        assert p["desc"].replace("\x00", "") == v["video_description"].replace("\x00", "")
        tags = [t["hashtag_name"] for t in p["text_extra"] if t.get("type") == 1]
        assert tags == v["hashtag_names"]
        assert int(p["music"]["id"]) == int(v["music_id"])
        old = earlier[int(v["id"])]["statistics"]
        for field, ed_key in COUNTS.items():
            lo, hi = old[ed_key], p["statistics"][ed_key]
            assert lo <= v[field] <= hi, (v["id"], field, lo, v[field], hi)
            if lo == hi:  # no movement in the lag window: no lag can show
                assert v[field] == hi
                equal_somewhere += 1
    assert equal_somewhere  # the equality case is exercised (e.g. counts that stayed at 0)
