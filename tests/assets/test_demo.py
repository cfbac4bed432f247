"""`tiktok-assets demo` end to end on the research group (sandbox, persistent instance under DAGSTER_HOME)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from tiktok_assets import demo
from tiktok_assets.assets import research


def test_demo_materializes_everything_into_a_persistent_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in {"DAGSTER_HOME": str(tmp_path / "home"), "TIKTOK_DATA_DIR": str(tmp_path / "data"),
                       "TIKTOK_SANDBOX_URL": "unset", "TIKTOK_QUOTA_DB_URL": "unset"}.items():  # fmt: skip
        monkeypatch.setenv(var, value)  # restored after the test, whatever the demo sets
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING"):
        monkeypatch.delenv(var, raising=False)
    lines: list[str] = []
    summary = demo.run_demo(research.defs, days=7, echo=lines.append)
    text = "\n".join(lines)
    assert not summary["failed_runs"], text
    assert not summary["checks_failed"] and summary["checks_total"] > 0
    assert summary["rows"]["research/videos_pets"] > 0 and summary["rows"]["research/followers"] > 0
    assert summary["requests"]["research/videos_pets"] >= 1
    assert (tmp_path / "home" / "dagster.yaml").exists()
    assert Path(summary["lake"]) == (tmp_path / "data" / "lake").resolve()
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert len(instance.get_runs()) >= 3  # the runs stay for the UI
    assert "make ui" in text
