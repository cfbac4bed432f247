"""How the code location runs itself, shared by every source: collection on schedules, freshness policies that
say when a collection is late, and one automation condition for everything derived from the lake.

A source's factory calls these on the assets it builds (``defs/research/assets.py`` does):
- ``with_freshness(assets, monitoring.freshness.daily)``: the UI marks the asset late (warn, then fail) when
  its newest materialization is older than the window of its cadence (monitoring.yaml ``freshness``).
- ``collection_schedule(job, hour)``: a partitioned job's schedule, targeting its last partition (which ends at
  the backend clock, ``collect.partitions``), shipped RUNNING.
- ``with_day_models(keys)``: a day job's selection, its day-partitioned dbt staging included (one backfill).
- ``with_lake_automation(assets)`` (dbt models and analyses): rebuilt by the automation sensor
  (``defs/automation_sensor.py``) after an upstream collection or model changed.

Collection assets get no automation condition: they spend API quota, so only their schedules (and people)
start them. Nothing downstream waits for a person.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from tiktok_assets.config import FreshnessWindow

# What derived assets read besides the lake: every dbt model (its kind, set by dagster-dbt).
DBT_MODELS = dg.AssetSelection.from_string("kind:dbt")
# A code location that runs itself: schedules and sensors ship running (stop one in the UI, or
# `dagster schedule stop <name>`).
RUNNING = dg.DefaultScheduleStatus.RUNNING


def on_lake_update(*, build_when_missing: bool = False) -> dg.AutomationCondition:
    """Materialize once an upstream asset (or partition) was updated and nothing upstream is still running.

    ``AutomationCondition.eager()`` changed where it does not fit a lake collected over months:
    - not limited to the latest time partition: a backfilled or re-collected day re-stages too;
    - not blocked by *partitions* never collected (a collection starting 2026-01-01 has missing days until
      it is backfilled, so marts would never build) — but every dbt model it reads must have been built at
      least once (or be built in this run): dbt cannot read a table that does not exist;
    - "in progress" looks two levels up: a run that collected a day is still staging it when its collection
      assets are done, and an asset reading both the lake and a model built from that staging (the data
      quality report) must wait for the model instead of reading the old one;
    - ``build_when_missing`` (unpartitioned models and analyses only: for a day model it would request every
      day ever): a model never built is built, so a fresh warehouse gets its empty staging tables and a mart
      never waits on a staging table whose source has not been collected yet.
    An upstream partition in another partitioning runs first, in its own run: Dagster's ``will_be_requested``
    counts only parents that can share the child's run, so a mart waits for the day it reads.
    """
    trigger = dg.AutomationCondition.any_deps_updated().since_last_handled()
    if build_when_missing:  # until built; a failed build waits for an upstream update instead of looping
        trigger = trigger | (dg.AutomationCondition.missing() & ~dg.AutomationCondition.execution_failed())
    built = ~dg.AutomationCondition.missing() | dg.AutomationCondition.will_be_requested()
    return (
        trigger
        & dg.AutomationCondition.all_deps_match(built).allow(DBT_MODELS)
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.any_deps_match(dg.AutomationCondition.any_deps_in_progress())
        & ~dg.AutomationCondition.in_progress()
    ).with_label("upstream updated, nothing upstream in progress")


def freshness_policy(window: FreshnessWindow) -> dg.FreshnessPolicy:
    # Asset-level, as Dagster 1.13 evaluates it: the newest materialization of any partition counts, so a
    # backfill of old days also makes the asset look fresh (the README says so).
    return dg.FreshnessPolicy.time_window(fail_window=window.fail_after, warn_window=window.warn_after)


def with_freshness(
    assets: Iterable[dg.AssetsDefinition], window: FreshnessWindow
) -> list[dg.AssetsDefinition]:
    policy = freshness_policy(window)
    return list(
        dg.map_asset_specs(lambda spec: spec.replace_attributes(freshness_policy=policy), list(assets))
    )


def with_lake_automation(assets: Iterable[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """``on_lake_update`` on every asset; unpartitioned ones are also built when missing."""
    by_partitioning = {True: on_lake_update(build_when_missing=True), False: on_lake_update()}
    return list(
        dg.map_asset_specs(
            lambda spec: spec.replace_attributes(
                automation_condition=by_partitioning[spec.partitions_def is None]
            ),
            list(assets),
        )
    )


def with_day_models(keys: Iterable[dg.AssetKey]) -> dg.AssetSelection:
    """The day collections and the day-partitioned models that read them directly (the dbt staging that is
    incremental by day): one job, so a schedule tick collects and stages its day in one run, and a date-range
    backfill launched for the job (or ``job:<name>`` in the catalog) covers everything partitioned by day."""
    collected = dg.AssetSelection.assets(*keys)
    # Models only: another source's asset that reads these (EnsembleData's post_stats re-observes Research
    # videos) has its own days and its own job; one job must share one partitions definition.
    models = dg.AssetSelection.from_string("kind:dbt and partitions:time")
    return collected | (collected.downstream(depth=1) & models)


def collection_schedule(
    job: dg.UnresolvedAssetJobDefinition, hour: int, minute: int = 0
) -> dg.ScheduleDefinition:
    """Daily at ``hour:minute`` UTC, for the job's last partition at that time."""
    return dg.build_schedule_from_partitioned_job(
        job, hour_of_day=hour, minute_of_hour=minute, default_status=RUNNING
    )
