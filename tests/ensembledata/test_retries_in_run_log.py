"""A run's log says what the API clients retried: the resources send the transport's lines to the run's logger
(``dagster.get_dagster_logger``), so every retried attempt of an EnsembleData run against a faulty sandbox is
one INFO line of the run's event log (the API, the path, the attempt, why, the wait), a call given up is a
WARNING, and the token is in none of them. Nothing in the instance's config is needed for it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import dagster as dg
import pytest
from ed_support import NOW, ed_assets, resources_for

from tiktok_assets.config import load_monitoring
from tiktok_assets.sandbox.testing import running_sandbox

RETRY = re.compile(
    r"^ensembledata tt/user/info(-from-secuid)?: HTTP 500 \(attempt \d+ of \d+\); retrying in \d+\.\d\d s$"
)


def _run(
    tmp_path: Path, fault_rate: float
) -> tuple[dg.ExecuteInProcessResult, list[dg.EventLogEntry], dict, str]:
    assets = ed_assets(load_monitoring())
    home = tmp_path / f"home-{fault_rate}"
    home.mkdir()
    with (
        running_sandbox(now=NOW, per_minute=1_000_000, faults={"internal_error": fault_rate}) as sandbox,
        dg.DagsterInstance.local_temp(str(home)) as instance,
    ):
        result = dg.materialize(
            list(assets.values()), selection=[assets["user_info"].key], partition_key=NOW[:10],
            instance=instance, resources=resources_for(sandbox, tmp_path), raise_on_error=False,
        )  # fmt: skip
        return result, list(instance.all_logs(result.run_id)), sandbox.stats(), sandbox.ed_token


def test_every_retry_is_a_line_of_the_run_s_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", NOW)
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox")  # the same counts, waits of tens of milliseconds
    result, entries, stats, token = _run(tmp_path, 0.4)
    assert result.success
    retried = sum(
        n.get("500", 0) for path, n in stats["requests"].items() if path.startswith("ensembledata ")
    )
    lines = [e for e in entries if "retrying in" in e.user_message]
    assert retried > 0 and len(lines) == retried  # each 500 was retried, and said
    assert all(RETRY.search(e.user_message) and e.level == logging.INFO for e in lines), lines[:3]
    assert not any(token in e.user_message for e in entries)


def test_a_call_given_up_is_a_warning_of_the_run_s_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", NOW)
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox,max_attempts=2,step_retries=0")
    result, entries, _stats, token = _run(tmp_path, 1.0)
    assert not result.success
    (given_up,) = [e for e in entries if "giving up" in e.user_message]
    assert given_up.level == logging.WARNING and "(attempt 2 of 2)" in given_up.user_message
    assert not any(token in e.user_message for e in entries)
