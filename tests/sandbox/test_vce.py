"""VCE query tasks through `RQSClient` (pyrqs' surface) over real HTTP against the sandbox."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.vce import rqs_client
from tiktok_assets.sandbox.vce.rqs_client import QueryTaskFailed, RQSClient, RQSError
from tiktok_assets.sandbox.world import World, day_start
from tiktok_assets.sandbox.world.catalog import catalog

NOW = day_start(date(2026, 6, 15)) + 12 * 3600


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(seed=7, size="small", now="2026-06-15T12:00:00Z") as handle:
        yield handle


@pytest.fixture(scope="module")
def rqs(sb: SandboxHandle) -> Iterator[RQSClient]:
    with RQSClient(sb.vce_url, stage="execution", poll_interval=0) as client:
        yield client


@pytest.fixture(scope="module")
def world() -> World:
    return World(7, "small")


@pytest.fixture(scope="module")
def public(world: World) -> list[Any]:
    return [a for a in world.accounts if not a.is_private]


def cond(field: str, operator: str, *values: Any) -> dict[str, Any]:
    return {"field": field, "operator": operator, "field_values": [str(v) for v in values]}


def group(operator: str, *conditions: dict[str, Any]) -> dict[str, Any]:
    return {"operator": operator, "conditions": list(conditions)}


def videos_of(world: World, accounts: list[Any]) -> list[Any]:
    cat = catalog(world)
    return sorted((v for a in accounts for v in cat.account_videos(a.index, NOW)), key=lambda v: -v.id)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]


# -- lifecycle ------------------------------------------------------------------------------------------------
def test_lifecycle_by_polling(rqs: RQSClient, public: list[Any]) -> None:
    task = rqs.create_query_task(
        category="video",
        condition_groups=[group("and", cond("username", "EQ", public[0].username))],
        fields="id,like_count",
        limit=10,
    )
    assert isinstance(task, int)
    seen = [rqs.check_query_task_status(task) for _ in range(5)]
    assert seen == ["Created", "Validating", "Processing", "Completed", "Completed"]
    result = rqs.get_query_task_result(task)
    assert isinstance(result, list) and 0 < len(result) <= 10
    assert all(set(r) == {"id", "like_count"} for r in result)


def test_lifecycle_follows_the_sandbox_clock(sb: SandboxHandle, public: list[Any]) -> None:
    with running_sandbox(seed=7, now="2026-06-15T12:00:00Z") as box, RQSClient(box.vce_url) as client:
        task = client.create_query_task(
            category="profile",
            condition_groups=[group("and", cond("username", "EQ", public[0].username))],
            fields="username",
        )
        with pytest.raises(RQSError) as err:
            client.get_query_task_result(task)
        assert err.value.status_code == 409 and err.value.code == "not_ready"
        box.advance(60)  # no polls at all: the clock alone finishes the task
        assert client.check_query_task_status(task) == "Completed"
        assert client.get_query_task_result(task) == [{"username": public[0].username}]


def test_cancel(rqs: RQSClient, public: list[Any]) -> None:
    task = rqs.create_query_task(category="video", condition_groups=[], fields="id", limit=5)
    assert rqs.check_query_task_status(task) == "Created"
    assert rqs.cancel_query_task(task) is True
    assert rqs.check_query_task_status(task) == "Cancelled"
    assert rqs.cancel_query_task(task) is False
    with pytest.raises(RQSError) as err:
        rqs.get_query_task_result(task)
    assert err.value.code == "cancelled"
    done = rqs.create_query_task(category="video", condition_groups=[], fields="id", limit=5)
    for _ in range(4):
        rqs.check_query_task_status(done)
    assert rqs.cancel_query_task(done) is False and len(rqs.get_query_task_result(done)) == 5


def test_unknown_task_and_bad_requests(rqs: RQSClient) -> None:
    with pytest.raises(RQSError) as err:
        rqs.check_query_task_status(999)
    assert err.value.status_code == 404
    with pytest.raises(RQSError) as err:
        rqs.create_query_task(category="tweets", condition_groups=[], fields="id")
    assert err.value.status_code == 400 and err.value.code == "invalid_category"


def test_base_url_from_the_environment(sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_VCE_BASE_URL", sb.vce_url)
    with RQSClient(poll_interval=0) as client:
        assert client.query(category="video", condition_groups=[], fields="id", limit=3)
    monkeypatch.delenv("TIKTOK_VCE_BASE_URL")
    with pytest.raises(ValueError, match="TIKTOK_VCE_BASE_URL"):
        RQSClient()


def test_rqs_client_imports_only_httpx_and_the_stdlib() -> None:
    tree = ast.parse(Path(rqs_client.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and m.startswith("tiktok_assets") for m in imported)
    assert "httpx" in imported


# -- operators ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(world: World, public: list[Any]) -> tuple[list[Any], list[Any]]:
    accounts = public[:6]
    return accounts, videos_of(world, accounts)


def run(
    rqs: RQSClient,
    accounts: list[Any],
    *conditions: dict[str, Any],
    fields: str = "id",
    extra: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    scope = cond("username", "IN", *[a.username for a in accounts])
    return rqs.query(
        category="video",
        condition_groups=[group("and", scope, *conditions), *(extra or [])],
        fields=fields,
        limit=100_000,
    )


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("GT", lambda likes, t: likes > t),
        ("GTE", lambda likes, t: likes >= t),
        ("LT", lambda likes, t: likes < t),
        ("LTE", lambda likes, t: likes <= t),
        ("EQ", lambda likes, t: likes == t),
    ],
)
def test_numeric_operators(rqs: RQSClient, world: World, sample: Any, op: str, check: Any) -> None:
    accounts, videos = sample
    threshold = sorted(world.stats(v, NOW).likes for v in videos)[len(videos) // 2]
    got = run(rqs, accounts, cond("like_count", op.lower(), threshold), fields="id,like_count")
    assert ids(got) == [v.id for v in videos if check(world.stats(v, NOW).likes, threshold)]
    assert got and all(check(r["like_count"], threshold) for r in got)


def test_eq_and_in(rqs: RQSClient, sample: Any) -> None:
    accounts, videos = sample
    assert ids(run(rqs, accounts, cond("id", "eq", videos[3].id))) == [videos[3].id]
    picked = [videos[1].id, videos[5].id, 42]
    assert ids(run(rqs, accounts, cond("id", "In", *picked))) == picked[:2]
    region = videos[0].region
    assert ids(run(rqs, accounts, cond("region_code", "EQ", region.lower()))) == [
        v.id for v in videos if v.region == region
    ]


def test_like_uses_sql_wildcards(rqs: RQSClient, sample: Any) -> None:
    accounts, videos = sample
    got = run(rqs, accounts, cond("video_description", "like", "%#FYP%"))
    assert ids(got) == [v.id for v in videos if "#fyp" in v.description.lower()] and got
    word = videos[0].description.split()[0]
    pattern = "_" + word[1:] + " %"  # `_` one character, `%` any run
    expected = [
        v.id
        for v in videos
        if re.fullmatch(re.escape(word[1:]) + " .*", v.description[1:], re.IGNORECASE | re.DOTALL)
        and v.description
    ]
    assert ids(run(rqs, accounts, cond("video_description", "LIKE", pattern))) == expected and expected


def test_contains(rqs: RQSClient, sample: Any) -> None:
    accounts, videos = sample
    got = run(rqs, accounts, cond("hashtag_names", "CONTAINS", "FYP", "cat"), fields="id,hashtag_names")
    assert ids(got) == [v.id for v in videos if {"fyp", "cat"} & set(v.hashtags)] and got


def test_group_operators(rqs: RQSClient, sample: Any) -> None:
    accounts, videos = sample
    tag, region = "fyp", videos[0].region
    either = run(
        rqs, accounts, extra=[group("or", cond("hashtag_name", "EQ", tag), cond("region_code", "EQ", region))]
    )
    assert ids(either) == [v.id for v in videos if tag in v.hashtags or v.region == region]
    neither = run(
        rqs,
        accounts,
        extra=[group("NOT", cond("hashtag_name", "EQ", tag), cond("region_code", "EQ", region))],
    )
    assert ids(neither) == [v.id for v in videos if tag not in v.hashtags and v.region != region]
    assert set(ids(either)).isdisjoint(ids(neither)) and len(either) + len(neither) == len(videos)


def test_fields_selection_and_values(rqs: RQSClient, world: World, sample: Any) -> None:
    accounts, videos = sample
    row = run(rqs, accounts, cond("id", "EQ", videos[0].id), fields="")[0]
    v, stats = videos[0], world.stats(videos[0], NOW)
    assert row["id"] == v.id and row["username"] == v.username and row["create_time"] == v.create_time
    assert (row["view_count"], row["like_count"], row["share_count"]) == (
        stats.views,
        stats.likes,
        stats.shares,
    )
    assert row["hashtag_names"] == list(v.hashtags) and row["music_id"] == v.music_id
    assert "_author_index" not in row and len(row) == 23


@pytest.mark.parametrize(
    ("conditions", "fields", "message"),
    [
        ([cond("nope", "EQ", "1")], "id", "cannot be used"),
        ([cond("username", "LIKE", "a%")], "id", "not allowed"),
        ([cond("video_description", "CONTAINS", "a")], "id", "not allowed"),
        ([cond("like_count", "GT", "many")], "id", "compares numbers"),
        ([cond("like_count", "GT", "1", "2")], "id", "exactly one value"),
        ([{"field_name": "id", "operation": "EQ", "field_values": ["1"]}], "id", "not 'field_name'"),
        ([], "id,bogus", "unknown video field"),
    ],
)
def test_bad_queries_end_analysis_failed(
    rqs: RQSClient, conditions: list[Any], fields: str, message: str
) -> None:
    task = rqs.create_query_task(
        category="video", condition_groups=[group("and", *conditions)], fields=fields
    )
    statuses = [rqs.check_query_task_status(task) for _ in range(4)]
    assert statuses == ["Created", "Validating", "AnalysisFailed", "AnalysisFailed"]
    with pytest.raises(QueryTaskFailed, match=message):
        rqs.query(category="video", condition_groups=[group("and", *conditions)], fields=fields)


# -- categories -----------------------------------------------------------------------------------------------
def test_user_categories(rqs: RQSClient, world: World, public: list[Any]) -> None:
    cat = catalog(world)
    a = next(
        x
        for x in public
        if x.likes_public
        and x.following_public
        and world.pinned(x.index)
        and world.reposted(x.index, NOW)
        and world.followers(x.index, NOW)
    )
    who = [group("and", cond("username", "EQ", a.username))]

    def q(category: str, fields: str) -> list[dict[str, Any]]:
        return rqs.query(category=category, condition_groups=who, fields=fields, limit=100_000)

    ok = [
        v.id
        for v, _ in world.liked(a.index, NOW)
        if cat.visible(v, NOW) and not cat.is_private(v.author_index)
    ]
    assert ids(q("liked_videos", "id")) == ok
    assert ids(q("pinned_videos", "id")) == [v.id for v in world.pinned(a.index) if cat.visible(v, NOW)]
    assert ids(q("reposted_videos", "id")) == [
        v.id
        for v, _ in world.reposted(a.index, NOW)
        if cat.visible(v, NOW) and not cat.is_private(v.author_index)
    ]
    assert [r["username"] for r in q("followers_list", "username")] == [
        world.accounts[e.follower_index].username for e in world.followers(a.index, NOW)
    ]
    assert [r["username"] for r in q("following_list", "display_name,username")] == [
        world.accounts[e.followee_index].username for e in world.following(a.index, NOW)
    ]
    profile = q("profile", "username,follower_count,video_count")
    assert profile == [
        {
            "username": a.username,
            "follower_count": len(world.followers(a.index, NOW)),
            "video_count": len(cat.account_videos(a.index, NOW)),
        }
    ]
    private = next(x for x in world.accounts if x.is_private)
    with pytest.raises(QueryTaskFailed, match="private"):
        rqs.query(
            category="followers_list",
            condition_groups=[group("and", cond("username", "EQ", private.username))],
            fields="username",
        )
    with pytest.raises(QueryTaskFailed, match="not allowed"):
        rqs.query(
            category="liked_videos", condition_groups=[group("and", cond("username", "IN", a.username))]
        )


def test_comments_and_playlists(rqs: RQSClient, world: World, sample: Any) -> None:
    _, videos = sample
    video = next(v for v in videos if world.stats(v, NOW).comments > 3)
    rows = rqs.query(
        category="comment",
        condition_groups=[group("and", cond("video_id", "EQ", video.id))],
        fields="id,parent_comment_id,like_count",
        limit=100_000,
    )
    top = [c.id for c in world.comments(video, NOW)]
    assert [r["id"] for r in rows if r["parent_comment_id"] == video.id] == top
    with pytest.raises(QueryTaskFailed, match="video_id"):
        rqs.query(category="comment", condition_groups=[], fields="id")
    listed = next(v for v in videos if v.playlist_id is not None)
    playlist = world.playlist(listed.playlist_id, NOW)
    rows = rqs.query(
        category="playlists", condition_groups=[group("and", cond("playlist_id", "EQ", listed.playlist_id))]
    )
    assert rows == [
        {
            "playlist_id": playlist.id,
            "playlist_name": playlist.name,
            "playlist_video_ids": list(playlist.video_ids),
            "playlist_item_total": len(playlist.video_ids),
            "playlist_last_updated": playlist.last_updated,
            "username": listed.username,
        }
    ]


# -- stages ---------------------------------------------------------------------------------------------------
def test_stage_default_limits(sb: SandboxHandle, rqs: RQSClient) -> None:
    with RQSClient(sb.vce_url, stage="test", poll_interval=0) as test_stage:
        assert len(test_stage.query(category="video", condition_groups=[], fields="id")) == 100
        with pytest.raises(QueryTaskFailed, match="5000"):
            test_stage.query(category="video", condition_groups=[], fields="id", limit=5_001)
    assert len(rqs.query(category="video", condition_groups=[], fields="id")) == 1_000
    with pytest.raises(QueryTaskFailed, match="100000"):
        rqs.query(category="video", condition_groups=[], fields="id", limit=100_001)


def test_test_stage_samples_and_caps_records_per_day(world: World) -> None:
    with (
        running_sandbox(seed=7, now="2026-06-15T12:00:00Z") as box,
        RQSClient(box.vce_url, poll_interval=0) as client,
    ):  # the service's default stage: test
        everything = client.query(category="video", condition_groups=[], fields="id", limit=100_000 // 20)
        assert len(everything) == 5_000
        order = [r["id"] for r in everything]
        assert order == sorted(order, reverse=True)  # a sample, returned in order
        again = client.create_query_task(category="video", condition_groups=[], fields="id", limit=10)
        statuses = [client.check_query_task_status(again) for _ in range(4)]
        assert statuses[-1] == "AnalysisFailed"  # the day's 5,000 records are used up
        box.advance(86_400)  # a new sandbox day
        assert len(client.query(category="video", condition_groups=[], fields="id", limit=10)) == 10
    with (
        running_sandbox(seed=7, now="2026-06-15T12:00:00Z") as box,
        RQSClient(box.vce_url, poll_interval=0) as client,
    ):
        assert client.query(category="video", condition_groups=[], fields="id", limit=5_000) == everything


def test_vce_and_ensembledata_see_the_same_video(sb: SandboxHandle, rqs: RQSClient, sample: Any) -> None:
    import httpx

    accounts, videos = sample
    row = run(rqs, accounts, cond("id", "EQ", videos[2].id), fields="id,like_count,view_count,create_time")[0]
    post = httpx.get(
        sb.ensembledata_url + "/tt/post/multi-info", params={"token": sb.ed_token, "ids": str(videos[2].id)}
    ).json()["data"][0]
    assert post["aweme_id"] == str(row["id"]) and post["create_time"] == row["create_time"]
    assert (post["statistics"]["digg_count"], post["statistics"]["play_count"]) == (
        row["like_count"],
        row["view_count"],
    )


def test_time_window_without_accounts_scans_only_those_days(rqs: RQSClient, world: World) -> None:
    lo, hi = day_start(date(2026, 6, 1)), day_start(date(2026, 6, 3)) - 1
    rows = rqs.query(
        category="video",
        condition_groups=[group("and", cond("create_time", "GTE", lo), cond("create_time", "LTE", hi))],
        fields="id,create_time",
        limit=100_000,
    )
    cat = catalog(world)
    expected = [
        v.id
        for d in (date(2026, 6, 2), date(2026, 6, 1))
        for v in world.videos_on(d)
        if cat.visible(v, NOW) and not cat.is_private(v.author_index)
    ]
    assert ids(rows) == expected and expected


def test_condition_only_fields(rqs: RQSClient, world: World, sample: Any) -> None:
    accounts, videos = sample
    with_effect = next(v for v in videos if v.effect_ids)
    got = run(rqs, accounts, cond("effect_id", "EQ", with_effect.effect_ids[0]), fields="id,effect_ids")
    assert with_effect.id in ids(got) and all(with_effect.effect_ids[0] in r["effect_ids"] for r in got)
    tagged = next(v for v in videos if v.hashtags)
    info = run(rqs, accounts, cond("id", "EQ", tagged.id), fields="hashtag_info_list")[0]["hashtag_info_list"]
    by_id = run(rqs, accounts, cond("hashtag_id", "IN", info[0]["hashtag_id"]), fields="id,hashtag_names")
    assert tagged.id in ids(by_id) and all(info[0]["hashtag_name"] in r["hashtag_names"] for r in by_id)
    long_ones = run(rqs, accounts, cond("duration_type", "GTE", 3), fields="id,duration_type")
    assert ids(long_ones) == [v.id for v in videos if v.duration > 60]


def test_test_stage_creator_threshold_is_a_setting(world: World) -> None:
    """The doc's ≥25k-follower rule is `test_min_followers` (0 by default: the world's counts are small)."""
    import orjson

    from tiktok_assets.sandbox.server.contract import SandboxRequest
    from tiktok_assets.sandbox.vce.service import VceService

    threshold = 20
    service = VceService(world, lambda: NOW, test_min_followers=threshold)
    body = orjson.dumps({"category": "video", "condition_groups": [], "fields": "username", "limit": 200})
    task = orjson.loads(service.handle(SandboxRequest("POST", "/vce/tasks", body=body)).body)["task_id"]
    for _ in range(4):
        service.handle(SandboxRequest("GET", f"/vce/tasks/{task}"))
    rows = orjson.loads(service.handle(SandboxRequest("GET", f"/vce/tasks/{task}/result")).body)["result"]
    assert rows and all(
        len(world.followers(world.account_by_username(r["username"]).index, NOW)) >= threshold for r in rows
    )
