"""`tiktok-assets plan` from what the instance recorded: the shipped monitoring.yaml's EnsembleData and VCE
assets are collected for 15 days (2026-05-14..28, one snapshot of every live and "about X" asset), the next 15
days are forecast from the instance's per-partition spend, then collected, and the forecast is held against
what that second collection spent — per asset (its partitions' recorded spend, itself equal to the booked
units) and in total as the sandbox counts it (units charged; VCE records and RQS calls).

A figure that is a count of what will be asked (snapshots, live runs, RQS calls per task) holds within 10%.
A figure that depends on what each day holds (posts, comments, a query's daily matches) is the recorded
days' mean and carries the ± range their variation gives: the spend falls inside it."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from ed_support import NOW, materialize_all, resources_for

from tests.vce.support import resources as vce_resources
from tiktok_assets.cli import main
from tiktok_assets.clock import clock_now
from tiktok_assets.config import DEFAULT_PATH, Monitoring, load_monitoring
from tiktok_assets.defs.vce.definitions import build_assets as vce_assets
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.forecast import ensembledata as ed_forecast
from tiktok_assets.forecast import ensembledata_probe, history
from tiktok_assets.forecast import vce as vce_forecast
from tiktok_assets.forecast import vce_probe as vce_probes
from tiktok_assets.forecast.ensembledata_probe import PostsProbe
from tiktok_assets.forecast.line import ForecastLine
from tiktok_assets.forecast.vce_probe import QueryProbe
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

RECORDED = ("2026-05-14", "2026-05-28")
PLANNED = ("2026-05-29", "2026-06-12")
FIGURE = {"units": "units_spent", "records": "task_records", "requests": "task_requests"}
MONITORING_FILE = Path(DEFAULT_PATH)  # the shipped file
PRIVATE = "biki__7942"  # a shipped account whose posts the API refuses
PER_DAY = {"ensembledata/user_posts", "ensembledata/comments"}  # and every VCE query's records


@dataclass
class Planned:
    monitoring: Monitoring
    lines: list[ForecastLine]
    spent: dict[tuple[str, str], int]  # (asset, unit) → what the planned collection recorded
    counted: dict[str, int]  # what the sandbox counted during the planned collection
    home: Path
    recorded: history.History  # what the plan read: the recorded window's figures
    probed: dict[str, ForecastLine]  # the posted-day lines from a probe of the planned window's posts
    probe: PostsProbe
    probe_counted: int  # the units the sandbox counted during the probe
    sandbox: SandboxHandle
    vce_probed: list[ForecastLine]  # the VCE lines with a probe of the planned window
    vce_probe_counted: dict[str, int]  # what the sandbox counted during that probe
    vce_probe: dict[str, QueryProbe]


def _assets(monitoring: Monitoring) -> list[str]:
    """What the plan reads from the instance (the Research videos too: post statistics re-read them)."""
    return ed_forecast.history_assets(monitoring) + vce_forecast.history_assets(monitoring)


def _forecast_assets(monitoring: Monitoring) -> set[str]:
    return {ed_forecast.asset_name(e) for e in ed.ENDPOINTS} | set(vce_forecast.history_assets(monitoring))


def _counted(stats: dict) -> dict[str, int]:
    vce_requests = sum(sum(s.values()) for k, s in stats["requests"].items() if k.startswith("vce"))
    vce_records = sum(n for k, n in stats["records"].items() if k.startswith("vce"))
    return {"units": stats["units_total"], "vce_records": vce_records, "vce_requests": vce_requests}


def _per_day(line: ForecastLine) -> bool:
    return line.asset in PER_DAY or (line.api == "vce" and line.unit == "records")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planned]:
    tmp = tmp_path_factory.mktemp("plan-history")
    home = tmp / "dagster_home"
    home.mkdir()
    monitoring = load_monitoring()  # the shipped file
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vce = vce_assets(monitoring)
    with (
        pytest.MonkeyPatch.context() as mp,
        running_sandbox(now=NOW, per_minute=1_000_000) as sandbox,
        dg.DagsterInstance.local_temp(str(home)) as instance,
    ):
        mp.setenv("TIKTOK_CLOCK_NOW", NOW)  # the assets' clock = the sandbox's
        resources = {**resources_for(sandbox, tmp), **vce_resources(sandbox, tmp)}

        def collect(first: str, last: str) -> None:
            assert all(r.success for r in materialize_all(monitoring, resources, instance, first, last))
            tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
            assert dg.materialize(vce, instance=instance, resources=resources, tags=tags).success

        collect(*RECORDED)
        recorded = history.from_home(home, _assets(monitoring))  # as the CLI reads it: from the home folder
        assert recorded is not None
        first, last = (date.fromisoformat(d) for d in PLANNED)
        lines = ed_forecast.forecast(monitoring, first, last, history=recorded)
        lines += vce_forecast.forecast(monitoring, first, last, history=recorded)
        before_probe = _counted(sandbox.stats())["units"]
        probe = ensembledata_probe.probe(
            resources["ensembledata"].client(), monitoring, first, last, clock_now()
        )
        probed = {line.asset: line for line in ed_forecast.forecast(monitoring, first, last, history=recorded, probe=probe)
                  if line.asset in PER_DAY}  # fmt: skip
        before_vce = _counted(sandbox.stats())
        vce_resource = resources["vce"]
        vce_probe = vce_probes.probe(
            monitoring, first, last, client=vce_resource.client, budget=vce_resource.budget
        )
        vce_probed = vce_forecast.forecast(monitoring, first, last, history=recorded, probe=vce_probe)
        before = _counted(sandbox.stats())
        vce_probe_counted = {k: before[k] - before_vce[k] for k in before}
        collect(*PLANNED)
        after = _counted(sandbox.stats())
        now_recorded = history.from_instance(instance, _assets(monitoring))
        spent = {}
        for line in lines:
            parts = now_recorded.partitions(line.asset, FIGURE[line.unit])
            if line.asset in PER_DAY or line.api == "vce":  # day partitions: the planned days'
                parts = {k: v for k, v in parts.items() if PLANNED[0] <= k <= PLANNED[1]}
            spent[(line.asset, line.unit)] = sum(parts.values())
        counted = {k: after[k] - before[k] for k in after}
        yield Planned(monitoring, lines, spent, counted, home, recorded, probed, probe,
                      before["units"] - before_probe, sandbox, vce_probed, vce_probe_counted, vce_probe)  # fmt: skip


def test_every_line_rests_on_the_recorded_spend(planned: Planned) -> None:
    assert {line.asset for line in planned.lines} == _forecast_assets(planned.monitoring)
    for line in planned.lines:
        if line.asset != "ensembledata/units":  # free: nothing to learn
            assert "recorded" in line.basis or "last snapshot" in line.basis or "last run" in line.basis, line
        assert "assumed" not in line.basis and "at most" not in line.basis, line
    # The same forecast without history is the model's (what the old planner printed): far off.
    first, last = (date.fromisoformat(d) for d in PLANNED)
    modelled = sum(line.amount for line in ed_forecast.forecast(planned.monitoring, first, last))
    assert modelled > 3 * planned.counted["units"]


def test_counted_lines_hold_within_10_percent(planned: Planned) -> None:
    for line in (line for line in planned.lines if not _per_day(line)):
        spent = planned.spent[(line.asset, line.unit)]
        assert abs(line.amount - spent) <= 0.1 * spent, (line.asset, line.unit, line.amount, spent)


def test_per_day_lines_fall_in_their_stated_range(planned: Planned) -> None:
    per_day = [line for line in planned.lines if _per_day(line)]
    assert len(per_day) == 2 + len(planned.monitoring.vce_queries)
    for line in per_day:
        spent = planned.spent[(line.asset, line.unit)]
        assert 0 < line.spread < line.amount, line  # a range narrower than the figure itself
        assert abs(line.amount - spent) <= line.spread, (line.asset, line.amount, line.spread, spent)


def test_totals_against_what_the_sandbox_counted(planned: Planned) -> None:
    units = [line for line in planned.lines if line.unit == "units"]
    assert sum(planned.spent[(line.asset, "units")] for line in units) == planned.counted["units"]
    forecast = sum(line.amount for line in units)
    assert abs(forecast - planned.counted["units"]) <= 0.1 * planned.counted["units"]
    calls = sum(line.amount for line in planned.lines if line.api == "vce" and line.unit == "requests")
    assert abs(calls - planned.counted["vce_requests"]) <= 0.1 * planned.counted["vce_requests"]
    records = [line for line in planned.lines if line.api == "vce" and line.unit == "records"]
    assert sum(planned.spent[(line.asset, "records")] for line in records) == planned.counted["vce_records"]
    combined = math.sqrt(sum(line.spread**2 for line in records))  # independent queries
    assert abs(sum(line.amount for line in records) - planned.counted["vce_records"]) <= combined


def test_a_probe_of_the_posts_holds_user_posts_and_comments_within_10_percent(planned: Planned) -> None:
    """``plan --probe-posts`` walks the planned window's posts as the asset will: user posts cost exactly what
    the probe spent, and the comments of the posts each day will choose are counted, not averaged (from
    history the two lines are 7 ±6 and 130 ±102 units for 9 and 150)."""
    posts, comments = (planned.probed[f"ensembledata/{name}"] for name in ("user_posts", "comments"))
    assert planned.probe.units == planned.probe_counted > 0  # the probe says what it cost
    assert posts.amount == planned.probe.units == planned.spent[(posts.asset, "units")]
    assert "--probe-posts" in comments.basis and comments.spread == 0
    spent = planned.spent[(comments.asset, "units")]
    assert abs(comments.amount - spent) <= 0.1 * spent, (comments.amount, spent)
    assert planned.probe.unavailable == {PRIVATE: "private"}


def test_plan_cli_probes_say_what_they_spent_and_count(
    planned: Planned, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--probe-posts --probe-vce`` through the CLI, on the collection's own ledger (the test stage's records
    are shared with the assets): each probe's spend is said first, as the sandbox counted it, and the lines
    are the probes' counts."""
    monkeypatch.setenv("ENSEMBLEDATA_BASE_URL", planned.sandbox.ensembledata_url)
    monkeypatch.setenv("ENSEMBLEDATA_TOKEN", planned.sandbox.ed_token)
    monkeypatch.setenv("TIKTOK_VCE_BASE_URL", planned.sandbox.vce_url)
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{planned.home.parent / 'quota.sqlite'}")
    before = _counted(planned.sandbox.stats())
    args = [
        "plan",
        "--start",
        PLANNED[0],
        "--end",
        PLANNED[1],
        "--lake",
        str(planned.home.parent / "no-lake"),
    ]
    assert main([*args, "--dagster-home", str(planned.home), "--probe-posts", "--probe-vce"]) == 0
    out = capsys.readouterr().out
    spent = {k: n - before[k] for k, n in _counted(planned.sandbox.stats()).items()}
    first = out.splitlines()[0]
    assert (
        spent["units"] == planned.probe.units and f"EnsembleData probe spent {spent['units']} units" in first
    )
    by_stage = {p.stage: p.records for p in planned.vce_probe.values()}
    assert sum(by_stage.values()) == spent["vce_records"]
    said = (
        f"VCE probe spent {by_stage['execution']} execution-stage records, {by_stage['test']} test-stage "
        f"records, {spent['vce_requests']} RQS calls"
    )
    assert said in first, first
    rows = [r.split() for r in out.splitlines() if r.startswith(("ensembledata/", "vce/"))]
    rows = [r if r[1] == "vce" else [*r[:2], "", *r[2:]] for r in rows]  # EnsembleData lines have no bucket
    printed = {(r[0], r[4]): int(r[3].replace(",", "")) for r in rows}
    assert printed[("ensembledata/user_posts", "units")] == spent["units"]
    assert printed[("ensembledata/comments", "units")] == planned.probed["ensembledata/comments"].amount
    for line in (line for line in planned.vce_probed if line.unit == "records"):
        assert printed[(line.asset, "records")] == line.amount, line.asset
    assert planned.sandbox.ed_token not in out


