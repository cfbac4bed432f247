"""Nothing downstream waits for a person: the automation conditions of the real code location, evaluated the
way the automation sensor evaluates them, tick by tick, against a real instance.

- A fresh warehouse gets its (empty) staging tables once, so no mart waits on a source not collected yet;
  then nothing moves on an idle instance.
- A collected day re-stages exactly that day; the marts follow once staging is done (not in the same tick:
  the day's staging runs in its own run, and a mart must not race it); the analyses follow with the marts.
- Partitions never collected (months before a backfill) block nothing.
- Collection assets are never started by automation (they spend quota; their schedules start them).
- An account snapshot rebuilds its staging model and mart.
The end-to-end version, with the daemon launching real runs, is tests/e2e/test_ui_automation.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import dagster as dg
import pytest

from tiktok_assets.definitions import defs as code_location
from tiktok_assets.lake.datasets import ensembledata as ed_datasets

VIDEOS = dg.AssetKey(["research", "videos_pets"])
STAGED = dg.AssetKey(["staging", "stg_research__videos"])
# Staging read straight from the lake (not by day): built empty on a fresh warehouse.
LAKE_STAGING = (
    {
        dg.AssetKey(["staging", f"stg_research__{d}"])
        for d in (
            "followers",
            "following",
            "liked_videos",
            "pinned_videos",
            "reposted_videos",
            "playlists",
            "user_info",
        )
    }
    | {  # every EnsembleData and VCE staging model reads its lake dataset whole
        dg.AssetKey(["staging", f"stg_ensembledata__{d.name}"]) for d in ed_datasets.DATASETS
    }
    | {dg.AssetKey(["staging", "stg_vce__videos"])}
)
MARTS = {
    dg.AssetKey(["marts", m]) for m in ("fct_videos", "account_daily", "hashtag_daily", "comment_threads")
}
ANALYSES = {dg.AssetKey(["analysis", a]) for a in ("engagement_trends", "hashtag_momentum", "posting_times")}


class Ticks:
    """Successive evaluations sharing a cursor; ``materialize`` records what a run would have written."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
        self.defs, self.instance, self.cursor = defs, instance, None
        self.graph = defs.resolve_asset_graph()

    def tick(self) -> dict[dg.AssetKey, set[str | None]]:
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor)
        self.cursor = result.cursor
        return {
            key: set(result.get_requested_partitions(key))
            for key in self.graph.get_all_asset_keys()
            if result.get_num_requested(key)
        }

    def materialize(self, requested: dict[dg.AssetKey, set[str | None]]) -> None:
        for key, partitions in requested.items():
            for partition in partitions:
                self.instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))


@pytest.fixture(scope="module")
def location() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return code_location()


