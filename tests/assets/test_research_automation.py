"""Automation against the sandbox: the daily schedule collects a day only once it is complete (48-hour
archive lag), and a run that failed on the daily quota is resumed by the quota retry sensor after the reset,
without fetching what it stored."""

from __future__ import annotations

import os
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from fakes import FakeResearchResource
from test_research_sandbox import resources_for

from tiktok_assets.clock import clock_now
from tiktok_assets.config import load_monitoring, parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research import quota_retry as automation
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import running_sandbox
from tiktok_assets.sandbox.world import World

TICK = datetime(2026, 6, 15, 2, tzinfo=UTC)  # a 02:00 UTC tick of research_daily_schedule


def _assets(monitoring) -> list[dg.AssetsDefinition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return research.build_assets(monitoring)


def _day_truth(sandbox, query: dict, day: str) -> set[int]:
    ymd = day.replace("-", "")
    return {int(k) for k in sandbox.truth("research", "video/query/", {"query": query, "start_date": ymd, "end_date": ymd})}  # fmt: skip


def test_the_scheduled_day_is_complete_when_collected(tmp_path: Path) -> None:
    """What the schedule collects at its tick equals what the API returns for that day a week later."""
    monitoring = load_monitoring()  # the shipped file
    assets = _assets(monitoring)
    defs = research.build_defs(
        monitoring, {"research_api": FakeResearchResource(), "lake": LakeResource(lake_dir=str(tmp_path))}
    )
    with dg.build_schedule_context(
        instance=dg.DagsterInstance.ephemeral(), scheduled_execution_time=TICK
    ) as ctx:
        [request] = defs.resolve_schedule_def("research_daily_schedule").evaluate_tick(ctx).run_requests
    day = request.partition_key
    videos = [a.key for a in assets if a.key.path[-1].startswith("videos_")]
    with running_sandbox(now=TICK.isoformat(), per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp_path)
        assert dg.materialize(assets, selection=videos, resources=resources, partition_key=day).success
        at_tick = {q.name: _day_truth(sandbox, q.query, day) for q in monitoring.queries}
        sandbox.advance(7 * 86_400)
        week_later = {q.name: _day_truth(sandbox, q.query, day) for q in monitoring.queries}
    assert sum(map(len, week_later.values())) > 0
    world = World(7, "small")
    lake = resources["lake"]
    for q in monitoring.queries:
        # Nothing of the day was still hidden by the archive lag at the tick (with end_offset=-1 the tick
        # collected 2026-06-13, ~22 hours of which were not searchable yet)...
        assert week_later[q.name] <= at_tick[q.name], q.name
        # ...and the only difference a week makes is videos deleted in the meantime.
        for video_id in at_tick[q.name] - week_later[q.name]:
            deleted = world.video(video_id).deleted_time
            assert deleted is not None and TICK.timestamp() < deleted <= TICK.timestamp() + 7 * 86_400
        table = lake.read(rds.VIDEOS, {"query": q.name, "date": day})
        assert set(table["id"].to_pylist()) == at_tick[q.name], q.name


# --- the quota retry sensor ----------------------------------------------------------------------------------

RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["nerali7775"],
    "hashtags": ["cat", "cats", "dog", "funny"],
    "queries": {"tags": {"from": "hashtags"}},
}
FIRST, LAST = "2026-05-14", "2026-06-12"


def _sandbox_clock() -> float:
    return clock_now().timestamp()  # $TIKTOK_CLOCK_NOW: the test keeps it equal to the sandbox's clock


class SandboxClockResearch(ResearchApiResource):
    """The client's clock is the sandbox's, so its quota day and ``resets_at`` are the sandbox's too."""

    def client(self):  # noqa: ANN201
        client = super().client()
        client.clock = _sandbox_clock
        return client


def quota_defs() -> dg.Definitions:
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    api = SandboxClockResearch(
        base_url=os.environ["TEST_SANDBOX_URL"], client_key="sandbox-key", client_secret="sandbox-secret",
        ledger_url=os.environ["TEST_LEDGER_URL"],
    )  # fmt: skip
    assets = _assets(monitoring)
    return dg.Definitions(
        assets=assets,
        jobs=[dg.define_asset_job("tags", selection=["research/videos_tags"])],
        resources={"research_api": api, "lake": LakeResource()},
    )


def quota_job() -> dg.JobDefinition:
    """Reconstructable (execute_job needs it)."""
    return quota_defs().resolve_job_def("tags")


