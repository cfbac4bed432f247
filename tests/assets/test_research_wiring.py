"""The research assets' Dagster wiring against an in-memory client: range runs, resume, idempotence,
metadata, checks, partitions, schedules and the monitoring sensor."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml
from fakes import CLIENTS, FakeClient, FakeResearchResource

from tiktok_assets.clients.errors import QuotaExhaustedError
from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.monitoring.sensors import monitoring_partitions_sensor_def
from tiktok_assets.defs.research import assets as research
from tiktok_assets.lake.datasets import research as rds

RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["alice", "private_one"],
    "hashtags": ["cat"],
    "queries": {"accts": {"from": "accounts"}, "cats": {"from": "hashtags"}},
    "comments": {"max_videos_per_day": 2},
}
RANGE = {
    "dagster/asset_partition_range_start": "2026-01-01",
    "dagster/asset_partition_range_end": "2026-02-15",
}


@pytest.fixture
def env(tmp_path: Path):
    CLIENTS.clear()
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    assets = research.build_assets(monitoring)
    resources = {"research_api": FakeResearchResource(), "lake": LakeResource(lake_dir=str(tmp_path))}
    return monitoring, {a.key.to_user_string(): a for a in assets}, resources, dg.DagsterInstance.ephemeral()


def _daily(assets: dict) -> list:
    return [
        assets[k]
        for k in ("research/videos_accts", "research/videos_cats", "research/comments", "research/playlists")
    ]


def test_defs_resolve(env) -> None:
    monitoring, _assets, resources, _ = env
    research.build_defs(monitoring, resources).get_repository_def()


def test_range_run_is_one_search_per_31_day_window_and_splits_by_day(env) -> None:
    _m, assets, resources, instance = env
    result = dg.materialize(_daily(assets), instance=instance, resources=resources, tags=RANGE)
    assert result.success
    calls = [c for c in CLIENTS["default"].calls if c[0] == "iter_videos"]
    # The API's full span: end_date up to 30 days after start_date, i.e. 31 days inclusive (clients.planner).
    assert calls == [("iter_videos", "20260101", "20260131"), ("iter_videos", "20260201", "20260215")] * 2
    lake: LakeResource = resources["lake"]
    assert len(lake.partitions(rds.VIDEOS)) == 2 * 46
    assert lake.read(rds.VIDEOS, {"query": "accts", "date": "2026-01-07"}).num_rows == FakeClient().per_day
    mats = [m for m in result.get_asset_materialization_events() if m.asset_key.path[-1] == "videos_accts"]
    assert len(mats) == 46
    meta = mats[0].materialization.metadata
    # A partition's own facts only; the search's requests, the quota and the schema are not a day's.
    assert set(meta) == {"dagster/row_count", "dagster/uri", "preview", "quarantined_rows", "window"}, set(
        meta
    )
    assert meta["dagster/row_count"].value == 7
    assert meta["window"].value == "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"
    summaries = [o for o in result.get_asset_observation_events() if o.asset_key.path[-1] == "videos_accts"]
    assert len(summaries) == 1
    summary = summaries[0].asset_observation_data.asset_observation.metadata
    assert {"run_requests_spent", "run_rows", "quota_video"} <= set(
        summary
    )  # the fake names its bucket "video"
    assert summary["run_partitions"].value == 46 and summary["run_window"].value == "2026-01-01..2026-02-15"
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    # comments: 2 most-commented videos a day, each with 3 comments + 1 reply
    assert lake.read(rds.COMMENTS, {"date": "2026-01-07"}).num_rows == 2 * 4
    assert lake.read(rds.PLAYLISTS, {"date": "2026-01-07"})["playlist_video_ids"].to_pylist()[0] == [1, 2, 3]


def test_rematerializing_is_idempotent(env) -> None:
    _m, assets, resources, instance = env
    lake: LakeResource = resources["lake"]
    part = {"query": "accts", "date": "2026-01-03"}
    dg.materialize(
        [assets["research/videos_accts"]], instance=instance, resources=resources, partition_key="2026-01-03"
    )
    first = lake.read(rds.VIDEOS, part).sort_by("id").drop_columns(["collected_at"])
    dg.materialize(
        [assets["research/videos_accts"]], instance=instance, resources=resources, partition_key="2026-01-03"
    )
    second = lake.read(rds.VIDEOS, part).sort_by("id").drop_columns(["collected_at"])
    assert first.equals(second)


def quota_job() -> dg.JobDefinition:
    """A reconstructable job (re-execution needs one) over the fake client; lake from TIKTOK_LAKE_DIR."""
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    defs = dg.Definitions(
        assets=research.build_assets(monitoring),
        jobs=[dg.define_asset_job("videos", selection=["research/videos_accts"])],
        resources={"research_api": FakeResearchResource(name="quota"), "lake": LakeResource()},
    )
    return defs.get_job_def("videos")


def test_quota_stops_with_typed_error_and_reexecution_skips_stored_days(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TIKTOK_LAKE_DIR", str(tmp_path / "lake"))
    lake = LakeResource()
    client = CLIENTS["quota"] = FakeClient(per_day=20, fail_after_pages=1)  # 6 pages a window; stops after 1
    in_process = {"execution": {"config": {"in_process": {}}}}
    tags = {
        "dagster/asset_partition_range_start": "2026-01-01",
        "dagster/asset_partition_range_end": "2026-01-30",
    }
    with dg.instance_for_test() as instance:
        job = dg.reconstructable(quota_job)
        first = dg.execute_job(job, instance=instance, tags=tags, run_config=in_process, raise_on_error=False)
        assert not first.success
        error = first.get_step_failure_events()[0].step_failure_data.error
        error = error.cause or error  # Dagster wraps the user error; the typed one is the cause
        assert error.cls_name == "QuotaExhaustedError" and "resets at" in error.message
        stored = {p["date"] for p in lake.partitions(rds.VIDEOS)}
        # Page 1 holds the 100 newest rows (days 30..26); day 26 might continue on page 2, so 4 days are final.
        assert stored == {f"2026-01-{d}" for d in range(27, 31)}
        # After the reset: re-execute from failure; the days stored by the first attempt are not fetched again.
        client.fail_after_pages = None
        client.calls.clear()
        retry = dg.execute_job(
            job, instance=instance, run_config=in_process, tags=tags,  # the UI copies the parent run's tags
            reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance),
        )  # fmt: skip
        assert retry.success
    assert [c for c in client.calls if c[0] == "iter_videos"] == [("iter_videos", "20260101", "20260126")]
    assert len(lake.partitions(rds.VIDEOS)) == 30


def test_user_info_records_unavailable_accounts(env) -> None:
    _m, assets, resources, instance = env
    result = dg.materialize(
        [assets["research/user_info"]], instance=instance, resources=resources, partition_key="2026-06-15"
    )
    assert result.success
    rows = {
        r["username"]: r for r in resources["lake"].read(rds.USER_INFO, {"date": "2026-06-15"}).to_pylist()
    }
    assert rows["alice"]["status"] == "ok" and rows["alice"]["follower_count"] == 5
    assert rows["private_one"]["status"] == "private"


def test_account_snapshots_are_dated_and_deduped(env) -> None:
    _m, assets, resources, instance = env
    instance.add_dynamic_partitions("accounts", ["alice"])
    keys = ["followers", "following", "liked_videos", "pinned_videos", "reposted_videos"]
    result = dg.materialize(
        [assets[f"research/{k}"] for k in keys], instance=instance, resources=resources, partition_key="alice"
    )
    assert result.success
    today = datetime.now(UTC).date().isoformat()
    lake: LakeResource = resources["lake"]
    assert lake.read(rds.FOLLOWERS, {"account": "alice", "snapshot": today}).num_rows == 4
    assert (
        lake.read(rds.FOLLOWING, {"account": "alice", "snapshot": today}).num_rows == 1
    )  # duplicate dropped
    assert lake.read(rds.REPOSTED_VIDEOS, {"account": "alice", "snapshot": today}).num_rows == 0


def test_daily_schedule_targets_the_last_complete_day_three_days_back(env) -> None:
    from tiktok_assets.clock import last_complete_day

    monitoring, _assets, resources, instance = env
    defs = research.build_defs(monitoring, resources)
    schedule = defs.resolve_schedule_def("research_daily_schedule")
    tick = datetime(2026, 6, 15, 2, tzinfo=UTC)
    with dg.build_schedule_context(instance=instance, scheduled_execution_time=tick) as ctx:
        requests = schedule.evaluate_tick(ctx).run_requests
    # date(now - 48h) - 1 day: every video of 2026-06-12 is searchable from 2026-06-14 23:59:59.
    assert [r.partition_key for r in requests] == ["2026-06-12"] == [last_complete_day(tick).isoformat()]


def test_the_last_daily_partition_is_the_last_complete_day_at_any_time_of_day() -> None:
    from tiktok_assets.clock import last_complete_day
    from tiktok_assets.defs.research.partitions import daily_partitions

    pdef = daily_partitions(date(2026, 1, 1))
    for hour, minute in ((0, 0), (2, 0), (12, 30), (23, 59)):
        now = datetime(2026, 6, 15, hour, minute, tzinfo=UTC)
        assert last_complete_day(now) == date(2026, 6, 12)
        assert pdef.get_partition_keys(current_time=now)[-1] == "2026-06-12"


def test_snapshots_and_collected_at_follow_the_backend_clock_not_the_wall_clock(
    env, monkeypatch: pytest.MonkeyPatch
) -> None:
    _m, assets, resources, instance = env
    instance.add_dynamic_partitions("accounts", ["alice"])
    # The demo sets this to the sandbox's fixed clock.
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    assert dg.materialize([assets["research/followers"]], instance=instance, resources=resources,
                          partition_key="alice").success  # fmt: skip
    lake: LakeResource = resources["lake"]
    assert [p["snapshot"] for p in lake.partitions(rds.FOLLOWERS)] == ["2026-06-15"]
    table = lake.read(rds.FOLLOWERS, {"account": "alice", "snapshot": "2026-06-15"})
    assert set(table["collected_at"].to_pylist()) == {datetime(2026, 6, 15, 12, tzinfo=UTC)}
    # A resource (or its client) that knows its backend's clock wins over the environment.
    clocked = {**resources, "research_api": ClockedResource()}
    assert dg.materialize([assets["research/user_info"]], instance=instance, resources=clocked,
                          partition_key="2026-06-03").success  # fmt: skip
    users = lake.read(rds.USER_INFO, {"date": "2026-06-03"})
    assert set(users["collected_at"].to_pylist()) == {datetime(2026, 6, 3, 7, tzinfo=UTC)}


class ClockedResource(FakeResearchResource):
    def now(self) -> datetime:
        return datetime(2026, 6, 3, 7, tzinfo=UTC)


def test_sensor_adds_partitions_from_the_file(env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monitoring, _assets, resources, instance = env
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(RAW))
    monkeypatch.setenv("TIKTOK_MONITORING", str(path))
    sensor = dg.Definitions(sensors=[monitoring_partitions_sensor_def()]).resolve_sensor_def(
        "monitoring_partitions_sensor"
    )
    with dg.build_sensor_context(instance=instance) as ctx:
        result = sensor.evaluate_tick(ctx)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    assert instance.get_dynamic_partitions("accounts") == ["alice", "private_one"]
    path.write_text(yaml.safe_dump({**RAW, "accounts": ["alice", "private_one", "carol"]}))
    with dg.build_sensor_context(instance=instance) as ctx:
        result = sensor.evaluate_tick(ctx)
    assert [(r.partitions_def_name, r.partition_keys) for r in result.dynamic_partitions_requests] == [
        ("accounts", ["carol"])
    ]


def test_quota_error_type_is_the_clients() -> None:
    assert issubclass(QuotaExhaustedError, Exception)


def test_snapshot_and_account_schedules(env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monitoring, _assets, resources, instance = env
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(RAW))
    monkeypatch.setenv("TIKTOK_MONITORING", str(path))
    defs = research.build_defs(monitoring, resources)
    tick = datetime(2026, 6, 15, 4, tzinfo=UTC)  # a Monday
    repo = defs.get_repository_def()
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=tick, repository_def=repo
    ) as ctx:
        user_info = defs.resolve_schedule_def("research_user_info_schedule").evaluate_tick(ctx).run_requests
        # Direct invocation: evaluate_tick would validate dynamic keys against a daemon-only loading context.
        accounts = defs.resolve_schedule_def("research_accounts_weekly")(ctx)
    assert [r.partition_key for r in user_info] == ["2026-06-15"]  # live data: today's snapshot
    assert sorted(r.partition_key for r in accounts) == ["alice", "private_one"]


def test_partition_counts_stay_small_for_1000_accounts_over_3_years() -> None:
    from tiktok_assets.defs.research.partitions import daily_partitions

    three_years = daily_partitions(date(2023, 1, 1), date(2025, 12, 31))
    assert len(three_years.get_partition_keys()) == 1_096  # 2024 is a leap year
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    for asset in research.build_assets(monitoring):
        pdef = asset.partitions_def
        assert not isinstance(pdef, dg.MultiPartitionsDefinition), asset.key  # never days x accounts
        assert isinstance(pdef, dg.TimeWindowPartitionsDefinition | dg.DynamicPartitionsDefinition), asset.key
