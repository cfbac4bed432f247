"""user/info, followers/following (timestamp cursors, cap), liked, pinned, reposted, playlist/info."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tiktok_assets.sandbox.research import USER_FIELDS
from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

NOW = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
WORLD = World(7, "small")
PUBLIC = [a for a in WORLD.accounts if not a.is_private and not a.api_refused]
POPULAR = max(PUBLIC, key=lambda a: len(WORLD.followers(a.index, NOW)))
PRIVATE = next(a for a in WORLD.accounts if a.is_private and not a.api_refused)
REFUSED = next(a for a in WORLD.accounts if a.api_refused)


def error_of(research: ResearchRaw, path: str, body: dict[str, Any]) -> tuple[int, str, str]:
    r = research.post(path, body)
    err = r.json()["error"]
    return r.status_code, err["code"], err["message"]


def test_user_info_fields_sit_directly_in_data(research: ResearchRaw) -> None:
    data = research.data("user/info/", {"username": POPULAR.username})
    assert set(data) == set(USER_FIELDS) and "username" not in data
    assert data["display_name"] == POPULAR.display_name
    assert data["follower_count"] == len(WORLD.followers(POPULAR.index, NOW))
    assert data["following_count"] == len(WORLD.following(POPULAR.index, NOW))
    assert data["video_count"] > 0 and data["likes_count"] > 0
    some = research.data("user/info/", {"username": POPULAR.username}, "display_name,is_verified")
    assert set(some) == {"display_name", "is_verified"}
    r = research.post("user/info/", {"username": POPULAR.username}, "display_name,username")
    assert r.status_code == 400


def test_unknown_private_and_refused_users(research: ResearchRaw) -> None:
    assert error_of(research, "user/info/", {"username": "nobody_here_123"}) == (
        400,
        "invalid_params",
        "nobody_here_123 is invalid: cannot find the user",
    )
    status, code, msg = error_of(research, "user/info/", {"username": PRIVATE.username})
    assert (status, code) == (400, "invalid_params") and "is private" in msg
    assert error_of(research, "user/info/", {"username": REFUSED.username}) == (
        400,
        "invalid_params",
        "API cannot return this user's information",
    )
    for path in (
        "user/followers/",
        "user/following/",
        "user/liked_videos/",
        "user/pinned_videos/",
        "user/reposted_videos/",
    ):
        assert "cannot find the user" in error_of(research, path, {"username": "nobody_here_123"})[2]
        assert "is private" in error_of(research, path, {"username": PRIVATE.username})[2]


def page_edges(
    research: ResearchRaw, path: str, key: str, username: str, max_count: int = 5
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    b: dict[str, Any] = {"username": username, "max_count": max_count}
    cursors = []
    while True:
        data = research.data(path, b)
        out.extend(data[key])
        cursors.append(data["cursor"])
        if not data["has_more"]:
            break
        b["cursor"] = data["cursor"]
    assert cursors == sorted(cursors, reverse=True)  # timestamps going back in time
    assert all(NOW - 10 * 365 * 86400 < c <= NOW for c in cursors)
    return out


def test_followers_timestamp_cursor_public_only(research: ResearchRaw) -> None:
    got = page_edges(research, "user/followers/", "user_followers", POPULAR.username)
    edges = WORLD.followers(POPULAR.index, NOW)
    public = [
        WORLD.accounts[e.follower_index] for e in edges if not WORLD.accounts[e.follower_index].is_private
    ]
    assert [u["username"] for u in got] == [a.username for a in public]
    assert all(set(u) == {"display_name", "username"} for u in got)
    assert len(public) < len(edges) or not any(WORLD.accounts[e.follower_index].is_private for e in edges)
    truth = research.handle.truth("research", "user/followers/", {"username": POPULAR.username})
    assert truth == [u["username"] for u in got]
    # A cursor is "followed on or before": starting at an older time skips the newer followers.
    mid = edges[len(edges) // 2].create_time
    older = research.data("user/followers/", {"username": POPULAR.username, "cursor": mid, "max_count": 100})
    assert all(
        a.username in {u["username"] for u in older["user_followers"]}
        for a in public
        if any(e.create_time <= mid and e.follower_index == a.index for e in edges)
    )
    assert len(older["user_followers"]) < len(got)


def test_following_and_hidden_following_list(research: ResearchRaw) -> None:
    acct = max((a for a in PUBLIC if a.following_public), key=lambda a: len(WORLD.following(a.index, NOW)))
    got = page_edges(research, "user/following/", "user_following", acct.username, 3)
    want = [
        WORLD.accounts[e.followee_index].username
        for e in WORLD.following(acct.index, NOW)
        if not WORLD.accounts[e.followee_index].is_private
    ]
    assert [u["username"] for u in got] == want and want
    hidden = next(a for a in PUBLIC if not a.following_public)
    status, _, msg = error_of(research, "user/following/", {"username": hidden.username})
    assert status == 400 and "information cannot be returned" in msg


def test_follow_reach_is_capped(sandbox_factory: Any) -> None:
    sb = sandbox_factory(follow_reachable=7)
    raw = ResearchRaw(sb)
    got = page_edges(raw, "user/followers/", "user_followers", POPULAR.username, 3)
    assert len(got) == 7
    raw.close()


def test_liked_videos(research: ResearchRaw) -> None:
    acct = next(a for a in PUBLIC if a.likes_public and len(WORLD.liked(a.index, NOW)) > 30)
    out, b = [], {"username": acct.username, "max_count": 20}
    while True:
        data = research.data("user/liked_videos/", b, "id,username")
        out.extend(data["user_liked_videos"])
        if not data["has_more"]:
            break
        assert data["cursor"] < NOW
        b["cursor"] = data["cursor"]
    want = [
        v.id
        for v, _ in WORLD.liked(acct.index, NOW)
        if v.deleted_time is None and not WORLD.accounts[v.author_index].is_private
    ]
    assert [v["id"] for v in out] == want
    hidden = next(a for a in PUBLIC if not a.likes_public)
    status, _, msg = error_of(research, "user/liked_videos/", {"username": hidden.username})
    assert status == 400 and "information cannot be returned" in msg


def test_pinned_and_reposted(research: ResearchRaw) -> None:
    acct = next(a for a in PUBLIC if WORLD.pinned(a.index))
    data = research.data("user/pinned_videos/", {"username": acct.username}, "id,create_time")
    assert set(data) == {"pinned_videos_list"}
    assert [v["id"] for v in data["pinned_videos_list"]] == [v.id for v in WORLD.pinned(acct.index)]
    rep = next(a for a in PUBLIC if len(WORLD.reposted(a.index, NOW)) > 3)
    data = research.data("user/reposted_videos/", {"username": rep.username, "max_count": 2}, "id")
    assert "reposted_videos" in data and data["cursor"] == 2 and data["has_more"]
    keys = research.handle.truth("research", "user/reposted_videos/", {"username": rep.username})
    assert keys and set(keys) <= {str(v.id) for v, _ in WORLD.reposted(rep.index, NOW)}


def test_playlist_info(research: ResearchRaw) -> None:
    v = next(
        v
        for d in WORLD.days(date(2026, 1, 1), date(2026, 5, 1))
        for v in WORLD.videos_on(d)
        if v.playlist_id
        and not WORLD.accounts[v.author_index].is_private
        and len(WORLD.playlist(v.playlist_id).video_ids) > 3
    )
    data = research.data("playlist/info/", {"playlist_id": v.playlist_id, "max_count": 2})
    assert data["playlist_id"] == v.playlist_id and data["playlist_name"]
    assert len(data["playlist_video_ids"]) == 2 and data["has_more"]
    assert isinstance(data["playlist_last_updated"], int) and data["playlist_item_total"] > 2
    keys = research.handle.truth("research", "playlist/info/", {"playlist_id": v.playlist_id})
    assert len(keys) == data["playlist_item_total"] and str(v.id) in keys or v.deleted_time
    r = research.post("playlist/info/", {"playlist_id": 123})
    assert r.status_code == 400