def test_a_quota_failure_is_resumed_once_after_the_reset_without_refetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    query = monitoring.query("tags").query
    tags = {"dagster/asset_partition_range_start": FIRST, "dagster/asset_partition_range_end": LAST}
    in_process = {"execution": {"config": {"in_process": {}}}}
    sensor_now = {"now": datetime(2026, 6, 15, 23, 0, tzinfo=UTC)}
    # The sandbox's own daily quota: 3 video requests; this window needs 4 pages.
    with running_sandbox(per_minute=1_000_000, research_daily_requests=3) as sandbox, \
            dg.instance_for_test() as instance:  # fmt: skip
        truth = {int(k) for k in sandbox.truth("research", "video/query/", {"query": query, "start_date": FIRST.replace("-", ""), "end_date": LAST.replace("-", "")})}  # fmt: skip
        for var, value in {"TIKTOK_LAKE_DIR": str(tmp_path / "lake"), "TEST_SANDBOX_URL": sandbox.research_url,
                           "TEST_LEDGER_URL": f"sqlite:///{tmp_path / 'quota.sqlite'}",
                           "TIKTOK_CLOCK_NOW": "2026-06-15T12:00:00Z"}.items():  # fmt: skip
            monkeypatch.setenv(var, value)
        job = dg.reconstructable(quota_job)
        first = dg.execute_job(job, instance=instance, tags=tags, run_config=in_process, raise_on_error=False)
        assert not first.success
        lake = LakeResource()
        stored = [p["date"] for p in lake.partitions(rds.VIDEOS)]
        assert 0 < len(stored) < 30
        stored_rows = sum(lake.read(rds.VIDEOS, {"query": "tags", "date": d}).num_rows for d in stored)
        before = sandbox.stats()["records"]["research /v2/research/video/query/"]

        defs = quota_defs()
        key = dg.AssetKey(["research", "videos_tags"])
        target = dg.define_asset_job("tags", selection=[key])
        sensor = automation.quota_retry_sensor_def([(target, [key])], now=lambda: sensor_now["now"])
        repo = dg.Definitions(
            assets=defs.assets, sensors=[sensor], resources=defs.resources
        ).get_repository_def()

        def tick(cursor: str | None) -> dg.SensorExecutionData:
            with dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=repo) as ctx:
                return sensor.evaluate_tick(ctx)

        # Before the reset (sandbox day 2026-06-15): nothing is launched, the reset time is recorded.
        waiting = tick(None)
        assert waiting.run_requests == []
        failed = instance.get_run_by_id(first.run_id)
        assert failed.tags[automation.RESETS_AT_TAG] == "2026-06-16T00:00:00+00:00"
        # The sandbox's clock and the sensor's "now" pass UTC midnight: one resume.
        sandbox.set_clock("2026-06-16T00:30:00Z")
        monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-16T00:30:00Z")
        sensor_now["now"] = datetime(2026, 6, 16, 0, 30, tzinfo=UTC)
        due = tick(waiting.cursor)
        [request] = due.run_requests
        assert request.run_key == f"quota-retry:{first.run_id}" and request.job_name == "tags"
        assert request.asset_selection == [key]
        assert request.tags[automation.RESUME_TAG] == first.run_id
        assert {k: request.tags[k] for k in tags} == tags
        # At most once per failed run.
        assert tick(due.cursor).run_requests == []
        # Launch what the sensor requested (the daemon's part).
        retry = dg.execute_job(job, instance=instance, tags=request.tags, run_config=in_process,
                               asset_selection=request.asset_selection)  # fmt: skip
        assert retry.success
        fetched_again = sandbox.stats()["records"]["research /v2/research/video/query/"] - before
    got = {i for d in [p["date"] for p in lake.partitions(rds.VIDEOS)]
           for i in lake.read(rds.VIDEOS, {"query": "tags", "date": d})["id"].to_pylist()}  # fmt: skip
    assert len(lake.partitions(rds.VIDEOS)) == 30
    assert got == truth
    # The resume fetched only what was not stored: no stored day came back over the wire.
    assert fetched_again == len(truth) - stored_rows


def test_the_sensor_ignores_failures_that_are_not_the_quota() -> None:
    @dg.asset
    def broken() -> None:
        raise ValueError("resets at 2026-06-16T00:00:00+00:00 -- but not a quota error")

    with dg.instance_for_test() as instance:
        result = dg.materialize([broken], instance=instance, raise_on_error=False)
        assert not result.success
        assert automation.quota_resets_at(instance, result.run_id) is None
        job = dg.define_asset_job("broken", selection=[broken.key])
        sensor = automation.quota_retry_sensor_def(
            [(job, [broken.key])], now=lambda: datetime(2030, 1, 1, tzinfo=UTC)
        )
        with dg.build_sensor_context(instance=instance) as ctx:
            assert sensor.evaluate_tick(ctx).run_requests == []


def test_quota_sensor_ships_running_and_stamps_resets_at_from_the_typed_error() -> None:
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    defs = research.build_defs(monitoring, {"research_api": FakeResearchResource(), "lake": LakeResource()})
    sensor = defs.resolve_sensor_def(automation.QUOTA_RETRY_SENSOR)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert "QuotaExhaustedError" in (sensor.description or "")
    assert timedelta(seconds=sensor.minimum_interval_seconds or 0) <= timedelta(minutes=10)
