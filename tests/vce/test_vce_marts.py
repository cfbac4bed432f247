"""VCE results through dbt to the analysis, as Dagster builds them: the shipped VCE queries collected from the
sandbox, then ``staging/stg_vce__videos``, the aggregate mart ``marts/vce_hashtag_region_daily`` and
``analysis/vce_hashtag_regions`` materialized. The mart equals a hand computation over the lake; the analysis
equals a hand computation over the mart; every dbt test passes as an asset check."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pyarrow.dataset as pads
import pytest

from tests.vce.support import SANDBOX_NOW, backend_clock, resources
from tiktok_assets import config
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.analysis.vce import vce_hashtag_regions_asset
from tiktok_assets.defs.dbt.assets import build_dbt_assets
from tiktok_assets.defs.dbt.project import dbt_resource
from tiktok_assets.defs.vce.definitions import build_assets
from tiktok_assets.sandbox.testing import running_sandbox

FIRST, LAST = date(2026, 6, 3), date(2026, 6, 12)
MODELS = [dg.AssetKey(["staging", "stg_vce__videos"]), dg.AssetKey(["marts", "vce_hashtag_region_daily"])]
ANALYSIS = dg.AssetKey(["analysis", "vce_hashtag_regions"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("vce-marts")
    monitoring = load_monitoring(config.DEFAULT_PATH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vce_assets = build_assets(monitoring)
        _, dbt_models = build_dbt_assets(monitoring)
    tags = {"dagster/asset_partition_range_start": FIRST.isoformat(),
            "dagster/asset_partition_range_end": LAST.isoformat()}  # fmt: skip
    with (
        pytest.MonkeyPatch.context() as env,
        running_sandbox(now=SANDBOX_NOW) as sb,
        dg.instance_for_test() as instance,
        backend_clock(SANDBOX_NOW),
    ):
        env.setenv("TIKTOK_DATA_DIR", str(tmp))
        env.delenv("TIKTOK_DUCKDB_PATH", raising=False)
        res = {**resources(sb, tmp), "dbt": dbt_resource()}
        collected = dg.materialize(vce_assets, instance=instance, resources=res, tags=tags)
        downstream = dg.materialize(
            [dbt_models, vce_hashtag_regions_asset()],
            selection=[*MODELS, ANALYSIS],
            instance=instance,
            resources=res,
        )
        yield {"tmp": tmp, "collected": collected, "downstream": downstream}


def lake_videos(lake: Path) -> pd.DataFrame:
    table = pads.dataset(lake / "vce" / "videos", format="parquet", partitioning="hive").to_table()
    return table.to_pandas()


def test_every_model_and_check_succeeds(built: dict[str, Any]) -> None:
    assert built["collected"].success and built["downstream"].success
    materialized = {e.asset_key for e in built["downstream"].get_asset_materialization_events()}
    assert materialized == {*MODELS, ANALYSIS}
    checks = built["downstream"].get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)


def test_the_mart_is_the_lakes_aggregate(built: dict[str, Any]) -> None:
    videos = lake_videos(built["tmp"] / "lake")
    assert len(videos) > 100
    rows = []
    for v in videos.itertuples():
        tags = sorted({t.strip().lower() for t in v.hashtag_names}) or ["(none)"]
        for tag in tags:
            rows.append({"query": v.query, "day": v.create_time.date(), "region_code": v.region_code, "hashtag": tag,
                         "video_id": v.id, "username": v.username, "views": v.view_count, "likes": v.like_count,
                         "comments": v.comment_count, "shares": v.share_count})  # fmt: skip
    expected = (
        pd.DataFrame(rows)
        .groupby(["query", "day", "region_code", "hashtag"])
        .agg(
            videos=("video_id", "nunique"),
            creators=("username", "nunique"),
            views=("views", "sum"),
            likes=("likes", "sum"),
            comments=("comments", "sum"),
            shares=("shares", "sum"),
        )  # fmt: skip
        .reset_index()
        .sort_values(["query", "day", "region_code", "hashtag"])
        .reset_index(drop=True)
    )
    with duckdb.connect(str(built["tmp"] / "warehouse.duckdb"), read_only=True) as con:
        mart = con.execute(
            "select * from marts.vce_hashtag_region_daily order by query, day, region_code, hashtag"
        ).df()
    mart["day"] = pd.to_datetime(mart["day"]).dt.date
    pd.testing.assert_frame_equal(mart, expected, check_dtype=False)
    assert set(mart["query"]) == {q.name for q in load_monitoring(config.DEFAULT_PATH).vce_queries}


def test_the_analysis_is_the_marts_top_hashtags_and_regions(built: dict[str, Any]) -> None:
    out = built["tmp"] / "analysis"
    table = pd.read_parquet(out / "vce_hashtag_regions.parquet")
    assert (out / "vce_hashtag_regions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with duckdb.connect(str(built["tmp"] / "warehouse.duckdb"), read_only=True) as con:
        mart = con.execute("select * from marts.vce_hashtag_region_daily where hashtag <> '(none)'").df()
    for query, part in mart.groupby("query"):
        tags = part.groupby("hashtag")["videos"].sum().reset_index().sort_values(["videos", "hashtag"],
                                                                                  ascending=[False, True])  # fmt: skip
        regions = part.groupby("region_code")["videos"].sum().reset_index().sort_values(
            ["videos", "region_code"], ascending=[False, True])  # fmt: skip
        top = part[
            part["hashtag"].isin(tags["hashtag"].head(10))
            & part["region_code"].isin(regions["region_code"].head(8))
        ]
        expected = top.groupby(["region_code", "hashtag"])["videos"].sum()
        got = table[table["query"] == query].set_index(["region_code", "hashtag"])["videos"]
        assert got.sort_index().to_dict() == expected.sort_index().to_dict(), query
    meta = next(e for e in built["downstream"].get_asset_materialization_events() if e.asset_key == ANALYSIS)
    assert "data:image/png;base64," in meta.materialization.metadata["chart"].value
