"""Every EnsembleData asset, 30 days of the shipped monitoring.yaml, against the sandbox over HTTP: the lake's key
sets equal the sandbox's truth for the same requests (one test per asset), every asset check passes, and the
units booked equal the units the sandbox charged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from ed_support import FIRST, TODAY, Collected, world_posts

from tiktok_assets.collect.journal import PREFIX
from tiktok_assets.defs.ensembledata.days import top_commented
from tiktok_assets.defs.ensembledata.observed import lake_post_ids
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.forecast.ensembledata import forecast
from tiktok_assets.lake.datasets import ensembledata as ds

WINDOW = [date.fromisoformat(FIRST) + timedelta(days=i) for i in range(30)]
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def truth(c: Collected, path: str, params: dict) -> set[int]:
    return {int(k) for k in c.sandbox.truth("ensembledata", path, params)}


def sec_uid(c: Collected, username: str) -> str:
    info = [r for r in c.rows("user_info", ["username", "sec_uid"]) if r["username"] == username]
    return info[0]["sec_uid"]


def test_every_run_succeeds_and_every_check_passes(collected: Collected) -> None:
    failures = [
        e.step_failure_data.error.message[:300]
        for r in collected.results
        for e in r.get_step_failure_events()
    ]
    assert not failures
    evaluations = [e for r in collected.results for e in r.get_asset_check_evaluations()]
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert evaluations and not failed
    checked = {e.asset_key.path[-1] for e in evaluations}
    assert checked == {e.asset_name for e in ed.ENDPOINTS}


def test_user_posts_equal_truth_per_day(collected: Collected) -> None:
    expected = world_posts(collected.monitoring.accounts, WINDOW[0], WINDOW[-1])
    assert sum(map(len, expected.values())) > 50
    for day in WINDOW:
        got = {r["aweme_id"] for r in collected.rows("user_posts", ["aweme_id"], f"date={day}")}
        assert got == expected.get(day, set()), day
    # Both calls are exercised: the account with a secUid in monitoring.yaml went through posts-from-secuid.
    requests = {
        r["request"].split('"path": "')[1].split('"')[0] for r in collected.rows("user_posts", ["request"])
    }
    assert requests == {ed.USER_POSTS.path, ed.USER_POSTS_BY_SECUID.path}


def test_user_posts_spend_about_one_unit_per_account_and_ten_posts(collected: Collected) -> None:
    stats = collected.sandbox.stats()["units_charged"]
    spent = stats.get("ensembledata /tt/user/posts", 0) + stats.get(
        "ensembledata /tt/user/posts-from-secuid", 0
    )
    posts = len(collected.rows("user_posts", ["aweme_id"]))
    accounts = len(collected.monitoring.accounts) - 1  # the private account is refused (472) at no cost
    # Each account walks its window once; depth never over-asks, so units ≈ the chunks of posts its window
    # holds (posts newer than the window and the last chunk's overshoot included), never 30 calls a month.
    assert spent <= accounts * 2 + posts // 10 + 1, (spent, posts)
    meta = collected.results[0].asset_materializations_for_node("ensembledata__user_posts")
    per_day = [int(m.metadata["units_spent"].value) for m in meta]
    assert len(per_day) == 30 and sum(per_day) == spent  # per-partition spend adds up to the run's


def test_comments_equal_truth(collected: Collected) -> None:
    settings = collected.monitoring.ensembledata
    total = 0
    for day in WINDOW:
        posts = collected.lake.read(ds.USER_POSTS, {"date": day.isoformat()}, ["aweme_id", "comment_count"])
        expected: set[int] = set()
        for aweme_id in top_commented(posts, settings):
            expected |= truth(collected, ed.COMMENTS.path, {"aweme_id": aweme_id})
        got = {r["cid"] for r in collected.rows("comments", ["cid"], f"date={day}")}
        assert got == expected, day
        total += len(got)
    assert total > 100


@pytest.mark.parametrize(
    "endpoint",
    [ed.HASHTAG_POSTS, ed.HASHTAG_RECENT_POSTS, ed.KEYWORD_POSTS, ed.KEYWORD_FULL_POSTS, ed.USER_SEARCH,
     ed.MUSIC_SEARCH, ed.MUSIC_POSTS],
    ids=lambda e: e.asset_name,
)  # fmt: skip
def test_search_snapshots_equal_truth(collected: Collected, endpoint) -> None:
    from tiktok_assets.defs.ensembledata.snapshots import CHAINS

    settings = collected.monitoring.ensembledata
    dim = endpoint.dataset.partition_dims[0]
    entities = {"hashtag": collected.monitoring.hashtags, "keyword": collected.monitoring.keywords,
                "music_id": settings.music}[dim]  # fmt: skip
    key = endpoint.dataset.key[0]
    found = 0
    for entity in entities:
        (chain,) = list(CHAINS[endpoint.path](entity, settings, None))  # type: ignore[arg-type]
        expected = truth(collected, chain.path, dict(chain.params))
        got = [
            r[key] for r in collected.rows(endpoint.dataset.name, [key], f"{dim}={entity}/snapshot={TODAY}")
        ]
        assert len(got) == len(set(got)) and set(got) == expected, (endpoint.asset_name, entity)
        found += len(got)
    assert found  # an empty truth proves nothing


@pytest.mark.parametrize(
    "endpoint", [ed.LIKED_POSTS, ed.FOLLOWERS, ed.FOLLOWINGS], ids=lambda e: e.asset_name
)
def test_account_snapshots_equal_truth_and_say_why_one_is_empty(collected: Collected, endpoint) -> None:
    key = endpoint.dataset.key[0]
    statuses = {}
    for r in collected.results:
        for m in r.get_asset_materialization_events():
            if m.asset_key.path[-1] == endpoint.asset_name:
                statuses[m.partition] = m.materialization.metadata["status"].value
    for username in collected.monitoring.accounts:
        expected = truth(collected, endpoint.path, {"secUid": sec_uid(collected, username)})
        got = {
            r[key]
            for r in collected.rows(endpoint.dataset.name, [key], f"account={username}/snapshot={TODAY}")
        }
        assert got == expected, (endpoint.asset_name, username)
        # An account the endpoint refuses (private; likes or followings hidden) is an empty snapshot that says so.
        if statuses[username] != "ok":
            assert not got and statuses[username] == "private", username
    assert "private" in statuses.values()


def test_user_info_equals_truth_with_both_calls(collected: Collected) -> None:
    rows = collected.rows("user_info", ["username", "status", "uid", "request"], f"date={TODAY}")
    settings = collected.monitoring.ensembledata
    assert sorted(r["username"] for r in rows) == sorted(collected.monitoring.accounts)
    for r in rows:
        if r["username"] in settings.sec_uids:
            params, path = {"secUid": settings.sec_uids[r["username"]]}, ed.USER_INFO_BY_SECUID.path
        else:
            params, path = {"username": r["username"]}, ed.USER_INFO.path
        assert f'"path": "{path}"' in r["request"]
        assert {r["uid"]} == truth(collected, path, params) and r["status"] == "ok"


def test_music_details_and_post_stats_equal_truth(collected: Collected) -> None:
    settings = collected.monitoring.ensembledata
    got = {r["music_id"] for r in collected.rows("music_details", ["music_id"], f"date={TODAY}")}
    assert got == {m for mid in settings.music for m in truth(collected, ed.MUSIC_DETAILS.path, {"id": mid})}
    today = date.fromisoformat(TODAY)
    ids = lake_post_ids(
        collected.lake, today - timedelta(days=settings.refresh_days), today - timedelta(days=1)
    )
    expected: set[int] = set()
    for i in range(0, len(ids), 100):
        expected |= truth(collected, ed.POST_STATS.path, {"ids": ";".join(map(str, ids[i : i + 100]))})
    for url in settings.post_urls:
        expected |= truth(collected, ed.POST_INFO.path, {"url": url})
    got = {r["aweme_id"] for r in collected.rows("post_stats", ["aweme_id"], f"date={TODAY}")}
    assert got == expected and len(got) >= len(settings.post_urls) + 1


def test_units_recorded_per_request_and_per_day(collected: Collected) -> None:
    sandbox_units = collected.sandbox.stats()["units_total"]
    (row,) = collected.rows("units", None, f"date={TODAY}")
    assert row["units"] == row["ledger_units"] == sandbox_units > 0  # the API's figure = what we booked
    # Every response's units_charged is on the rows it returned (the request column).
    for name in ("hashtag_posts", "music_posts"):
        charged = {r["request"] for r in collected.rows(name, ["request"])}
        assert all(json.loads(c)["units_charged"] >= 1 for c in charged)


def test_the_forecast_of_user_posts_bounds_what_the_run_spent(collected: Collected) -> None:
    line = next(
        x for x in forecast(collected.monitoring, WINDOW[0], WINDOW[-1]) if x.asset.endswith("user_posts")
    )
    stats = collected.sandbox.stats()["units_charged"]
    spent = stats.get("ensembledata /tt/user/posts", 0) + stats.get(
        "ensembledata /tt/user/posts-from-secuid", 0
    )
    assert 0 < spent <= line.amount  # posts_per_day (1) is above these accounts' rate


def test_the_page_journal_leaves_no_folders_behind(collected: Collected) -> None:
    """Every run committed, so its journal is gone, folders included (they were left by the thousand)."""
    journal = Path(collected.lake.root) / PREFIX
    assert not journal.exists() or not list(journal.iterdir()), sorted(journal.rglob("*"))[:5]
