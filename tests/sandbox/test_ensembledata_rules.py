"""EnsembleData behaviours of the reference over raw HTTP: error statuses, units, limits, paging quirks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from tiktok_assets.sandbox.ensembledata import users as ed_users
from tiktok_assets.sandbox.ensembledata import videos as ed_videos
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.world import World, day_start
from tiktok_assets.sandbox.world.catalog import catalog

NOW = day_start(date(2026, 6, 15)) + 12 * 3600


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(seed=7, size="small", now="2026-06-15T12:00:00Z") as handle:
        yield handle


@pytest.fixture(scope="module")
def http(sb: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.ensembledata_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def world() -> World:
    return World(7, "small")


def get(http: httpx.Client, path: str, token: str = "sandbox-token", **params: Any) -> httpx.Response:
    return http.get(path, params={"token": token, **params})


def first(world: World, pred: Any) -> Any:
    return next(a for a in world.accounts if pred(a))


@pytest.fixture(scope="module")
def star(world: World) -> Any:
    cat = catalog(world)
    return first(
        world,
        lambda a: (
            not a.is_private
            and len(world.pinned(a.index)) >= 2
            and len(cat.account_videos(a.index, NOW)) > 60
        ),
    )


# -- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params", "missing"),
    [
        ("/tt/hashtag/posts", {}, "name"),
        ("/tt/hashtag/recent-posts", {"name": "cat"}, "days"),
        ("/tt/keyword/search", {"name": "cat"}, "period"),
        ("/tt/keyword/full-search", {"name": "cat"}, "period"),
        ("/tt/user/posts", {"username": "x"}, "depth"),
        ("/tt/user/posts-from-secuid", {"depth": 1}, "secUid"),
        ("/tt/user/info", {}, "username"),
        ("/tt/user/info-from-secuid", {}, "secUid"),
        ("/tt/user/search", {}, "keyword"),
        ("/tt/user/liked-posts", {}, "secUid"),
        ("/tt/user/followers", {}, "id"),
        ("/tt/user/followings", {}, "id"),
        ("/tt/post/info", {}, "url"),
        ("/tt/post/multi-info", {}, "ids"),
        ("/tt/post/comments", {}, "aweme_id"),
        ("/tt/post/comments-replies", {"aweme_id": "1"}, "comment_id"),
        ("/tt/music/info", {}, "name"),
        ("/tt/music/posts", {}, "music_id"),
        ("/tt/music/details", {}, "id"),
        ("/customer/get-used-units", {}, "date"),
        ("/customer/get-history", {}, "days"),
    ],
)
def test_missing_parameter_is_422_naming_it(
    http: httpx.Client, path: str, params: dict[str, Any], missing: str
) -> None:
    r = get(http, path, **params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert "data" not in body and f"'{missing}'" in body["detail"]
    assert r.headers["units_charged"] == "0"


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"period": "2"}, "period"),
        ({"period": "7", "sorting": "5"}, "sorting"),
        ({"period": "x"}, "period"),
    ],
)
def test_bad_keyword_parameters_are_422(http: httpx.Client, params: dict[str, str], bad: str) -> None:
    r = get(http, "/tt/keyword/search", name="cat", **params)
    assert r.status_code == 422 and f"'{bad}'" in r.json()["detail"]


@pytest.mark.parametrize("period", ["0", "1", "7", "30", "90", "180"])
def test_every_documented_period_is_accepted(http: httpx.Client, period: str) -> None:
    assert get(http, "/tt/keyword/search", name="cat", period=period).status_code == 200


def test_country_must_be_iso_alpha2(http: httpx.Client) -> None:
    assert get(http, "/tt/keyword/search", name="cat", period="0", country="ZZ").status_code == 466
    assert get(http, "/tt/keyword/full-search", name="cat", period="0", country="USA").status_code == 466
    assert get(http, "/tt/keyword/search", name="cat", period="0", country="de").status_code == 200


def test_user_errors(http: httpx.Client, world: World) -> None:
    private = first(world, lambda a: a.is_private)
    hidden_likes = first(world, lambda a: not a.is_private and not a.likes_public)
    hidden_following = first(world, lambda a: not a.is_private and not a.following_public)
    assert get(http, "/tt/user/posts", username="not a name", depth=1).status_code == 463
    assert get(http, "/tt/user/posts-from-secuid", secUid="garbage", depth=1).status_code == 463
    assert get(http, "/tt/user/posts", username="nobody_here_123", depth=1).status_code == 473
    assert get(http, "/tt/user/info-from-secuid", secUid="MS4wLjABAAAAnope").status_code == 473
    assert get(http, "/tt/user/posts", username=private.username, depth=1).status_code == 472
    assert get(http, "/tt/user/followers", id=str(private.uid), secUid=private.sec_uid).status_code == 472
    assert get(http, "/tt/user/liked-posts", secUid=hidden_likes.sec_uid).status_code == 472
    r = get(http, "/tt/user/followings", id=str(hidden_following.uid), secUid=hidden_following.sec_uid)
    assert r.status_code == 472
    other = first(world, lambda a: a.index != private.index)
    assert get(http, "/tt/user/followers", id=str(other.uid), secUid=private.sec_uid).status_code == 463
    # The profile card of a private account is still public.
    info = get(http, "/tt/user/info", username=private.username)
    assert info.status_code == 200 and info.json()["data"]["user"]["privateAccount"] is True


def test_post_errors(http: httpx.Client, star: Any) -> None:
    assert get(http, "/tt/post/info", url="https://example.com/video/1").status_code == 462
    assert (
        get(http, "/tt/post/info", url=f"https://www.tiktok.com/@{star.username}/video/123").status_code
        == 404
    )
    assert get(http, "/tt/post/comments", aweme_id="123").status_code == 404
    assert get(http, "/tt/music/details", id="42").status_code == 404


def test_multi_info_takes_at_most_100_ids(http: httpx.Client, world: World, star: Any) -> None:
    videos = [str(v.id) for v in catalog(world).account_videos(star.index, NOW)]
    ok = get(http, "/tt/post/multi-info", ids=";".join(videos[:100]))
    assert ok.status_code == 200 and len(ok.json()["data"]) == 100
    too_many = get(http, "/tt/post/multi-info", ids=";".join(videos[:101]))
    assert too_many.status_code == 464 and "data" not in too_many.json()


def test_token_and_route_errors(http: httpx.Client) -> None:
    assert get(http, "/tt/user/info", token="wrong", username="x").status_code == 491
    assert get(http, "/tt/no/such/endpoint").status_code == 404


def test_node_client_double_slash_is_tolerated(sb: SandboxHandle, star: Any) -> None:
    r = httpx.get(
        sb.base_url + "/apis//tt/user/info", params={"token": "sandbox-token", "username": star.username}
    )
    assert r.status_code == 200 and r.json()["data"]["user"]["uniqueId"] == star.username


# -- units ----------------------------------------------------------------------------------------------------
def test_units_header_per_endpoint(http: httpx.Client, star: Any) -> None:
    assert get(http, "/tt/hashtag/posts", name="cat").headers["units_charged"] == "1"
    assert get(http, "/tt/user/posts", username=star.username, depth=4).headers["units_charged"] == "4"
    full = get(http, "/tt/hashtag/recent-posts", name="cat", days=10)
    n = len(full.json()["data"]["data"])
    assert full.headers["units_charged"] == str(2 * max(1, -(-n // 20)))
    assert get(http, "/tt/user/info", username="nobody_here_123").headers["units_charged"] == "0"


# -- paging rules ---------------------------------------------------------------------------------------------
def test_pinned_posts_come_first_only_on_the_first_call(http: httpx.Client, world: World, star: Any) -> None:
    pinned = {str(v.id) for v in world.pinned(star.index)}
    body = get(http, "/tt/user/posts", username=star.username, depth=1).json()
    tops = [p for p in body["data"] if p["is_top"] == 1]
    assert {p["aweme_id"] for p in tops} == pinned
    assert body["data"][: len(tops)] == tops  # pinned first
    rest = [p["create_time"] for p in body["data"][len(tops) :]]
    assert rest == sorted(rest, reverse=True) and len(rest) >= 10
    following = get(
        http, "/tt/user/posts", username=star.username, depth=1, start_cursor=body["nextCursor"]
    ).json()
    assert all(p["is_top"] == 0 for p in following["data"])
    assert max(p["create_time"] for p in following["data"]) < min(rest)


def test_depth_is_ten_posts_per_unit(http: httpx.Client, star: Any) -> None:
    body = get(http, "/tt/user/posts", username=star.username, depth=3, start_cursor=NOW * 1000).json()
    assert 30 <= len(body["data"]) <= 33  # chunks never split one second


def test_oldest_createtime_overshoots_then_stops(
    sb: SandboxHandle, http: httpx.Client, world: World, star: Any
) -> None:
    timeline = [
        v
        for v in catalog(world).account_videos(star.index, NOW)
        if v.id not in {p.id for p in world.pinned(star.index)}
    ]
    oldest = timeline[25].create_time  # inside the third chunk of ten
    body = get(http, "/tt/user/posts", username=star.username, depth=10, oldest_createtime=oldest).json()
    times = [p["create_time"] for p in body["data"] if p["is_top"] == 0]
    assert "nextCursor" not in body  # the request is complete
    assert len(times) == 30 and min(times) < oldest  # the crossing chunk keeps its older posts
    truth = {"username": star.username, "depth": 1, "oldest_createtime": oldest}
    keys = [p["aweme_id"] for p in body["data"]]
    assert keys == sb.truth("ensembledata", "/tt/user/posts", truth)


def test_followings_end_when_page_token_is_missing(
    sb: SandboxHandle, http: httpx.Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ed_users, "FOLLOW_PAGE", 3)
    user = first(
        world, lambda a: not a.is_private and a.following_public and len(world.following(a.index, NOW)) > 7
    )
    ids = {"id": str(user.uid), "secUid": user.sec_uid}
    keys, extra, last = [], {}, {}
    for _ in range(50):
        last = get(http, "/tt/user/followings", **ids, **extra).json()["data"]
        keys += [u["uid"] for u in last["followings"]]
        if "nextPageToken" not in last:
            break
        assert "nextCursor" in last
        extra = {"cursor": last["nextCursor"], "page_token": last["nextPageToken"]}
    assert "nextCursor" in last  # the trap: only the page token marks the end
    assert keys == sb.truth("ensembledata", "/tt/user/followings", ids)
    assert len(keys) == len(world.following(user.index, NOW)) == last["total"]


def test_followers_only_the_latest_are_reachable(
    sb: SandboxHandle, http: httpx.Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ed_users, "FOLLOWERS_REACHABLE", 5
    )  # 5,000 in the reference; the small world is small
    monkeypatch.setattr(ed_users, "FOLLOW_PAGE", 2)
    user = first(world, lambda a: not a.is_private and len(world.followers(a.index, NOW)) > 8)
    ids = {"id": str(user.uid), "secUid": user.sec_uid}
    keys, cursor, total = [], None, 0
    for _ in range(20):
        data = get(http, "/tt/user/followers", **ids, **({"cursor": cursor} if cursor else {})).json()["data"]
        keys += [u["uid"] for u in data["followers"]]
        total = data["total"]
        cursor = data.get("nextCursor")
        if cursor is None:
            break
    newest = [str(world.accounts[e.follower_index].uid) for e in world.followers(user.index, NOW)]
    assert total == len(newest) > 8
    assert keys[:5] == newest[:5] and len(keys) <= 6  # a page never splits one second
    assert keys == sb.truth("ensembledata", "/tt/user/followers", ids)


def test_hashtag_search_is_capped(
    sb: SandboxHandle, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(4000 <= ed_videos.hashtag_cap(t) <= 5000 for t in ("fyp", "cat", "x"))
    monkeypatch.setattr(ed_videos, "hashtag_cap", lambda tag: 45)  # ~4-5k in the reference
    keys, cursor = [], 0
    while cursor is not None:
        payload = get(http, "/tt/hashtag/posts", name="fyp", cursor=cursor).json()["data"]
        keys += [p["aweme_id"] for p in payload["data"]]
        cursor = payload.get("nextCursor")
    assert len(keys) == 45 and keys == sb.truth("ensembledata", "/tt/hashtag/posts", {"name": "fyp"})
    full = get(http, "/tt/hashtag/recent-posts", name="fyp", days=30).json()["data"]["data"]
    assert len(full) > 45  # the full search is not capped


# -- determinism ----------------------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_responses(star: Any) -> None:
    requests = [
        ("/tt/hashtag/posts", {"name": "cat", "cursor": 20}),
        ("/tt/keyword/search", {"name": "dog", "period": "30", "sorting": "1"}),
        ("/tt/user/posts", {"username": star.username, "depth": 2}),
        ("/tt/user/info", {"username": star.username}),
        ("/tt/music/info", {"name": "love"}),
    ]
    bodies = []
    for _ in range(2):
        with (
            running_sandbox(seed=7, now="2026-06-15T12:00:00Z") as box,
            httpx.Client(base_url=box.ensembledata_url, timeout=60) as client,
        ):
            bodies.append([get(client, path, **params).content for path, params in requests])
    assert bodies[0] == bodies[1]
    with running_sandbox(seed=8, now="2026-06-15T12:00:00Z") as other:
        r = httpx.get(
            other.ensembledata_url + "/tt/hashtag/posts",
            params={"token": "sandbox-token", "name": "cat", "cursor": 20},
        )
        assert r.content != bodies[0][0]


# -- search options -------------------------------------------------------------------------------------------
def test_keyword_match_exactly_and_author_stats(http: httpx.Client, world: World) -> None:
    loose = get(http, "/tt/keyword/full-search", name="cat", period="0").json()["data"]["data"]
    exact = get(http, "/tt/keyword/full-search", name="cat", period="0", match_exactly="true").json()["data"][
        "data"
    ]
    assert {p["aweme_id"] for p in exact} < {p["aweme_id"] for p in loose}  # "cats" no longer matches
    assert all(re.search(r"(?<!\w)cat(?!\w)", p["desc"].lower()) for p in exact)
    page = get(http, "/tt/keyword/search", name="cat", period="30", get_author_stats="true").json()["data"][
        "data"
    ]
    author = world.account_by_username(page[0]["author"]["unique_id"])
    assert page[0]["author_stats"]["follower_count"] == len(world.followers(author.index, NOW))
