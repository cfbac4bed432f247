"""The marts in DuckDB agree with the lake they were built from, and every dbt test passed in Dagster."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from tests.dbt.lakedata import ACCOUNTS, DAYS
from tests.dbt.warehouse import Warehouse


def query(wh: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(wh.db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def lake_table(wh: Warehouse, dataset: str) -> pa.Table:
    """A dataset read straight from the Parquet files with pyarrow (hive dims as strings)."""
    part = ds.partitioning(flavor="hive", schema=None)
    return ds.dataset(wh.lake_dir / "research" / dataset, format="parquet", partitioning=part).to_table()


def test_every_run_succeeded_and_every_dbt_test_passed_as_an_asset_check(warehouse: Warehouse) -> None:
    assert all(r.success for r in warehouse.results)
    checks = [c for r in warehouse.results for c in r.get_asset_check_evaluations()]
    assert len(checks) >= 40, "the dbt tests should surface as asset checks"
    failed = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    assert failed == []
    names = {c.check_name for c in checks}
    assert "account_daily_gains_sum_to_latest_counts" in names  # the singular test, attached to its mart
    assert any(n.startswith("relationships_") for n in names)
    assert any(n.startswith("accepted_values_") for n in names)


def test_fct_videos_has_one_row_per_video_in_the_lake(warehouse: Warehouse) -> None:
    ids = set(lake_table(warehouse, "videos")["id"].to_pylist())
    ids |= set(lake_table(warehouse, "liked_videos")["id"].to_pylist())
    assert query(warehouse, "select count(*), count(distinct video_id) from marts.fct_videos") == [
        (len(ids), len(ids))
    ]
    # The video found by two queries on the same day is one row in staging, remembering both queries.
    both = query(warehouse, "select count(*) from staging.stg_research__videos where len(queries) = 2")[0][0]
    assert both > 0


def test_fct_videos_keeps_latest_counts_and_observation_span(warehouse: Warehouse) -> None:
    liked = lake_table(warehouse, "liked_videos")
    latest = liked.filter(pc.equal(liked["snapshot"], "2026-03-05"))
    video_id = latest["id"][0].as_py()
    views = latest["view_count"][0].as_py()
    row = query(
        warehouse,
        "select view_count, first_observed_at, last_observed_at, n_observations from marts.fct_videos "
        "where video_id = ?",
        [video_id],
    )[0]
    assert row[0] == views
    assert row[1] == datetime(2026, 3, 4, 12, 0) and row[2] == datetime(2026, 3, 5, 12, 0)
    assert row[3] == 3  # the video query, and carol's liked list on two snapshot days


def test_one_account_day_of_account_daily_matches_a_hand_computation(warehouse: Warehouse) -> None:
    username, day = ACCOUNTS[0], DAYS[0]
    videos = lake_table(warehouse, "videos").to_pylist()
    liked = lake_table(warehouse, "liked_videos").to_pylist()
    profiles = lake_table(warehouse, "user_info").to_pylist()

    own = {v["id"]: v for v in videos if v["username"] == username}
    posted = [v for v in own.values() if v["create_time"].date() == day]
    # Latest observation of each video (liked lists re-observe some videos later with more views and likes).
    latest = dict(own)
    for v in sorted(liked, key=lambda r: r["collected_at"]):
        if v["username"] == username:
            latest[v["id"]] = v
    profile = next(p for p in profiles if p["username"] == username and p["date"] == day.isoformat())
    engagement = sum(
        latest[v["id"]]["like_count"] + latest[v["id"]]["comment_count"] + latest[v["id"]]["share_count"]
        for v in posted
    )

    row = query(
        warehouse,
        "select videos_posted, views_of_videos_posted, engagement_of_videos_posted, followers, views_gained "
        "from marts.account_daily where username = ? and day = ?",
        [username, day],
    )
    assert row, "the account-day is missing"
    videos_posted, views_posted, engagement_posted, followers, views_gained = row[0]
    assert videos_posted == len(posted) > 0
    assert views_posted == sum(latest[v["id"]]["view_count"] for v in posted)
    assert engagement_posted == engagement
    assert followers == profile["follower_count"]
    assert views_gained == 0  # nothing was observed on the posting day itself: collection came later

    # Growth lands on the days it was observed: the first collection day gets each video's counts so far,
    # the liked list's second snapshot gets exactly the +500 views per re-observed video.
    gained_later = query(
        warehouse,
        "select views_gained from marts.account_daily where username = ? and day = '2026-03-05'",
        [username],
    )[0][0]
    assert gained_later == 500 * len({v["id"] for v in liked if v["username"] == username})
    total_gained = query(
        warehouse, "select sum(views_gained) from marts.account_daily where username = ?", [username]
    )[0][0]
    assert total_gained == sum(v["view_count"] for v in latest.values())


def test_staging_row_counts_match_the_lake(warehouse: Warehouse) -> None:
    comments = lake_table(warehouse, "comments")
    assert query(warehouse, "select count(*) from staging.stg_research__comments")[0][0] == len(
        set(comments["id"].to_pylist())
    )
    profiles = lake_table(warehouse, "user_info")
    assert query(warehouse, "select count(*) from staging.stg_research__user_info")[0][0] == profiles.num_rows
    edges = len(lake_table(warehouse, "followers")) + len(lake_table(warehouse, "following"))
    # bob follows alice appears in both alice's followers and bob's following: one edge, seen both ways.
    assert query(warehouse, "select count(*) from marts.follow_edges")[0][0] == edges - 1
    assert query(
        warehouse,
        "select seen_via from marts.follow_edges where follower_username = ? and followee_username = ?",
        [ACCOUNTS[1], ACCOUNTS[0]],
    ) == [(["followers", "following"],)]


def test_a_dataset_with_no_files_is_an_empty_typed_table(warehouse: Warehouse) -> None:
    assert not (warehouse.lake_dir / "research" / "pinned_videos").exists()
    assert query(warehouse, "select count(*) from staging.stg_research__pinned_videos") == [(0,)]
    types = dict(query(warehouse, "select column_name, data_type from information_schema.columns "
                                  "where table_name = 'stg_research__pinned_videos'"))  # fmt: skip
    assert types["video_id"] == "BIGINT" and types["created_at"] == "TIMESTAMP"


def test_comment_threads_depth_and_latency(warehouse: Warehouse) -> None:
    rows = query(
        warehouse,
        "select top_level_comments, replies, max_depth, first_response_latency_s, first_reply_latency_s "
        "from marts.comment_threads",
    )
    assert len(rows) == 2 * len(DAYS)  # comments were written for two videos a day
    # Comment at +60 s, reply at +600 s (540 s after its parent), reply to the reply at +900 s (300 s after).
    assert set(rows) == {(1, 2, 3, 60, 300)}


def test_hashtag_daily_counts_videos_and_creators(warehouse: Warehouse) -> None:
    videos = lake_table(warehouse, "videos").to_pylist()
    day = DAYS[1]
    unique = {v["id"]: v for v in videos if v["create_time"].astimezone(UTC).date() == day}
    tagged = [v for v in unique.values() if "dance" in {h.lower() for h in v["hashtag_names"]}]
    row = query(
        warehouse,
        "select videos, creators from marts.hashtag_daily where hashtag = 'dance' and day = ?",
        [day],
    )
    assert row == [(len(tagged), len({v["username"] for v in tagged}))]


def test_dbt_materializations_carry_row_counts(warehouse: Warehouse) -> None:
    counts = {
        e.asset_key.to_user_string(): e.materialization.metadata["dagster/row_count"].value
        for r in warehouse.results
        for e in r.get_asset_materialization_events()
        if e.asset_key.path[0] == "marts"
    }
    assert counts["marts/fct_videos"] == query(warehouse, "select count(*) from marts.fct_videos")[0][0]


@pytest.mark.parametrize("schema,table", [("marts", "fct_videos"), ("marts", "account_daily"),
                                          ("marts", "hashtag_daily"), ("marts", "comment_threads"),
                                          ("marts", "follow_edges")])  # fmt: skip
def test_marts_exist_and_are_not_empty(warehouse: Warehouse, schema: str, table: str) -> None:
    assert query(warehouse, f"select count(*) from {schema}.{table}")[0][0] > 0
