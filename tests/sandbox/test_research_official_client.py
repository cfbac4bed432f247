"""TikTok's own `TikTokResearchApi` package, unchanged but for its base URL, against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_assets.sandbox.testing import SandboxHandle
from tiktok_assets.sandbox.world import World

tra = pytest.importorskip("tiktok_research_api")

WORLD = World(7, "small")
NOW = 1781524800  # 2026-06-15T12:00:00Z, the sandbox fixture's clock
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused).username


def official(sandbox: SandboxHandle) -> Any:
    # The client sets `self.url` in __init__ and fetches its token at once; a read-only property on a
    # subclass points every call (token included) at the sandbox.
    cls = type(
        "SandboxResearchAPI",
        (tra.TikTokResearchAPI,),
        {"url": property(lambda s: sandbox.research_url, lambda s, v: None)},
    )
    return cls(sandbox.client_key, sandbox.client_secret, qps=1000)


def test_official_client_video_query_fetch_all_pages(sandbox: SandboxHandle) -> None:
    api = official(sandbox)
    query = tra.Query(
        and_criteria=[tra.Criteria("IN", "region_code", ["US", "BR"])],
        not_criteria=[tra.Criteria("EQ", "video_length", ["SHORT"])],
    )
    req = tra.QueryVideoRequest(query=query, start_date="20260501", end_date="20260530", max_count=100)
    videos, search_id, cursor, has_more, _, _ = api.query_videos(req, fetch_all_pages=True)
    assert has_more is False and search_id
    body = {"query": query.to_dict(), "start_date": "20260501", "end_date": "20260530"}
    truth = sandbox.truth("research", "video/query/", body)
    assert [str(v["id"]) for v in videos] == truth and len(truth) > 100


def test_official_client_user_info_and_comments(sandbox: SandboxHandle) -> None:
    api = official(sandbox)
    info = api.query_user_info(tra.QueryUserInfoRequest(username=USER))
    assert info["display_name"] == WORLD.account_by_username(USER).display_name
    assert sandbox.truth("research", "user/info/", {"username": USER}) == [USER]
    videos = WORLD.account_videos(WORLD.account_by_username(USER).index, NOW - 2 * 86400)
    vid = max((v for v in videos if v.deleted_time is None), key=lambda v: WORLD.stats(v, NOW).comments).id
    comments, _, has_more = api.query_video_comments(
        tra.QueryVideoCommentsRequest(video_id=vid, max_count=100), fetch_all_pages=True
    )
    assert has_more is False and len(comments) > 0
    assert [str(c["id"]) for c in comments] == sandbox.truth(
        "research", "video/comment/list/", {"video_id": vid}
    )
