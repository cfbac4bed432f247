"""The official `ensembledata` package (0.2.11), unchanged but for its base URL, drives every
`EDClient.tiktok.*` method against the sandbox over real HTTP; paging to the end collects exactly the
truth endpoint's keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import ensembledata.api._requester as ed_requester
import pytest
from ensembledata.api import EDClient, EDError

from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.world import World, day_start
from tiktok_assets.sandbox.world.catalog import catalog

NOW = day_start(date(2026, 6, 15)) + 12 * 3600
MAX_PAGES = 500


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(seed=7, size="small", now="2026-06-15T12:00:00Z") as handle:
        yield handle


@pytest.fixture(scope="module")
def ed(sb: SandboxHandle) -> Iterator[EDClient]:
    patch = pytest.MonkeyPatch()
    patch.setattr(ed_requester, "BASE_URL", sb.ensembledata_url)  # read per request (client)
    yield EDClient(sb.ed_token, timeout=60, max_network_retries=1)
    patch.undo()


@pytest.fixture(scope="module")
def world() -> World:
    return World(7, "small")  # the sandbox's world, rebuilt locally to choose subjects


@pytest.fixture(scope="module")
def star(world: World) -> Any:
    """A public account with pinned posts, public likes and followings, and many posts."""
    cat = catalog(world)
    for a in world.accounts:
        if (
            not a.is_private
            and a.likes_public
            and a.following_public
            and world.pinned(a.index)
            and len(cat.account_videos(a.index, NOW)) > 60
            and len(world.following(a.index, NOW)) > 2
            and len(world.followers(a.index, NOW)) > 2
            and len(world.liked(a.index, NOW)) > 35
        ):
            return a
    raise AssertionError("no suitable account in the world")


@pytest.fixture(scope="module")
def chatty(world: World) -> tuple[Any, Any]:
    """(video with 31..300 comments, one of its comments with more than 30 replies)."""
    cat = catalog(world)
    for day in world.days(date(2026, 5, 1), date(2026, 6, 10)):
        for v in world.videos_on(day):
            if world.accounts[v.author_index].is_private or not cat.visible(v, NOW):
                continue
            if 31 <= world.stats(v, NOW).comments <= 300:
                for c in world.comments(v, NOW):
                    if c.reply_count > 30:
                        return v, c
    raise AssertionError("no suitable video in the world")


def page_all(call: Callable[[Any], tuple[list[str], Any]]) -> list[str]:
    """Follow a cursor until the API stops giving one; fail on a loop."""
    keys: list[str] = []
    cursor: Any = None
    for _ in range(MAX_PAGES):
        page, cursor = call(cursor)
        keys += page
        if cursor is None:
            return keys
    raise AssertionError("paging never ended")


def kw(cursor: Any, name: str = "cursor") -> dict[str, Any]:
    return {} if cursor is None else {name: cursor}


def test_hashtag_search_pages_to_truth(ed: EDClient, sb: SandboxHandle) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.hashtag_search(hashtag="dog", **kw(cursor)).data
        assert len(payload["data"]) <= 20
        return [p["aweme_id"] for p in payload["data"]], payload.get("nextCursor")

    keys = page_all(call)
    assert len(keys) > 100 and len(set(keys)) == len(keys)
    assert keys == sb.truth("ensembledata", "/tt/hashtag/posts", {"name": "dog"})


def test_full_hashtag_search_returns_everything_in_one_call(ed: EDClient, sb: SandboxHandle) -> None:
    res = ed.tiktok.full_hashtag_search(hashtag="cat", days=30)
    keys = [p["aweme_id"] for p in res.data["data"]]
    assert keys and keys == sb.truth("ensembledata", "/tt/hashtag/recent-posts", {"name": "cat", "days": 30})
    assert all(p["create_time"] >= NOW - 30 * 86_400 for p in res.data["data"])
    assert int(res.units_charged) == 2 * -(-len(keys) // 20)  # full searches charge per block of 20


@pytest.mark.parametrize("sorting", ["0", "1"])
def test_keyword_search_pages_to_truth(ed: EDClient, sb: SandboxHandle, sorting: str) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.keyword_search(keyword="dog", period="30", sorting=sorting, **kw(cursor)).data
        return [p["aweme_id"] for p in payload["data"]], payload.get("nextCursor")

    keys = page_all(call)
    params = {"name": "dog", "period": "30", "sorting": sorting}
    assert len(keys) > 20 and keys == sb.truth("ensembledata", "/tt/keyword/search", params)


def test_full_keyword_search_matches_paged_search(ed: EDClient, sb: SandboxHandle) -> None:
    res = ed.tiktok.full_keyword_search(keyword="cat", period="30", country="US")
    keys = [p["aweme_id"] for p in res.data["data"]]
    assert keys == sb.truth(
        "ensembledata", "/tt/keyword/full-search", {"name": "cat", "period": "30", "country": "US"}
    )
    assert keys and all(p["region"] == "US" for p in res.data["data"])


@pytest.mark.parametrize("by", ["username", "secuid"])
def test_user_posts_page_to_truth(ed: EDClient, sb: SandboxHandle, star: Any, by: str) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        if by == "username":
            res = ed.tiktok.user_posts_from_username(username=star.username, depth=2, **kw(cursor))
        else:
            res = ed.tiktok.user_posts_from_secuid(sec_uid=star.sec_uid, depth=2, **kw(cursor))
        body = res.data  # top-level: data + nextCursor (client: return_top_level_data)
        assert int(res.units_charged) == 2
        return [p["aweme_id"] for p in body["data"]], body.get("nextCursor")

    keys = page_all(call)
    params = (
        {"username": star.username, "depth": 2} if by == "username" else {"secUid": star.sec_uid, "depth": 2}
    )
    path = "/tt/user/posts" if by == "username" else "/tt/user/posts-from-secuid"
    assert len(keys) > 60 and len(set(keys)) == len(keys)
    assert keys == sb.truth("ensembledata", path, params)


def test_user_info_both_ways(ed: EDClient, sb: SandboxHandle, star: Any, world: World) -> None:
    web = ed.tiktok.user_info_from_username(username=star.username).data
    app = ed.tiktok.user_info_from_secuid(sec_uid=star.sec_uid).data
    alt = ed.tiktok.user_info_from_secuid(sec_uid=star.sec_uid, alternative_method=True).data
    assert web["user"]["id"] == app["user"]["uid"] == str(star.uid)
    assert (
        web["stats"]["followerCount"]
        == app["user"]["follower_count"]
        == len(world.followers(star.index, NOW))
    )
    assert set(web["stats"]) == {"followingCount", "followerCount", "heartCount", "videoCount", "diggCount"}
    assert "category" in alt["user"] and "category" not in app["user"]
    for path, params in (
        ("/tt/user/info", {"username": star.username}),
        ("/tt/user/info-from-secuid", {"secUid": star.sec_uid}),
    ):
        assert sb.truth("ensembledata", path, params) == [str(star.uid)]


def test_user_search_pages_to_truth(ed: EDClient, sb: SandboxHandle) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.user_search(keyword="a", **kw(cursor)).data
        return [u["user_info"]["uid"] for u in payload["users"]], payload.get("nextCursor")

    keys = page_all(call)
    assert len(keys) > 10 and keys == sb.truth("ensembledata", "/tt/user/search", {"keyword": "a"})


def test_liked_posts_page_to_truth(ed: EDClient, sb: SandboxHandle, star: Any) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.user_liked_posts(sec_uid=star.sec_uid, **kw(cursor)).data
        return [p["aweme_id"] for p in payload["liked_posts"]], payload.get("nextCursor")

    keys = page_all(call)
    assert len(keys) > 30 and keys == sb.truth(
        "ensembledata", "/tt/user/liked-posts", {"secUid": star.sec_uid}
    )


def test_followers_page_to_truth(ed: EDClient, sb: SandboxHandle, star: Any) -> None:
    def call(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.user_followers(id=str(star.uid), sec_uid=star.sec_uid, **kw(cursor)).data
        assert payload["total"] >= len(payload["followers"])
        return [u["uid"] for u in payload["followers"]], payload.get("nextCursor")

    keys = page_all(call)
    params = {"id": str(star.uid), "secUid": star.sec_uid}
    assert keys and keys == sb.truth("ensembledata", "/tt/user/followers", params)


def test_followings_page_to_truth_sending_both_tokens_back(
    ed: EDClient, sb: SandboxHandle, star: Any
) -> None:
    keys: list[str] = []
    extra: dict[str, Any] = {}
    for _ in range(MAX_PAGES):
        payload = ed.tiktok.user_followings(id=str(star.uid), sec_uid=star.sec_uid, **extra).data
        keys += [u["uid"] for u in payload["followings"]]
        if "nextCursor" not in payload or "nextPageToken" not in payload:  # the end: either missing (doc)
            break
        extra = {"cursor": payload["nextCursor"], "page_token": payload["nextPageToken"]}
    params = {"id": str(star.uid), "secUid": star.sec_uid}
    assert keys and keys == sb.truth("ensembledata", "/tt/user/followings", params)


def test_post_info_and_multi_info(ed: EDClient, sb: SandboxHandle, star: Any, world: World) -> None:
    videos = catalog(world).account_videos(star.index, NOW)[:5]
    url = f"https://www.tiktok.com/@{star.username}/video/{videos[0].id}"
    single = ed.tiktok.post_info(url=url).data
    assert [p["aweme_id"] for p in single] == [str(videos[0].id)]
    assert sb.truth("ensembledata", "/tt/post/info", {"url": url}) == [str(videos[0].id)]
    ids = [str(v.id) for v in videos]
    many = ed.tiktok.multi_post_info(aweme_ids=ids).data
    assert [p["aweme_id"] for p in many] == ids
    assert sb.truth("ensembledata", "/tt/post/multi-info", {"ids": ";".join(ids)}) == ids


def test_comments_and_replies_page_to_truth(ed: EDClient, sb: SandboxHandle, chatty: tuple[Any, Any]) -> None:
    video, comment = chatty

    def comments(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.post_comments(aweme_id=str(video.id), **kw(cursor)).data
        assert len(payload["comments"]) <= 30
        return [c["cid"] for c in payload["comments"]], payload.get("nextCursor")

    def replies(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.post_comment_replies(
            aweme_id=str(video.id), comment_id=str(comment.id), **kw(cursor)
        ).data
        return [c["cid"] for c in payload["comments"]], payload.get("nextCursor")

    keys = page_all(comments)
    assert len(keys) > 30 and keys == sb.truth(
        "ensembledata", "/tt/post/comments", {"aweme_id": str(video.id)}
    )
    reply_keys = page_all(replies)
    params = {"aweme_id": str(video.id), "comment_id": str(comment.id)}
    assert len(reply_keys) > 30 and reply_keys == sb.truth(
        "ensembledata", "/tt/post/comments-replies", params
    )


def test_music_search_posts_and_details(ed: EDClient, sb: SandboxHandle, world: World) -> None:
    def search(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.music_search(keyword="o", sorting="1", **kw(cursor)).data
        return [m["mid"] for m in payload["music"]], payload.get("nextCursor")

    found = page_all(search)
    assert len(found) > 20 and found == sb.truth(
        "ensembledata", "/tt/music/info", {"name": "o", "sorting": "1"}
    )
    top = found[0]

    def posts(cursor: Any) -> tuple[list[str], Any]:
        payload = ed.tiktok.music_posts(music_id=top, **kw(cursor)).data
        return [p["aweme_id"] for p in payload["aweme_list"]], payload.get("nextCursor")

    keys = page_all(posts)
    assert len(keys) > 20 and keys == sb.truth("ensembledata", "/tt/music/posts", {"music_id": top})
    details = ed.tiktok.music_details(music_id=top).data
    assert details["id_str"] == top and details["user_count"] == world.music_usage(int(top), NOW)
    assert sb.truth("ensembledata", "/tt/music/details", {"id": top}) == [top]


def test_lives_search_is_empty_in_a_world_without_lives(ed: EDClient, sb: SandboxHandle) -> None:
    assert ed.tiktok.lives_search(keyword="cat").data == []
    assert sb.truth("ensembledata", "/tt/live/search", {"keyword": "cat"}) == []


def test_customer_usage_reports_units_spent() -> None:
    with running_sandbox(seed=7, now="2026-06-15T12:00:00Z") as box:
        patch = pytest.MonkeyPatch()
        patch.setattr(ed_requester, "BASE_URL", box.ensembledata_url)
        try:
            client = EDClient(box.ed_token, timeout=60, max_network_retries=1)
            client.tiktok.hashtag_search(hashtag="cat")
            client.tiktok.user_posts_from_username(username=World(7).accounts[8].username, depth=3)
            assert client.customer.get_usage(date="2026-06-15").data == 4
            history = client.customer.get_usage_history(days=2).data
            assert history == [{"date": "2026-06-15", "units": 4}, {"date": "2026-06-14", "units": 0}]
        finally:
            patch.undo()


def test_errors_reach_the_client_as_ederror(ed: EDClient) -> None:
    with pytest.raises(EDError) as err:
        ed.tiktok.user_info_from_username(username="no_such_user_anywhere")
    assert err.value.status_code == 473


def test_same_video_as_the_world_at_now(ed: EDClient, star: Any, world: World) -> None:
    video = catalog(world).account_videos(star.index, NOW)[3]
    post = ed.tiktok.post_info(url=f"https://www.tiktok.com/@{star.username}/video/{video.id}").data[0]
    stats = world.stats(video, NOW)
    assert post["aweme_id"] == str(video.id) and post["create_time"] == video.create_time
    assert post["author"]["unique_id"] == star.username and post["author"]["sec_uid"] == star.sec_uid
    assert post["desc"] == video.description and post["music"]["id"] == video.music_id
    assert [t["hashtag_name"] for t in post["text_extra"] if t["type"] == 1] == list(video.hashtags)
    s = post["statistics"]
    assert (s["play_count"], s["digg_count"], s["comment_count"], s["share_count"], s["collect_count"]) == (
        stats.views,
        stats.likes,
        stats.comments,
        stats.shares,
        stats.favorites,
    )