def test_a_vce_probe_counts_each_query_s_records_within_10_percent(planned: Planned) -> None:
    """The VCE has no count, but one task over the window in the query's own stage returns each day's matches:
    the daily tasks' records are then counted, not averaged (from history 179 ±44 and 143 ±30 for 208 and
    155). The probe's records and calls are what the sandbox counted for it."""
    records = [line for line in planned.vce_probed if line.unit == "records"]
    assert len(records) == len(planned.monitoring.vce_queries)
    for line in records:
        spent = planned.spent[(line.asset, "records")]
        assert "--probe-vce" in line.basis and line.spread == 0, line
        assert abs(line.amount - spent) <= 0.1 * spent, (line.asset, line.amount, spent)
    total = sum(line.amount for line in records)
    assert abs(total - planned.counted["vce_records"]) <= 0.1 * planned.counted["vce_records"]
    probes = planned.vce_probe.values()
    assert not any(p.saturated for p in probes)
    assert sum(p.records for p in probes) == planned.vce_probe_counted["vce_records"]
    assert sum(p.calls for p in probes) == planned.vce_probe_counted["vce_requests"]


def test_a_probe_stopped_by_the_budget_says_what_it_had_spent(
    planned: Planned, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped config with a budget of 3 units a day and a fresh ledger: the posts probe is refused before
    its fourth call, and the plan says so and what it had spent, as the sandbox counted it (exit 3)."""
    config = tmp_path / "monitoring.yaml"
    config.write_text(
        MONITORING_FILE.read_text().replace("daily_units: 20000", "daily_units: 3")
    )  # fmt: skip
    monkeypatch.setenv("ENSEMBLEDATA_BASE_URL", planned.sandbox.ensembledata_url)
    monkeypatch.setenv("ENSEMBLEDATA_TOKEN", planned.sandbox.ed_token)
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{tmp_path / 'quota.sqlite'}")
    before = _counted(planned.sandbox.stats())["units"]
    args = ["plan", "--config", str(config), "--start", PLANNED[0], "--end", PLANNED[1], "--probe-posts"]
    assert main([*args, "--lake", str(tmp_path / "no-lake"), "--dagster-home", str(planned.home)]) == 3
    out = capsys.readouterr().out.splitlines()
    spent = _counted(planned.sandbox.stats())["units"] - before
    assert spent == 3 and out[0].startswith("plan: the probe stopped: ")
    assert out[1].startswith(f"plan: before it stopped, EnsembleData probe spent {spent} units in "), out


def test_pinned_post_calls_are_forecast_only_for_a_window_that_needs_them(planned: Planned) -> None:
    asset, accounts = "ensembledata/user_posts", len(planned.monitoring.accounts)
    # The recorded window ended weeks before the clock: each account paid one call from the top for its pinned
    # posts, recorded apart on the days it served; the planned window is recent and paid none.
    # (but the private account, whose posts the API refuses: no unit charged).
    pinned = planned.recorded.partitions(asset, "pinned_units")
    assert PRIVATE in planned.monitoring.accounts
    assert len(pinned) == 15 and sum(pinned.values()) == (accounts - 1) * ed.PRICES[ed.USER_POSTS.path]
    (line,) = [line for line in planned.lines if line.asset == asset]
    assert "pinned" not in line.basis
    # The same history forecasts an old window of the same length one such call an account higher.
    old = ed_forecast.forecast(
        planned.monitoring, date(2026, 4, 1), date(2026, 4, 15), history=planned.recorded
    )
    (old_line,) = [line for line in old if line.asset == asset]
    assert old_line.amount == line.amount + accounts and "pinned" in old_line.basis
    assert old_line.spread == line.spread


def test_plan_cli_reads_the_instance_and_prints_the_range(
    planned: Planned, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    args = ["plan", "--start", PLANNED[0], "--end", PLANNED[1], "--lake", str(tmp_path / "empty")]
    assert main([*args, "--dagster-home", str(planned.home)]) == 0
    out = capsys.readouterr().out
    assert "recorded partition(s)" in out.splitlines()[0]
    rows = [row.split() for row in out.splitlines() if row.startswith(("ensembledata/", "vce/"))]
    # asset api [bucket] amount unit: a VCE line's bucket is its stage, EnsembleData has none
    rows = [r if r[1] == "vce" else [*r[:2], "", *r[2:]] for r in rows]
    printed = {(r[0], r[4]): int(r[3].replace(",", "")) for r in rows}
    assert {r[2] for r in rows if r[1] == "vce"} == {q.stage for q in planned.monitoring.vce_queries}
    totals = [t for t in out.splitlines() if t.startswith("total ")]
    assert any(
        t.startswith("total vce test") and "records" in t and "day(s) at 5,000/day" in t for t in totals
    )
    assert any(
        t.startswith("total vce execution") and "records" in t and "(no daily limit)" in t for t in totals
    )
    daily_units = planned.monitoring.ensembledata.daily_units
    assert daily_units and any(
        t.startswith("total ensembledata") and f"at {daily_units:,}/day" in t for t in totals
    )
    now_recorded = history.from_home(planned.home, _assets(planned.monitoring))  # both windows by now
    first, last = (date.fromisoformat(d) for d in PLANNED)
    expected = ed_forecast.forecast(planned.monitoring, first, last, history=now_recorded)
    expected += vce_forecast.forecast(planned.monitoring, first, last, history=now_recorded)
    assert printed == {(line.asset, line.unit): line.amount for line in expected}
    for line in (line for line in expected if line.spread):
        assert any(r[0] == line.asset and f"±{line.spread:,}:" in r for r in rows), line
    assert main([*args, "--dagster-home", str(tmp_path / "no-instance")]) == 0
    out = capsys.readouterr().out
    assert "instance: no history" in out and not (tmp_path / "no-instance").exists()
    # A home holding only the linked dagster.yaml (what `make ui` leaves before its first run): nothing is
    # created there, and there is no history.
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "dagster.yaml").write_text("run_monitoring: {enabled: true}\n")
    assert main([*args, "--dagster-home", str(linked)]) == 0
    assert "instance: no history" in capsys.readouterr().out
    assert [p.name for p in linked.iterdir()] == ["dagster.yaml"]
    # An instance that cannot be read is said, without a traceback, and the plan goes on with the models.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "dagster.yaml").write_text("storage: {no_such_storage: {}}\n")
    assert main([*args, "--dagster-home", str(broken)]) == 0
    out = capsys.readouterr().out
    assert "could not be read" in out and "instance: no history" in out and "Traceback" not in out
