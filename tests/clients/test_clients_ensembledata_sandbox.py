"""EnsembleData client against the sandbox over HTTP: every TikTok endpoint to the end equals the truth,
with no faults and with each fault type at 10%; units come from the `units_charged` header."""

from __future__ import annotations

from typing import Any

import pytest
from tests_clients_support import data_requests, subjects

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.ensembledata_endpoints import endpoint_for, record_key

S = subjects()
ACCOUNT, ACCOUNT_UID, ACCOUNT_SECUID, ACCOUNT_VIDEO = (
    S.account,
    S.account_uid,
    S.account_secuid,
    S.account_video,
)
LIKER_SECUID, MUSIC = S.liker_secuid, S.music
VIDEO_WITH_COMMENTS, COMMENT_WITH_REPLIES = S.video_with_comments, S.comment_with_replies

CASES: list[tuple[str, dict[str, Any]]] = [
    ("tt/hashtag/posts", {"name": "cat"}),
    ("tt/hashtag/recent-posts", {"name": "cat", "days": 7}),
    ("tt/keyword/search", {"name": "recipe", "period": 30}),
    ("tt/keyword/full-search", {"name": "recipe", "period": 30}),
    ("tt/user/posts", {"username": ACCOUNT, "depth": 2}),
    ("tt/user/posts-from-secuid", {"secUid": ACCOUNT_SECUID, "depth": 1}),
    ("tt/user/info", {"username": ACCOUNT}),
    ("tt/user/info-from-secuid", {"secUid": ACCOUNT_SECUID}),
    ("tt/user/search", {"keyword": "ne"}),
    ("tt/user/liked-posts", {"secUid": LIKER_SECUID}),
    ("tt/user/followers", {"id": ACCOUNT_UID, "secUid": ACCOUNT_SECUID}),
    ("tt/user/followings", {"id": ACCOUNT_UID, "secUid": ACCOUNT_SECUID}),
    ("tt/post/info", {"url": f"https://www.tiktok.com/@{ACCOUNT}/video/{ACCOUNT_VIDEO}"}),
    ("tt/post/multi-info", {"ids": f"{ACCOUNT_VIDEO};{VIDEO_WITH_COMMENTS}"}),
    ("tt/post/comments", {"aweme_id": VIDEO_WITH_COMMENTS}),
    ("tt/post/comments-replies", {"aweme_id": VIDEO_WITH_COMMENTS, "comment_id": COMMENT_WITH_REPLIES}),
    ("tt/music/info", {"name": "a"}),
    ("tt/music/posts", {"music_id": MUSIC}),
    ("tt/music/details", {"id": MUSIC}),
]
FAULTS = [
    {},
    {"internal_error": 0.1},
    {"gateway_timeout_html": 0.1},
    {"rate_limit": 0.1},
    {"connection_reset": 0.1},
    {"truncated_body": 0.1},
    {
        "internal_error": 0.1,
        "gateway_timeout_html": 0.1,
        "rate_limit": 0.1,
        "connection_reset": 0.1,
        "truncated_body": 0.1,
    },
]


def collect(client: EnsembleDataClient, path: str, params: dict[str, Any]) -> tuple[list[str], int, int]:
    ep = endpoint_for(path)
    keys: list[str] = []
    pages = units = 0
    for page in client.iter_pages(path, params):
        pages += 1
        units += page.units
        keys.extend(k for r in page.records if (k := record_key(r, ep)) is not None)
    return keys, pages, units


@pytest.mark.parametrize("faults", FAULTS, ids=lambda f: "+".join(f) or "no_faults")
def test_every_endpoint_equals_truth(sandbox: Any, ed_factory: Any, faults: dict[str, float]) -> None:
    sandbox.set_faults(faults)
    client: EnsembleDataClient = ed_factory(sandbox)
    total_units = 0
    pages_total = 0
    for path, params in CASES:
        keys, pages, units = collect(client, path, params)
        expected = sandbox.truth("ensembledata", path, params)
        assert expected, f"{path}: empty truth proves nothing"
        assert len(keys) == len(set(keys)), f"{path}: duplicates"
        assert keys == expected, f"{path}: {len(keys)} collected vs {len(expected)}"
        total_units += units
        pages_total += pages
    stats = sandbox.stats()
    assert total_units == stats["units_total"] == client.units_spent  # the header, recorded exactly
    if not faults:
        assert data_requests(stats, "ensembledata") == pages_total == client.stats.requests


def test_user_posts_pinned_flag_and_trim(sandbox: Any, ed_factory: Any) -> None:
    client = ed_factory(sandbox)
    posts = client.user_posts(ACCOUNT, depth=1)
    assert posts[0]["is_pinned"] is True and posts[0]["is_top"] == 1
    assert all(p["is_pinned"] is False for p in posts[1:])
    timeline = [p for p in posts if not p["is_pinned"]]
    cutoff = int(timeline[len(timeline) // 2 + 3]["create_time"])
    raw = client.user_posts(ACCOUNT, depth=1, oldest_createtime=cutoff, trim=False)
    trimmed = client.user_posts(ACCOUNT, depth=1, oldest_createtime=cutoff)
    assert any(int(p["create_time"]) < cutoff for p in raw)  # the API overshoots …
    assert all(int(p["create_time"]) >= cutoff for p in trimmed)  # … and trim removes it
    assert {p["aweme_id"] for p in trimmed} == {p["aweme_id"] for p in raw if int(p["create_time"]) >= cutoff}
