"""End to end over real HTTP: sandbox → research assets → lake → dbt (asset checks) → analysis.

One day of the default monitoring.yaml against the sandbox's small world, materialized the way the lead's
full-graph run does it: the daily assets for the day (research videos, comments, playlists and the
incremental dbt staging share one partitions definition), the user-info snapshot, one account's lists,
then the unpartitioned dbt models and the analysis assets.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.dataset as ds
import pytest

from tests.dbt import location
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.endpoints.research import ACCOUNT_ENDPOINTS
from tiktok_assets.sandbox.testing import running_sandbox

DAY = "2026-06-10"  # the sandbox clock is 2026-06-15: day D is searchable from D+2
SNAPSHOT = "2026-06-15"


@pytest.mark.slow
def test_one_day_from_the_sandbox_to_the_charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    research_assets = {a.key.to_user_string(): a for a in research.build_assets(load_monitoring())}
    daily = [a for k, a in research_assets.items() if k.startswith("research/videos_")]
    daily += [research_assets["research/comments"], research_assets["research/playlists"]]
    account_lists = [research_assets[f"research/{e.asset_name}"] for e in ACCOUNT_ENDPOINTS]
    instance = dg.DagsterInstance.ephemeral()
    account = load_monitoring().accounts[0]
    instance.add_dynamic_partitions("accounts", [account])

    with running_sandbox() as sandbox:
        resources = {
            "research_api": ResearchApiResource(base_url=sandbox.research_url),
            "lake": LakeResource(),
            "dbt": location.resources()["dbt"],
        }
        runs = [
            dg.materialize([*daily, location.DBT_DAILY_STAGING], partition_key=DAY, resources=resources,
                           instance=instance),
            dg.materialize([research_assets["research/user_info"]], partition_key=SNAPSHOT, resources=resources,
                           instance=instance),
            dg.materialize(account_lists, partition_key=account, resources=resources, instance=instance),
        ]  # fmt: skip
    runs.append(
        dg.materialize(
            [location.DBT_MODELS, *location.ANALYSIS_ASSETS], resources=resources, instance=instance
        )
    )
    assert all(r.success for r in runs)
    checks = [c for r in runs for c in r.get_asset_check_evaluations()]
    dbt_checks = [c for c in checks if c.asset_key.path[0] in ("staging", "intermediate", "marts")]
    assert len(dbt_checks) >= 40
    assert [c.check_name for c in dbt_checks if not c.passed] == []

    lake = tmp_path / "lake" / "research"
    video_ids: set[int] = set()
    for name in ("videos", "liked_videos", "pinned_videos", "reposted_videos"):
        if (lake / name).exists():
            video_ids |= set(
                ds.dataset(lake / name, partitioning="hive").to_table(columns=["id"])["id"].to_pylist()
            )
    assert video_ids, "the sandbox returned videos for the day"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_videos").fetchall() == [(len(video_ids),)]
        followers = con.execute(
            "select count(*) from marts.account_daily where followers is not null"
        ).fetchall()
        assert followers[0][0] > 0, "the user-info snapshot reached account_daily"
    finally:
        con.close()
    for chart in ("engagement_trends", "hashtag_momentum", "posting_times"):
        assert (tmp_path / "analysis" / f"{chart}.png").read_bytes()[:4] == b"\x89PNG"
