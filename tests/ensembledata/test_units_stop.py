"""Units are money: the API's 495 and the ledger's daily budget stop a run with a typed error that says when
units reset; nothing half-written; the resume (the ensembledata_quota_retry_sensor after the reset, or a
re-run of the same root) fetches no page twice."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from ed_support import ed_assets, resources_for

from tiktok_assets.collect.journal import PREFIX
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.ensembledata import automation
from tiktok_assets.defs.ensembledata.assets import build_defs
from tiktok_assets.defs.ensembledata.common import QUOTA_RETRY_SENSOR
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.research.quota_retry import RESETS_AT_TAG
from tiktok_assets.endpoints.spec import PartitionKind
from tiktok_assets.forecast import history
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

MISAAN = "MS4wLjABAAAARgzSoi2UtZNGDNKiLZS1k0YM0qItlLWTRgzSoi2UtZNGDNKiLZS1"  # by secUid: both calls resume
RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["nerali7775", "misaan__"],
    "hashtags": ["cat"],
    "queries": {"accounts": {"from": "accounts"}},
    "ensembledata": {
        "comments": {"max_videos_per_day": 1, "replies": False},
        "sec_uids": {"misaan__": MISAAN},
    },
}
MONITORING = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
RANGE = {
    "dagster/asset_partition_range_start": "2026-06-01",
    "dagster/asset_partition_range_end": "2026-06-12",
}


def _error(result: dg.ExecuteInProcessResult) -> tuple[str, str]:
    (failure,) = result.get_step_failure_events()
    error = failure.step_failure_data.error
    while error.cause is not None and error.cls_name not in ("QuotaExhaustedError", "BudgetExceededError"):
        error = error.cause
    return error.cls_name, error.message


def _ok_requests(sandbox, path: str) -> int:
    return sandbox.stats()["requests"].get(f"ensembledata /{path}", {}).get("200", 0)


def test_495_fails_typed_and_the_sensor_resumes_after_the_reset_without_refetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    with (
        running_sandbox(per_minute=1_000_000, ed_daily_units=15) as sandbox,
        dg.instance_for_test() as instance,
    ):
        at_start = {int(k) for k in sandbox.truth("ensembledata", "tt/hashtag/posts", {"name": "cat"})}
        assert len(at_start) > 20 * 15  # more pages than the day's units
        resources = resources_for(sandbox, tmp_path)
        defs = build_defs(MONITORING, resources)
        instance.add_dynamic_partitions("hashtags", ["cat"])
        key = dg.AssetKey(["ensembledata", "hashtag_posts"])
        first = dg.materialize(defs.assets, selection=[key], partition_key="cat", instance=instance,
                               resources=resources, raise_on_error=False)  # fmt: skip
        assert not first.success
        cls, message = _error(first)
        assert cls == "QuotaExhaustedError" and "units depleted (495)" in message
        assert "resets at 2026-06-16T00:00:00+00:00" in message
        assert sandbox.stats()["requests"]["ensembledata /tt/hashtag/posts"] == {
            "200": 15,
            "495": 1,
        }  # no retry
        lake = resources["lake"]
        assert lake.partitions(ds.HASHTAG_POSTS) == []  # nothing half-written
        assert len(list((Path(lake.root) / PREFIX).rglob("page.parquet"))) == 15  # every page fetched is kept

        # The shipped sensor; its "now" is the backend clock (TIKTOK_CLOCK_NOW here, as in the demo).
        sensor = defs.resolve_sensor_def(QUOTA_RETRY_SENSOR)
        repo = defs.get_repository_def()

        def tick(cursor: str | None) -> dg.SensorExecutionData:
            # The daemon evaluates ticks with the instance as the dynamic partitions store; so does the test.
            with (
                dg.partition_loading_context(dynamic_partitions_store=instance),
                dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=repo) as ctx,
            ):
                return sensor.evaluate_tick(ctx)

        waiting = tick(None)  # before the reset: nothing launched, the reset instant recorded
        assert waiting.run_requests == []
        assert instance.get_run_by_id(first.run_id).tags[RESETS_AT_TAG] == "2026-06-16T00:00:00+00:00"
        sandbox.set_clock("2026-06-16T00:30:00Z")
        sandbox.set_limits(ed_daily_units=1_000)  # the new day's allowance covers the rest
        monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-16T00:30:00Z")
        due = tick(waiting.cursor)
        [request] = due.run_requests
        assert request.partition_key == "cat" and request.tags[RESUME_TAG] == first.run_id
        assert request.job_name == automation.ENTITY_JOBS[PartitionKind.HASHTAG]
        assert tick(due.cursor).run_requests == []  # once per failed run
        retry = dg.materialize(defs.assets, selection=request.asset_selection, partition_key=request.partition_key,
                               tags=request.tags, instance=instance, resources=resources)  # fmt: skip
        assert retry.success
        at_end = {int(k) for k in sandbox.truth("ensembledata", "tt/hashtag/posts", {"name": "cat"})}
        [part] = lake.partitions(ds.HASHTAG_POSTS)
        assert part == {"hashtag": "cat", "snapshot": "2026-06-15"}  # the day the snapshot started
        got = lake.read(ds.HASHTAG_POSTS, part, ["aweme_id"])["aweme_id"].to_pylist()
        assert len(got) == len(set(got)) and at_start <= set(got) <= at_start | at_end
        # Each cursor offset was served once across the stop: the resume fetched no page twice.
        assert _ok_requests(sandbox, "tt/hashtag/posts") == -(-len(at_end) // 20)
        assert not list(
            (Path(lake.root) / PREFIX).rglob("page.parquet")
        )  # the journal is gone once committed


class EnvBudget(EnsembleDataResource):
    """The daily units budget read from the environment when the client is built (a raised budget stands in
    for the reset, so the clock and the world stay still)."""

    def budget_units(self) -> int | None:
        return int(os.environ["TEST_ED_UNITS"])


def test_the_budget_refuses_before_sending_and_a_range_resume_completes_every_day_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    assets = ed_assets(MONITORING)
    keys = [assets["user_posts"].key, assets["comments"].key]
    with running_sandbox(per_minute=1_000_000) as clean:  # the same collection, uninterrupted
        resources = resources_for(clean, tmp_path / "clean")
        assert dg.materialize(list(assets.values()), selection=keys, tags=RANGE, resources=resources).success
        clean_requests = {p: _ok_requests(clean, p) for p in ("tt/user/posts", "tt/post/comments",
                                                             "tt/post/comments-replies", "tt/user/posts-from-secuid")}  # fmt: skip
        clean_units = clean.stats()["units_total"]
        expected = {p["date"]: resources["lake"].read(ds.COMMENTS, p)["cid"].to_pylist()
                    for p in resources["lake"].partitions(ds.COMMENTS)}  # fmt: skip
    assert clean_units > 20
    with running_sandbox(per_minute=1_000_000) as sandbox, dg.instance_for_test() as instance:
        monkeypatch.setenv("TEST_ED_UNITS", "2")
        resources = resources_for(sandbox, tmp_path / "stop")
        resources["ensembledata"] = EnvBudget(**resources["ensembledata"].model_dump())
        lake = resources["lake"]
        first = dg.materialize(list(assets.values()), selection=keys, tags=RANGE, resources=resources,
                               instance=instance, raise_on_error=False)  # fmt: skip
        assert not first.success
        cls, message = _error(first)
        assert cls == "BudgetExceededError" and "resets at 2026-06-16T00:00:00+00:00" in message
        assert sandbox.stats()["units_total"] == 2  # refused before sending: not one unit over the budget
        assert lake.partitions(ds.USER_POSTS) == []  # no day is written until every account is done
        monkeypatch.setenv("TEST_ED_UNITS", "100000")  # "after the reset"
        resume = {**RANGE, RESUME_TAG: first.run_id}
        assert dg.materialize(list(assets.values()), selection=keys, tags=resume, resources=resources,
                              instance=instance).success  # fmt: skip
        for path, n in clean_requests.items():
            assert _ok_requests(sandbox, path) == n, path  # across the stop, every page fetched once
        assert sandbox.stats()["units_total"] == clean_units
        got = {p["date"]: lake.read(ds.COMMENTS, p)["cid"].to_pylist() for p in lake.partitions(ds.COMMENTS)}
        assert {d: sorted(v) for d, v in got.items()} == {d: sorted(v) for d, v in expected.items()}
        assert len(lake.partitions(ds.USER_POSTS)) == 12


def test_a_resumed_day_leaves_its_spend_to_the_attempt_that_fetched_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comments stopped by the budget part-way through a range: the resume skips the days stored before the
    stop and does not record them as free (no ``units_spent``), so the forecasts' history holds only days
    whose spend it knows; those days plus the stopped run's summary add up to what the sandbox charged."""
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    assets = ed_assets(MONITORING)
    posts, comments = assets["user_posts"].key, assets["comments"].key
    with running_sandbox(per_minute=1_000_000) as sandbox, dg.instance_for_test() as instance:
        monkeypatch.setenv("TEST_ED_UNITS", "100000")
        resources = resources_for(sandbox, tmp_path)
        resources["ensembledata"] = EnvBudget(**resources["ensembledata"].model_dump())

        def run(key: dg.AssetKey, **tags: str) -> dg.ExecuteInProcessResult:
            return dg.materialize(list(assets.values()), selection=[key], tags={**RANGE, **tags},
                                  resources=resources, instance=instance, raise_on_error=False)  # fmt: skip

        assert run(posts).success
        before = sandbox.stats()["units_total"]
        monkeypatch.setenv("TEST_ED_UNITS", str(before + 4))  # a few days' comments, then the budget
        first = run(comments)
        assert not first.success and _error(first)[0] == "BudgetExceededError"
        stored = [p["date"] for p in resources["lake"].partitions(ds.COMMENTS)]
        assert 0 < len(stored) < 12  # the case: some days committed before the stop
        monkeypatch.setenv("TEST_ED_UNITS", "100000")
        resume = run(comments, **{RESUME_TAG: first.run_id})
        assert resume.success
        days = {
            m.partition: m.metadata for m in resume.asset_materializations_for_node("ensembledata__comments")
        }
        assert len(days) == 12
        for day, metadata in days.items():
            assert ("units_spent" in metadata) == (day not in stored), day
            assert ("spent_by" in metadata) == (day in stored), day
        records = instance.get_records_for_run(first.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION)
        (failed,) = [
            r.event_log_entry.asset_observation.metadata
            for r in records.records
            if "run_units_spent" in r.event_log_entry.asset_observation.metadata
        ]
        resumed_units = sum(int(m["units_spent"].value) for m in days.values() if "units_spent" in m)
        charged = sandbox.stats()["units_total"] - before
        assert failed["run_units_spent"].value + resumed_units == charged > 0
        recorded = history.from_instance(instance, ["ensembledata/comments"])
        assert set(recorded.partitions("ensembledata/comments", "units_spent")) == set(days) - set(stored)
