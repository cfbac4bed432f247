"""The analysis assets: PNG charts that show real data, Parquet tables that agree with the marts."""

from __future__ import annotations

import base64
import re
from datetime import date

import duckdb
import matplotlib.image
import pandas as pd
import pytest

from tests.dbt.warehouse import Warehouse
from tiktok_assets.analysis import quality, trends

CHARTS = ("engagement_trends", "hashtag_momentum", "posting_times")


def metadata_of(wh: Warehouse, name: str) -> dict:
    for result in wh.results:
        for event in result.get_asset_materialization_events():
            if event.asset_key.path == ["analysis", name]:
                return event.materialization.metadata
    raise AssertionError(f"analysis/{name} was not materialized")


def fct_videos(wh: Warehouse) -> pd.DataFrame:
    con = duckdb.connect(str(wh.db_path), read_only=True)
    try:
        return con.execute("select * from marts.fct_videos").df()
    finally:
        con.close()


@pytest.mark.parametrize("name", CHARTS)
def test_chart_is_a_png_with_content_and_is_embedded_in_the_metadata(warehouse: Warehouse, name: str) -> None:
    path = warehouse.data_dir / "analysis" / f"{name}.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert image[..., :3].std() > 0.05, "not a blank canvas"
    metadata = metadata_of(warehouse, name)
    embedded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", metadata["chart"].value).group(1)
    assert base64.b64decode(embedded) == data
    assert metadata["chart_path"].value == str(path)


def test_posting_times_counts_every_video_once(warehouse: Warehouse) -> None:
    table = pd.read_parquet(warehouse.data_dir / "analysis" / "posting_times.parquet")
    videos = fct_videos(warehouse)
    assert len(table) == 7 * 24
    assert table["videos"].sum() == len(videos)
    busiest = table.sort_values("videos").iloc[-1]
    expected = videos.groupby(["created_isodow_utc", "created_hour_utc"]).size().max()
    assert busiest["videos"] == expected


def test_hashtag_momentum_ranks_every_used_tag(warehouse: Warehouse) -> None:
    table = pd.read_parquet(warehouse.data_dir / "analysis" / "hashtag_momentum.parquet")
    tags = {t for tags in fct_videos(warehouse)["hashtags"] for t in tags}
    assert set(table["hashtag"]) == tags
    assert (table["recent_videos"] > 0).all()  # all test data is in the last 7 days: everything rises
    assert table["momentum"].is_monotonic_decreasing


def test_engagement_trends_uses_the_monitored_accounts_when_they_have_data(warehouse: Warehouse) -> None:
    con = duckdb.connect(str(warehouse.db_path), read_only=True)
    try:
        df, label = trends.engagement_table(con, ["bob.dances", "not_collected"])
        fallback, fallback_label = trends.engagement_table(con, ["nobody_here"])
    finally:
        con.close()
    assert label == "monitored accounts" and set(df["username"]) == {"bob.dances"}
    assert fallback_label.startswith("top") and len(set(fallback["username"])) == 3
    table = pd.read_parquet(warehouse.data_dir / "analysis" / "engagement_trends.parquet")
    assert len(table) == len(fallback)  # monitoring.yaml's sandbox accounts are not in this test lake


def test_data_quality_reports_series_without_gaps(warehouse: Warehouse) -> None:
    gaps = pd.read_parquet(warehouse.data_dir / "analysis" / "data_quality_gaps.parquet")
    videos = gaps[gaps["dataset"] == "videos"]
    assert set(videos["series"]) == {"accounts", "tag_dance"}
    assert (gaps["missing_days"] == 0).all()
    metadata = metadata_of(warehouse, "data_quality")
    assert metadata["partitions_in_lake"].value > 0
    # Every reply the API reported was stored; videos report 3 comments and all 3 were collected.
    assert metadata["reply_coverage"].value == pytest.approx(1.0)
    assert metadata["comment_coverage"].value == pytest.approx(1.0)


def test_gap_report_finds_missing_and_empty_days() -> None:
    stats = pd.DataFrame(
        [
            {"dataset": "videos", "query": "q", "account": "", "day": date(2026, 1, 1), "rows": 5},
            {"dataset": "videos", "query": "q", "account": "", "day": date(2026, 1, 2), "rows": 0},
            {"dataset": "videos", "query": "q", "account": "", "day": date(2026, 1, 5), "rows": 3},
            {"dataset": "followers", "query": "", "account": "a", "day": date(2026, 1, 1), "rows": 9},
            {"dataset": "followers", "query": "", "account": "a", "day": date(2026, 1, 9), "rows": 9},
        ]
    )
    report = quality.gap_report(stats).set_index("dataset")
    assert report.loc["videos", "missing_days"] == 2
    assert report.loc["videos", "missing_examples"] == "2026-01-03, 2026-01-04"
    assert report.loc["videos", "empty_partitions"] == 1
    assert report.loc["followers", "missing_days"] == 0  # account snapshots are not a daily series


def test_spend_report_adds_up_run_summaries() -> None:
    # One summary per run and attempt (a failed attempt's spend is real too); other observations are skipped.
    events = {"research/videos_q": [("run1", {"run_requests_spent": 3, "run_records_received": 200}),
                                    ("run1", {"run_requests_spent": 1, "run_records_received": 50}),
                                    ("run2", {"run_requests_spent": 1, "run_records_received": 100}),
                                    ("run3", {"something_else": 7})]}  # fmt: skip
    row = quality.spend_report(events).iloc[0]
    assert (row["runs"], row["requests"], row["records"]) == (2, 5, 350)
    assert row["requests_per_record"] == pytest.approx(5 / 350)
    assert row["page_fill"] == pytest.approx(350 / 500)


def test_posting_times_previews_its_busiest_slots_not_no_rows(warehouse: Warehouse) -> None:
    metadata = metadata_of(warehouse, "posting_times")
    assert metadata["dagster/row_count"].value == 7 * 24
    preview = metadata["preview"].value
    assert "no rows" not in preview and "the 5 busiest of 168" in preview
    table = pd.read_parquet(warehouse.data_dir / "analysis" / "posting_times.parquet")
    top = int(table["videos"].max())
    assert f"| {top} |" in preview  # the busiest slot's count is in it
    assert metadata["dagster/uri"].value.endswith("/analysis/posting_times.parquet")


def test_analysis_assets_carry_owners_tags_and_a_code_version() -> None:
    from tiktok_assets.collect import catalog
    from tiktok_assets.defs.analysis import assets as analysis
    from tiktok_assets.defs.analysis import reconciliation, vce

    specs = {
        s.key.path[-1]: s for m in (analysis, reconciliation, vce) for a in m.defs().assets for s in a.specs
    }
    assert set(specs) == {"engagement_trends", "hashtag_momentum", "posting_times", "data_quality",
                          "source_reconciliation", "vce_hashtag_regions"}  # fmt: skip
    for spec in specs.values():
        assert spec.owners == catalog.OWNERS["analysis"] and spec.tags["tiktok/layer"] == "analysis"
        assert spec.code_version and len(spec.code_version) == 16
    assert len({s.code_version for s in specs.values()}) == 6  # each hashes its own computation
