"""Before anything is collected: dbt builds empty marts from an empty lake and the analyses still render."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tiktok_assets import settings
from tiktok_assets.defs.analysis import assets as analysis
from tiktok_assets.defs.dbt.project import DBT_EXECUTABLE
from tiktok_assets.defs.lake_resource import LakeResource


def test_empty_lake_builds_empty_marts_and_blank_but_valid_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    (tmp_path / "lake").mkdir()
    result = subprocess.run(
        [DBT_EXECUTABLE, "build", "--vars", json.dumps({"lake_dir": str(tmp_path / "lake")}),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=settings.dbt_project_dir(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_videos").fetchall() == [(0,)]
    finally:
        con.close()

    run = dg.materialize(
        analysis.defs().assets, instance=dg.DagsterInstance.ephemeral(), resources={"lake": LakeResource()}
    )
    assert run.success
    for chart in ("engagement_trends", "hashtag_momentum", "posting_times"):
        assert (tmp_path / "analysis" / f"{chart}.png").read_bytes()[:4] == b"\x89PNG"
