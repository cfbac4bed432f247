"""A dbt test that fails shows as a failed asset check and fails the run; the model's own
materialization (with its row count) is still reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from tests.dbt import location
from tests.dbt.lakedata import COLLECTED, videos_for
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter


def test_negative_counts_fail_the_non_negative_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    day = date(2026, 3, 1)
    videos = videos_for(day)
    videos[0]["view_count"] = -5  # what a broken normalizer or API glitch could store
    with PartitionWriter(tmp_path / "lake", rds.VIDEOS, {"query": "q", "date": day.isoformat()}) as w:
        w.write(normalize(rds.VIDEOS, videos, COLLECTED, (day, day)))

    result = dg.materialize(
        [location.DBT_DAILY_STAGING],
        partition_key=day.isoformat(),
        resources=location.resources(),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["non_negative_stg_research__videos_view_count"] is False
    assert checks["not_null_stg_research__videos_video_id"] is True
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    assert events["staging/stg_research__videos"].materialization.metadata["dagster/row_count"].value == len(
        videos
    )
