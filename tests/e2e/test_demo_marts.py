"""After the demo, the marts in DuckDB agree with the Parquet lake the demo collected from the sandbox.

``tiktok_assets.demo.run_demo`` (what ``make demo`` runs) with the real code location for a short window, into
a temporary data folder and Dagster home; then the warehouse is opened read-only and compared with hand
computations done on the lake's Parquet files with pyarrow — following the SQL of the models
(dbt/models/marts/*.sql, staging and int_video_observations), not reusing it:
- ``fct_videos``: one row per distinct video id across the video-shaped datasets;
- ``account_daily``: every row of one monitored account with videos in the window (its posting days, the
  collection day its gains land on, its profile snapshot day);
- ``hashtag_daily``: one hashtag-day (videos, creators, views, engagement, rank in the day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pytest

pytestmark = pytest.mark.slow

DAYS = 3
NOW = "2026-06-15T12:00:00Z"
# Every dataset whose rows are videos (int_video_observations unions exactly these), of both sources.
VIDEO_DATASETS = ("videos", "liked_videos", "pinned_videos", "reposted_videos")
ED_VIDEO_DATASETS = ("user_posts", "post_stats", "hashtag_posts", "hashtag_recent_posts", "keyword_posts",
                     "keyword_full_posts", "liked_posts", "music_posts")  # fmt: skip
COUNTS = ("view_count", "like_count", "comment_count", "share_count")


@dataclass
class Demo:
    summary: dict[str, Any]
    lake: Path
    warehouse: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOK_DATA_DIR", str(tmp / "data"))
        mp.setenv("DAGSTER_HOME", str(tmp / "dagster_home"))
        # The demo sets TIKTOK_SANDBOX_URL and TIKTOK_QUOTA_DB_URL itself: delenv records them, so they are
        # removed again afterwards. No credentials: the demo starts its own sandbox.
        for name in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_MONITORING", "TIKTOK_CLIENT_KEY",
                     "TIKTOK_CLIENT_SECRET", "TIKTOK_SANDBOX_URL", "TIKTOK_QUOTA_DB_URL",
                     "TIKTOK_RESEARCH_BASE_URL"):  # fmt: skip
            mp.delenv(name, raising=False)
        from tiktok_assets.cli.demo import run_demo
        from tiktok_assets.definitions import defs

        summary = run_demo(defs(), days=DAYS, now=NOW, echo=lambda *_: None)
        yield Demo(summary, Path(summary["lake"]), tmp / "data" / "warehouse.duckdb")


def query(demo: Demo, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def lake_rows(demo: Demo, dataset: str, source: str = "research") -> list[dict[str, Any]]:
    """A dataset read straight from its Parquet files with pyarrow (hive dims as strings); [] if never written."""
    path = demo.lake / source / dataset
    if not path.exists():
        return []
    part = ds.partitioning(flavor="hive", schema=None)
    return ds.dataset(path, format="parquet", partitioning=part).to_table().to_pylist()


def utc_date(ts: datetime) -> date:
    assert ts.utcoffset() is not None and ts.utcoffset().total_seconds() == 0, ts
    return ts.date()


def observations(demo: Demo) -> list[dict[str, Any]]:
    """Every video observation in the lake, tagged with its dataset (and query, for the video searches);
    EnsembleData's posts in the Research row shape (as macros/ensembledata.sql maps them), datasets `ed_<name>`."""
    out = []
    for dataset in VIDEO_DATASETS:
        for row in lake_rows(demo, dataset):
            out.append({**row, "dataset": dataset, "query": row.get("query") or ""})
    for dataset in ED_VIDEO_DATASETS:
        for row in lake_rows(demo, dataset, "ensembledata"):
            out.append({"id": row["aweme_id"], "username": (row["author"] or {}).get("unique_id"),
                        "create_time": row["create_time"], "view_count": row["play_count"],
                        "like_count": row["digg_count"], "comment_count": row["comment_count"],
                        "share_count": row["share_count"], "hashtag_names": row["hashtags"],
                        "collected_at": row["collected_at"], "dataset": f"ed_{dataset}", "query": ""})  # fmt: skip
    return out


