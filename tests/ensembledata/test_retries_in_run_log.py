"""A run's log says what the API clients retried: with the repository's dagster.yaml (``python_logs``), every
retried attempt of an EnsembleData run against a faulty sandbox is one INFO line in the run's event log
(the API, the path, the attempt, why, the wait), and the token is in none of them."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest
import yaml
from ed_support import NOW, ed_assets, resources_for

from tiktok_assets import settings
from tiktok_assets.config import load_monitoring
from tiktok_assets.sandbox.testing import running_sandbox

RETRY = re.compile(
    r"^ensembledata tt/user/info(-from-secuid)?: HTTP 500 \(attempt \d+ of \d+\); retrying in \d+\.\d\d s$"
)


def _instance_config(key: str) -> dict:
    return yaml.safe_load((settings.project_root() / "dagster.yaml").read_text())[key]


def test_every_retry_is_a_line_of_the_run_s_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", NOW)
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox")  # the same counts, waits of tens of milliseconds
    assets = ed_assets(load_monitoring())
    overrides = {"python_logs": _instance_config("python_logs")}
    (tmp_path / "home").mkdir()
    with (
        running_sandbox(now=NOW, per_minute=1_000_000, faults={"internal_error": 0.4}) as sandbox,
        dg.DagsterInstance.local_temp(str(tmp_path / "home"), overrides=overrides) as instance,
    ):
        result = dg.materialize(
            list(assets.values()), selection=[assets["user_info"].key], partition_key=NOW[:10],
            instance=instance, resources=resources_for(sandbox, tmp_path),
        )  # fmt: skip
        stats = sandbox.stats()
        messages = [record.user_message for record in instance.all_logs(result.run_id)]
    assert result.success
    retried = sum(
        n.get("500", 0) for path, n in stats["requests"].items() if path.startswith("ensembledata ")
    )
    lines = [m for m in messages if "retrying in" in m]
    assert retried > 0 and len(lines) == retried  # each 500 was retried, and said
    assert all(RETRY.search(m) for m in lines), lines[:3]
    assert not any(sandbox.ed_token in m for m in messages)
