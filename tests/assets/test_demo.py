"""`tiktok-assets demo` end to end on the research group (sandbox, persistent instance under DAGSTER_HOME)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from tiktok_assets.cli import demo
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource


def test_demo_materializes_everything_into_a_persistent_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in {"DAGSTER_HOME": str(tmp_path / "home"), "TIKTOK_DATA_DIR": str(tmp_path / "data"),
                       "TIKTOK_SANDBOX_URL": "unset", "TIKTOK_QUOTA_DB_URL": "unset"}.items():  # fmt: skip
        monkeypatch.setenv(var, value)  # restored after the test, whatever the demo sets
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING", "TIKTOK_CLOCK_NOW"):
        monkeypatch.delenv(var, raising=False)
    lines: list[str] = []
    research_defs = research.build_defs(
        load_monitoring(), {"research_api": ResearchApiResource(), "lake": LakeResource()}
    )
    summary = demo.run_demo(research_defs, days=7, echo=lines.append)
    text = "\n".join(lines)
    # The window ends on the last complete searchable day at the sandbox clock (2026-06-15 12:00):
    # date(now - 48h) - 1 day.
    assert "demo: 2026-06-06 .. 2026-06-12 (7 days)" in text, text
    lake = Path(summary["lake"]) / "research"
    assert sorted(p.name for p in (lake / "videos" / "query=pets").iterdir())[-1] == "date=2026-06-12"
    # Snapshots are dated by the sandbox's clock, not the wall clock; the demo restores the environment.
    assert {p.name for p in (lake / "followers").glob("account=*/snapshot=*")} == {"snapshot=2026-06-15"}
    assert "TIKTOK_CLOCK_NOW" not in os.environ
    assert not summary["failed_runs"], text
    assert not summary["checks_failed"] and summary["checks_total"] > 0
    assert summary["rows"]["research/videos_pets"] > 0 and summary["rows"]["research/followers"] > 0
    assert summary["requests"]["research/videos_pets"] >= 1
    assert (tmp_path / "home" / "dagster.yaml").exists()
    assert Path(summary["lake"]) == (tmp_path / "data" / "lake").resolve()
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert len(instance.get_runs()) >= 3  # the runs stay for the UI
    assert "make demo-ui" in text


def test_a_sandbox_demo_sends_every_source_to_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An EnsembleData token (or an API URL) left in the environment must not turn a sandbox demo into real,
    paid calls: it is set aside while the demo runs, said so, and restored after."""
    from contextlib import ExitStack

    from tiktok_assets import backends

    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_CLIENT_KEY", raising=False)
    monkeypatch.setenv("ENSEMBLEDATA_TOKEN", "real-token-marker")
    monkeypatch.setenv("TIKTOK_VCE_BASE_URL", "https://vce.example.invalid")
    lines: list[str] = []
    with ExitStack() as stack:
        sandbox, _ = demo._start_backend(stack, demo.SANDBOX_NOW, lines.append)
        token, url = backends.ensembledata_target(None, None)
        assert url == sandbox.base_url + "/apis" and token != "real-token-marker"
        assert backends.vce_url(None) == sandbox.base_url + "/vce"
    assert os.environ["ENSEMBLEDATA_TOKEN"] == "real-token-marker"  # restored
    assert os.environ["TIKTOK_VCE_BASE_URL"] == "https://vce.example.invalid"
    assert any("ENSEMBLEDATA_TOKEN is set: ignored" in line for line in lines)
    assert not any("real-token-marker" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "config", "problem"),
    [
        (["--now", "notadate"], None, "'notadate' is not an ISO 8601 instant"),
        (["--days", "0"], None, "--days: must be at least 1"),
        ([], "accounts: [a\n  b: c\n", "line 2"),
    ],
    ids=["bad-now", "zero-days", "yaml-syntax"],
)
def test_bad_demo_input_is_one_clear_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], config: str | None, problem: str,
) -> None:  # fmt: skip
    from tiktok_assets.cli import main as cli_main

    monkeypatch.delenv("TIKTOK_CLIENT_KEY", raising=False)
    if config is not None:
        (tmp_path / "monitoring.yaml").write_text(config)
        monkeypatch.setenv("TIKTOK_MONITORING", str(tmp_path / "monitoring.yaml"))
    place = tmp_path / "demo"
    try:
        code = cli_main(["demo", *args, "--data-dir", str(place)])
    except SystemExit as exc:  # argparse's refusal
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and problem in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 10  # a usage line, or the YAML carets
    assert not place.exists()


def test_the_demo_ui_sends_its_runs_to_the_sandbox_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tiktok-assets ui --demo` hands `dg dev` an environment without the real token or API URLs: the demo's
    runs launched from its UI stay on its sandbox, as the demo's own did."""
    from argparse import Namespace

    from tiktok_assets.cli import instance, ui

    place = instance.demo_place(tmp_path / "demo")  # not the project's data/demo
    instance.write_demo_record(place, demo.SANDBOX_NOW, 30)
    monkeypatch.setattr(instance, "demo_place", lambda: place)
    monkeypatch.delenv("TIKTOK_CLIENT_KEY", raising=False)
    monkeypatch.setenv("ENSEMBLEDATA_TOKEN", "real-token-marker")
    monkeypatch.setenv("TIKTOK_RESEARCH_BASE_URL", "https://open.example.invalid")
    env, _ = ui._environment(Namespace(demo=True))
    assert "ENSEMBLEDATA_TOKEN" not in env and "TIKTOK_RESEARCH_BASE_URL" not in env
    assert env["TIKTOK_CLOCK_NOW"] == demo.SANDBOX_NOW
    assert os.environ["ENSEMBLEDATA_TOKEN"] == "real-token-marker"  # this process's environment is untouched
    out = capsys.readouterr().out
    assert "ENSEMBLEDATA_TOKEN is set: ignored" in out and "real-token-marker" not in out