def last(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The observation the models keep: latest collected_at, then dataset name, then query name. Rows still
    tied after that (the same video in two accounts' lists at the same second) must agree on the counts."""
    best = min(rows, key=lambda r: (-r["collected_at"].timestamp(), r["dataset"], r["query"]))
    tied = [r for r in rows if (r["collected_at"], r["dataset"], r["query"]) ==
            (best["collected_at"], best["dataset"], best["query"])]  # fmt: skip
    assert all({c: r[c] for c in (*COUNTS, "username")} == {c: best[c] for c in (*COUNTS, "username")}
               for r in tied), tied  # fmt: skip
    return best


def latest_per_video(obs: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    by_video: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in obs:
        by_video[row["id"]].append(row)
    return {vid: last(rows) for vid, rows in by_video.items()}


def engagement(video: dict[str, Any]) -> int:
    return sum(video[c] or 0 for c in ("like_count", "comment_count", "share_count"))


def hashtags(video: dict[str, Any]) -> set[str]:
    return {h.strip().lower() for h in video["hashtag_names"] or []} - {""}


def nullable_sum(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def account_daily_by_hand(demo: Demo, username: str) -> dict[date, dict[str, Any]]:
    """account_daily.sql for one account, from the Parquet files."""
    obs = observations(demo)
    latest = latest_per_video(obs)
    rows: dict[date, dict[str, Any]] = defaultdict(dict)

    # posted: per creation day, the videos' latest counts (fct_videos).
    posted: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for video in latest.values():
        if video["username"] == username:
            posted[utc_date(video["create_time"])].append(video)
    for day, videos in posted.items():
        rows[day] |= {
            "videos_posted": len(videos),
            "views_of_videos_posted": nullable_sum([v["view_count"] for v in videos]) or 0,
            "engagement_of_videos_posted": sum(engagement(v) for v in videos),
        }

    # gained: per video, its last observation of each day minus the one of its previous observed day.
    per_video_day: dict[tuple[int, date], list[dict[str, Any]]] = defaultdict(list)
    for row in obs:
        per_video_day[(row["id"], utc_date(row["collected_at"]))].append(row)
    daily = defaultdict(dict)
    for (vid, day), day_rows in per_video_day.items():
        daily[vid][day] = last(day_rows)
    gains: dict[date, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    for days in daily.values():
        previous: dict[str, Any] | None = None
        for day in sorted(days):
            now = days[day]
            if now["username"] == username:
                for c in COUNTS:
                    before = (previous or {}).get(c) or 0  # coalesce(lag(...), 0)
                    gains[day][c].append(None if now[c] is None else now[c] - before)
            previous = now
    for day, by_count in gains.items():
        rows[day] |= {f"{c.removesuffix('_count')}s_gained": nullable_sum(by_count[c]) or 0 for c in COUNTS}

    # profiles: the latest ok snapshot of each day (the Research API's, else EnsembleData's); followers_gained
    # against the previous chosen snapshot.
    snapshots: dict[date, dict[str, Any]] = {}
    for source, likes in (("ensembledata", "heart_count"), ("research", "likes_count")):  # research wins
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for row in lake_rows(demo, "user_info", source):
            if row["username"] == username:
                by_day[date.fromisoformat(row["date"])].append({**row, "likes_count": row[likes]})
        for day, day_rows in by_day.items():
            snap = max(day_rows, key=lambda r: r["collected_at"])
            if snap["status"] == "ok":
                snapshots[day] = snap
    previous_followers = None
    for day in sorted(snapshots):
        snap = snapshots[day]
        rows[day] |= {
            "followers": snap["follower_count"],
            "followers_gained": None
            if previous_followers is None or snap["follower_count"] is None
            else snap["follower_count"] - previous_followers,
            "following": snap["following_count"],
            "profile_likes": snap["likes_count"],
            "profile_videos": snap["video_count"],
        }
        previous_followers = snap["follower_count"]

    defaults = {"videos_posted": 0, "views_of_videos_posted": 0, "engagement_of_videos_posted": 0,
                "views_gained": 0, "likes_gained": 0, "comments_gained": 0, "shares_gained": 0,
                "followers": None, "followers_gained": None, "following": None, "profile_likes": None,
                "profile_videos": None}  # fmt: skip
    return {day: {**defaults, **values} for day, values in rows.items()}


def test_the_demo_succeeded(demo: Demo) -> None:
    assert demo.summary["failed_runs"] == []
    assert demo.summary["checks_failed"] == []
    assert demo.summary["checks_total"] > 0
    assert demo.warehouse.exists()


@pytest.mark.parametrize("table", ["fct_videos", "account_daily", "hashtag_daily", "comment_threads",
                                   "follow_edges"])  # fmt: skip
def test_every_mart_exists_and_has_rows(demo: Demo, table: str) -> None:
    assert query(demo, f"select count(*) from marts.{table}")[0][0] > 0


def test_fct_videos_holds_exactly_the_distinct_videos_of_the_lake(demo: Demo) -> None:
    lake_ids = {row["id"] for row in observations(demo)}
    assert lake_ids, "the demo collected videos"
    mart_ids = [r[0] for r in query(demo, "select video_id from marts.fct_videos")]
    assert len(mart_ids) == len(set(mart_ids)), "one row per video"
    assert set(mart_ids) == lake_ids


def test_staging_row_counts_match_the_lake(demo: Demo) -> None:
    comments = {row["id"] for row in lake_rows(demo, "comments")}
    assert query(demo, "select count(*) from staging.stg_research__comments") == [(len(comments),)]
    profiles = {(row["username"], row["date"]) for row in lake_rows(demo, "user_info")}
    assert query(demo, "select count(*) from staging.stg_research__user_info") == [(len(profiles),)]


def test_one_account_of_account_daily_matches_a_hand_computation(demo: Demo) -> None:
    from tiktok_assets.config import load_monitoring

    monitored = set(load_monitoring().accounts)
    searched = [r for r in lake_rows(demo, "videos") if r["username"] in monitored]
    ok = {r["username"] for r in lake_rows(demo, "user_info") if r["status"] == "ok"}
    per_account_day: dict[tuple[str, date], set[int]] = defaultdict(set)
    for row in searched:
        if row["username"] in ok:
            per_account_day[(row["username"], utc_date(row["create_time"]))].add(row["id"])
    assert per_account_day, "a monitored account with a profile posted in the demo window"
    views = {r["id"]: r["view_count"] or 0 for r in searched}

    def preference(item: tuple[tuple[str, date], set[int]]) -> tuple:
        (username, day), ids = item
        seen = sum(views[i] for i in ids)
        return (seen == 0, -len(ids), -seen, username, day)

    # An account-day with views to add up, the most videos, then the most views (ties: by name, then day):
    # deterministic for the fixed sandbox.
    (username, posting_day), _ = min(per_account_day.items(), key=preference)

    expected = account_daily_by_hand(demo, username)
    columns = ["day", *next(iter(expected.values()))]
    got = {
        row[0]: dict(zip(columns[1:], row[1:], strict=True))
        for row in query(
            demo, f"select {', '.join(columns)} from marts.account_daily where username = ?", [username]
        )
    }
    # The posting day itself, then every day of the account (the gains' collection day, the profile's day).
    assert expected[posting_day]["videos_posted"] >= 1
    assert expected[posting_day]["views_of_videos_posted"] > 0
    assert got.get(posting_day) == expected[posting_day]
    assert got == expected
    assert any(r["followers"] is not None for r in expected.values()), "the profile snapshot reached the mart"
    assert any(r["views_gained"] > 0 for r in expected.values()), "growth was attributed to some day"


def test_one_hashtag_day_of_hashtag_daily_matches_a_hand_computation(demo: Demo) -> None:
    latest = latest_per_video(observations(demo))
    per_tag_day: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
    for video in latest.values():
        for tag in hashtags(video):
            per_tag_day[(tag, utc_date(video["create_time"]))].append(video)

    def stats(videos: list[dict[str, Any]]) -> tuple[int, int, int | None, int]:
        return (len(videos), len({v["username"] for v in videos}), nullable_sum([v["view_count"] for v in videos]),
                sum(engagement(v) for v in videos))  # fmt: skip

    # A hashtag-day of the window with views, the most videos, then the most views (ties: by name, then day).
    window = {utc_date(r["create_time"]) for r in lake_rows(demo, "videos")}
    candidates = {k: v for k, v in per_tag_day.items() if k[1] in window}
    assert candidates, "videos of the window carry hashtags"

    def preference(item: tuple[tuple[str, date], list[dict[str, Any]]]) -> tuple:
        (tag, day), videos = item
        seen = nullable_sum([v["view_count"] for v in videos]) or 0
        return (seen == 0, -len(videos), -seen, tag, day)

    (tag, day), videos = min(candidates.items(), key=preference)
    assert len(videos) >= 2

    videos_n, creators, views, eng = stats(videos)
    key = (videos_n, eng)
    rank = 1 + sum(1 for (t, d), vs in per_tag_day.items() if d == day and (stats(vs)[0], stats(vs)[3]) > key)
    row = query(
        demo,
        "select videos, creators, views, engagement, rank_in_day from marts.hashtag_daily "
        "where hashtag = ? and day = ?",
        [tag, day],
    )
    assert row == [(videos_n, creators, views, eng, rank)]
    tags_that_day = {t for (t, d) in per_tag_day if d == day}
    assert query(demo, "select count(*) from marts.hashtag_daily where day = ?", [day]) == [
        (len(tags_that_day),)
    ]
