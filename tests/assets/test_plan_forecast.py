"""`tiktok-assets plan` against the sandbox: the forecast of the shipped monitoring.yaml, made before anything is
collected (a fresh lake, the probe), holds within 10% of what the collection then spends — per asset, per
quota bucket and in total, counted by the sandbox (``sandbox.stats()``)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from test_research_sandbox import FIRST, LAST, materialize_all, resources_for

from tiktok_assets.cli import main
from tiktok_assets.config import load_monitoring
from tiktok_assets.endpoints import research as endpoints
from tiktok_assets.forecast import aggregate
from tiktok_assets.forecast import research as research_forecast
from tiktok_assets.forecast.line import ForecastLine
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

ASSET_PATH = {f"research/{e.asset_name}": e.path for e in endpoints.ENDPOINTS if "{" not in e.asset_name}


@dataclass
class Planned:
    lines: list[ForecastLine]
    probe_spent: dict[str, int]
    spent: dict[str, int]  # API path → requests the collection made (every status)
    sandbox: SandboxHandle


def _requests(stats: dict) -> dict[str, int]:
    prefix = "research /v2/research/"
    return {
        key.removeprefix(prefix).strip("/"): sum(by_status.values())
        for key, by_status in stats["requests"].items()
        if key.startswith(prefix)
    }


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planned]:
    tmp = tmp_path_factory.mktemp("plan")
    monitoring = load_monitoring()  # the shipped file
    first, last = date.fromisoformat(FIRST), date.fromisoformat(LAST)
    with running_sandbox(per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp)
        evidence = research_forecast.gather(
            monitoring, first, last, lake=tmp / "lake", client=resources["research_api"].client()
        )
        every = aggregate.forecast_all(monitoring, first, last, {"research": {"evidence": evidence}})
        assert {line.api for line in every} == {"research", "ensembledata", "vce"}  # every source plans
        lines = [line for line in every if line.api == "research"]  # what this collection spends
        before = _requests(sandbox.stats())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert all(
                r.success for r in materialize_all(monitoring, resources, dg.DagsterInstance.ephemeral())
            )
        after = _requests(sandbox.stats())
        spent = {path: n - before.get(path, 0) for path, n in after.items()}
        yield Planned(lines, evidence.probe_spent, spent, sandbox)


def _path(line: ForecastLine) -> str:
    return "video/query" if line.asset.startswith("research/videos_") else ASSET_PATH[line.asset]


def test_the_forecast_names_every_research_asset_of_the_config(planned: Planned) -> None:
    monitoring = load_monitoring()
    assets = {line.asset for line in planned.lines if line.api == "research"}
    expected = {f"research/videos_{q.name}" for q in monitoring.queries} | set(ASSET_PATH)
    assert assets == expected
    assert all(line.basis and line.unit == "requests" and line.bucket for line in planned.lines)


def test_the_forecast_holds_within_10_percent_per_asset_bucket_and_total(planned: Planned) -> None:
    forecast_by_path: dict[str, int] = {}
    for line in planned.lines:
        forecast_by_path[_path(line)] = forecast_by_path.get(_path(line), 0) + line.amount
    assert set(forecast_by_path) == set(planned.spent)
    for path, spent in planned.spent.items():
        assert abs(forecast_by_path[path] - spent) <= 0.1 * spent, (path, forecast_by_path[path], spent)
    for total in aggregate.totals(planned.lines, {}):
        paths = {_path(line) for line in planned.lines if line.bucket == total.bucket}
        spent = sum(planned.spent[p] for p in paths)
        assert abs(total.amount - spent) <= 0.1 * spent, (total.bucket, total.amount, spent)
    everything = sum(planned.spent.values())
    assert abs(sum(line.amount for line in planned.lines) - everything) <= 0.1 * everything
    assert everything > 200  # comments dominate: a forecast of the video searches alone would miss by far


def test_the_probe_costs_exactly_the_video_searches(planned: Planned) -> None:
    videos = sum(line.amount for line in planned.lines if line.asset.startswith("research/videos_"))
    assert planned.probe_spent["video"] == videos == planned.spent["video/query"]
    assert planned.probe_spent["other"] == len(load_monitoring().accounts)  # one user/info per account


def test_plan_cli_probes_the_sandbox_and_prints_totals(
    planned: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name in (
        "TIKTOK_CLIENT_KEY",
        "TIKTOK_CLIENT_SECRET",
        "TIKTOK_RESEARCH_BASE_URL",
        "TIKTOK_MONITORING",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TIKTOK_SANDBOX_URL", planned.sandbox.base_url)
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{tmp_path / 'quota.sqlite'}")
    args = ["plan", "--start", FIRST, "--end", LAST, "--lake", str(tmp_path / "empty"), "--probe"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "probe spent" in out and "lake: no history" in out
    printed = {line.split()[0]: int(line.split()[3].replace(",", "")) for line in out.splitlines()
               if line.startswith("research/")}  # fmt: skip
    expected = {line.asset: line.amount for line in planned.lines}
    assert printed == expected
    assert any(
        line.startswith("total research video") and "day(s) at 1,000/day" in line for line in out.splitlines()
    )


def test_plan_without_evidence_says_so_and_bad_input_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["plan", "--start", FIRST, "--end", LAST, "--lake", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no evidence" in out and "lake: no history" in out
    assert main(["plan", "--start", LAST, "--end", FIRST]) == 2
    assert "--end" in capsys.readouterr().out
    assert main(["plan", "--start", FIRST, "--end", LAST, "--videos-per-day", "-5"]) == 2
    assert "--videos-per-day must be 0 or more" in capsys.readouterr().out
    assert main(["plan", "--start", "2026-13-01"]) == 2
    assert "--start" in capsys.readouterr().out
    assert main(["plan", "--snapshots", "-1", "--end", LAST]) == 2
