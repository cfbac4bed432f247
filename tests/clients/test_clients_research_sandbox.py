"""Research API client against the sandbox over HTTP: every endpoint to the end equals the truth, with no
faults and with each fault type at 10%; pages are never fetched twice when nothing failed."""

from __future__ import annotations

from typing import Any

import pytest
from tests_clients_support import data_requests, subjects

from tiktok_assets.clients.research import ResearchClient

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
WINDOW = ("20260501", "20260530")
S = subjects()
ACCOUNT, LIKER, PLAYLIST = S.account, S.liker, S.playlist
VIDEO_WITH_COMMENTS, COMMENT_WITH_REPLIES = S.video_with_comments, S.comment_with_replies

# (truth path, truth body, how our client collects it → keys in order)
CASES: dict[str, tuple[str, dict[str, Any], Any]] = {
    "video/query": (
        "video/query",
        {"query": FYP, "start_date": WINDOW[0], "end_date": WINDOW[1]},
        lambda c: [str(v["id"]) for p in c.iter_videos(FYP, *WINDOW, max_count=50) for v in p.records],
    ),
    "comments": (
        "video/comment/list",
        {"video_id": VIDEO_WITH_COMMENTS},
        lambda c: [
            str(r["id"]) for p in c.iter_comments(VIDEO_WITH_COMMENTS, max_count=30) for r in p.records
        ],
    ),
    "replies": (
        "video/comment/list",
        {"video_id": VIDEO_WITH_COMMENTS, "comment_id": COMMENT_WITH_REPLIES},
        lambda c: [
            str(r["id"])
            for p in c.iter_replies(COMMENT_WITH_REPLIES, VIDEO_WITH_COMMENTS, max_count=5)
            for r in p.records
        ],
    ),
    "user/info": ("user/info", {"username": ACCOUNT}, lambda c: [c.user_info(ACCOUNT).username]),
    "followers": (
        "user/followers",
        {"username": ACCOUNT},
        lambda c: [r["username"] for p in c.iter_followers(ACCOUNT, max_count=10) for r in p.records],
    ),
    "following": (
        "user/following",
        {"username": ACCOUNT},
        lambda c: [r["username"] for p in c.iter_following(ACCOUNT, max_count=3) for r in p.records],
    ),
    "liked": (
        "user/liked_videos",
        {"username": LIKER},
        lambda c: [str(v["id"]) for p in c.iter_liked(LIKER, max_count=20) for v in p.records],
    ),
    "reposted": (
        "user/reposted_videos",
        {"username": LIKER},
        lambda c: [str(v["id"]) for p in c.iter_reposted(LIKER, max_count=3) for v in p.records],
    ),
    "pinned": (
        "user/pinned_videos",
        {"username": ACCOUNT},
        lambda c: [str(v["id"]) for v in c.pinned(ACCOUNT).records],
    ),
    "playlist": (
        "playlist/info",
        {"playlist_id": PLAYLIST},
        lambda c: [
            str(i) for p in c.iter_playlist(PLAYLIST, max_count=2) for i in p.records[0]["playlist_video_ids"]
        ],
    ),
}
TRUTH_MAX_COUNT = {
    "comments": 30,
    "replies": 5,
    "followers": 10,
    "following": 3,
    "liked": 20,
    "reposted": 3,
    "playlist": 2,
    "video/query": 50,
}

FAULTS = [
    {},
    {"internal_error": 0.1},
    {"gateway_timeout_html": 0.1},
    {"invalid_cursor": 0.1},
    {"rate_limit": 0.1},
    {"connection_reset": 0.1},
    {"truncated_body": 0.1},
    {"search_id_lag": 0.15},
    {
        "internal_error": 0.1,
        "gateway_timeout_html": 0.1,
        "invalid_cursor": 0.1,
        "rate_limit": 0.1,
        "connection_reset": 0.1,
        "truncated_body": 0.1,
        "search_id_lag": 0.15,
    },
]


def truth(sb: Any, name: str) -> list[str]:
    path, body, _ = CASES[name]
    if name in TRUTH_MAX_COUNT:
        body = {**body, "max_count": TRUTH_MAX_COUNT[name]}
    return sb.truth("research", path, body)


@pytest.mark.parametrize("faults", FAULTS, ids=lambda f: "+".join(f) or "no_faults")
def test_every_endpoint_equals_truth(sandbox: Any, research_factory: Any, faults: dict[str, float]) -> None:
    sandbox.set_faults(faults)
    client: ResearchClient = research_factory(sandbox)
    for name, (_, _, collect) in CASES.items():
        got = collect(client)
        expected = truth(sandbox, name)
        assert expected, f"{name}: the truth is empty, the case proves nothing"
        assert len(got) == len(set(got)), f"{name}: duplicates"
        assert got == expected, f"{name}: {len(got)} collected vs {len(expected)} in the truth"
    stats = sandbox.stats()
    spent = data_requests(stats, "research")
    if not faults:
        # One request per page, nothing refetched: the client's count equals the server's.
        assert spent == client.stats.requests - client.token_fetches
        assert client.stats.retries == 0
    elif "search_id_lag" in faults:  # not counted by the server: the client saw its fresh ids refused
        assert client.stats.by_error.get("SearchIdNotReadyError", 0) > 0
    else:
        assert sum(stats["faults"].values()) > 0, "the faults never fired"
    assert client.token_fetches == 1


def test_field_selection_and_exact_ints(sandbox: Any, research_factory: Any) -> None:
    client = research_factory(sandbox)
    pages = list(client.iter_videos(FYP, *WINDOW, fields=["username", "music_id"], max_count=100))
    rec = pages[0].records[0]
    assert set(rec) == {
        "id",
        "create_time",
        "username",
        "music_id",
    }  # id/create_time always (resume needs them)
    assert isinstance(rec["id"], int) and rec["id"] > 2**53
    info = client.user_info(ACCOUNT, fields=["follower_count"])
    assert set(info.data) == {"follower_count"} and info.ok