@pytest.fixture
def ticks(location: dg.Definitions) -> Iterator[Ticks]:
    """A warehouse past its first tick (its empty staging tables built)."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("accounts", ["nerali7775"])
        t = Ticks(location, instance)
        t.materialize(t.tick())
        assert t.tick() == {}, "an idle instance starts nothing"
        yield t


def test_a_fresh_warehouse_builds_its_lake_staging_once_then_rests(location: dg.Definitions) -> None:
    with dg.instance_for_test() as instance:
        t = Ticks(location, instance)
        first = t.tick()
        # The staging tables straight from the lake (typed and empty before a collection) and the marts
        # built from those alone; nothing that reads the day staging, which no collection has built yet.
        marts = {dg.AssetKey(["marts", "follow_edges"]), dg.AssetKey(["marts", "vce_hashtag_region_daily"])}
        vce_chart = dg.AssetKey(["analysis", "vce_hashtag_regions"])  # reads only that mart
        assert set(first) == LAKE_STAGING | marts | {vce_chart}
        assert all(partitions == {None} for partitions in first.values())
        t.materialize(first)
        for _ in range(2):
            assert t.tick() == {}, "an idle instance starts nothing"


def test_a_collected_day_is_staged_then_the_marts_and_analyses_follow(ticks: Ticks) -> None:
    days = {"2026-06-10", "2026-06-11"}
    ticks.materialize({VIDEOS: days, dg.AssetKey(["research", "comments"]): days})
    first = ticks.tick()
    assert first[STAGED] == days  # exactly the collected days, not the 160 missing ones
    assert first[dg.AssetKey(["staging", "stg_research__comments"])] == days
    assert not MARTS & first.keys(), "a mart waits for the staging of the day it reads"
    ticks.materialize(first)
    second = ticks.tick()
    assert second.keys() >= MARTS | ANALYSES | {dg.AssetKey(["analysis", "data_quality"])}
    assert all(partitions == {None} for partitions in second.values())
    ticks.materialize(second)
    assert ticks.tick() == {}, "settled: nothing runs twice for one collection"


def test_automation_never_starts_a_collection(ticks: Ticks, location: dg.Definitions) -> None:
    graph = location.resolve_asset_graph()
    collections = {k for k in graph.get_all_asset_keys() if k.path[0] == "research"}
    assert collections and all(graph.get(k).automation_condition is None for k in collections)
    ticks.materialize({VIDEOS: {"2026-06-10"}})
    for _ in range(3):
        requested = ticks.tick()
        assert not collections & requested.keys()
        ticks.materialize(requested)


def test_an_account_snapshot_rebuilds_its_staging_and_mart(ticks: Ticks) -> None:
    ticks.materialize({dg.AssetKey(["research", "followers"]): {"nerali7775"}})
    requested = ticks.tick()
    assert {
        dg.AssetKey(["staging", "stg_research__followers"]),
        dg.AssetKey(["marts", "follow_edges"]),
    } <= set(requested)
    assert STAGED not in requested


def test_the_code_location_ships_running_with_a_freshness_policy_per_collection(
    location: dg.Definitions,
) -> None:
    from tiktok_assets.config import current_monitoring

    graph = location.resolve_asset_graph()
    freshness = current_monitoring().freshness
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0] == "research":
            cadence = (
                freshness.weekly
                if node.partitions_def and node.partitions_def.__class__.__name__.startswith("Dynamic")
                else freshness.daily
            )
            policy = node.freshness_policy
            assert policy is not None, key
            assert (policy.warn_window.to_timedelta(), policy.fail_window.to_timedelta()) == (
                cadence.warn_after, cadence.fail_after), key  # fmt: skip
        elif key.path[0] in ("ensembledata", "vce"):
            # Their schedules ship STOPPED (units and records are money/allowance): no freshness policy would
            # be honest before a user turns them on, and automation never starts a collection.
            assert node.automation_condition is None and node.freshness_policy is None, key
        else:  # dbt models and analyses: rebuilt by the automation sensor
            assert node.automation_condition is not None, key
    sensor = location.resolve_sensor_def("tiktok_automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    research = {"research_daily_schedule", "research_user_info_schedule", "research_accounts_weekly"}
    statuses = {s.name: s.default_status for s in location.schedules}
    assert research <= set(statuses)
    for (
        name,
        status,
    ) in statuses.items():  # EnsembleData's and VCE's spend money/allowance: off until turned on
        assert status == (
            dg.DefaultScheduleStatus.RUNNING if name in research else dg.DefaultScheduleStatus.STOPPED
        )


def test_the_daily_job_is_everything_partitioned_by_day(location: dg.Definitions) -> None:
    """One job (and so one backfill, or one schedule tick) covers the day collections and their day staging."""
    job = location.resolve_job_def("research_daily")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    graph = location.resolve_asset_graph()
    days = {  # the Research collections and the models (VCE queries share the days but have their own job)
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if graph.get(k).partitions_def == job.partitions_def and k.path[0] != "vce"
    }
    assert keys == days
    assert {"staging/stg_research__videos", "staging/stg_research__comments", "research/comments"} <= keys
