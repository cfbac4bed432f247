"""Jobs and schedules of the research group, one job per partitioning (a job cannot mix them):

- ``research_daily``: the day-partitioned assets (videos of every query, comments, playlists) and the dbt
  staging models incremental by the same days. Its schedule ticks at 02:00 UTC and targets the last partition,
  which (``end_offset=-2``, see ``partitions``) is the last complete searchable day, three days back: day D
  runs on D+3, once every video of D is past the API's 48-hour archive lag, so a partition marked done is
  complete. A date-range backfill of this job's assets is a backfill of everything partitioned by day.
- ``research_user_info``: today's profile snapshot, daily at 03:00 UTC.
- ``research_accounts``: the per-account snapshots, weekly (Monday 04:00 UTC), one run per account listed in
  monitoring.yaml at tick time.
Which asset goes where follows its endpoint declaration's partition kind. Schedules ship RUNNING (the code
location runs itself; with no credentials the runs go to the sandbox): stop one in the UI or with
``dagster schedule stop``. What the collections feed (dbt, analyses) follows through the automation sensor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg

from tiktok_assets.collect.automation import RUNNING, collection_schedule, with_day_models
from tiktok_assets.config import current_monitoring
from tiktok_assets.defs.monitoring.partitions import accounts_partitions
from tiktok_assets.defs.research.quota_retry import quota_retry_sensor_def
from tiktok_assets.endpoints.spec import PartitionKind

DAILY_JOB = "research_daily"
USER_INFO_JOB = "research_user_info"
ACCOUNTS_JOB = "research_accounts"
# How often each kind is collected (its schedule below): the freshness window it is held to.
CADENCE = {PartitionKind.DAY: "daily", PartitionKind.COLLECTION_DAY: "daily", PartitionKind.ACCOUNT: "weekly"}


def build(
    by_kind: Mapping[PartitionKind, Sequence[dg.AssetsDefinition]],
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """Jobs, schedules and sensors for the assets of each partition kind."""
    daily_keys = [a.key for a in by_kind[PartitionKind.DAY]]
    user_info_keys = [a.key for a in by_kind[PartitionKind.COLLECTION_DAY]]
    account_keys = [a.key for a in by_kind[PartitionKind.ACCOUNT]]

    # The day collections and the dbt models by day that read them; not EnsembleData's post_stats, which reads
    # the research videos too but by collection day (a job holds one partitioning, or the location fails to load).
    day_selection = with_day_models(daily_keys) & (
        dg.AssetSelection.assets(*daily_keys) | dg.AssetSelection.kind("dbt")
    )
    daily_job = dg.define_asset_job(
        DAILY_JOB, selection=day_selection, partitions_def=by_kind[PartitionKind.DAY][0].partitions_def,
        description="Every asset partitioned by day: the videos of every named query, their comments and "
        "playlists, and the dbt staging of that day (stg_research__videos, stg_research__comments). Backfill a "
        "date range with Materialize all… (or select `job:research_daily` in the catalog).",
    )  # fmt: skip
    user_info_job = dg.define_asset_job(USER_INFO_JOB, selection=user_info_keys,
                                        partitions_def=by_kind[PartitionKind.COLLECTION_DAY][0].partitions_def)  # fmt: skip
    accounts_job = dg.define_asset_job(
        ACCOUNTS_JOB, selection=account_keys, partitions_def=accounts_partitions
    )

    daily_schedule = collection_schedule(daily_job, hour=2)
    user_info_schedule = collection_schedule(user_info_job, hour=3)

    @dg.schedule(job=accounts_job, cron_schedule="0 4 * * 1", execution_timezone="UTC",
                 default_status=RUNNING, name="research_accounts_weekly")  # fmt: skip
    def accounts_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        day = context.scheduled_execution_time.date().isoformat()
        return [
            dg.RunRequest(run_key=f"{account}:{day}", partition_key=account)
            for account in current_monitoring().accounts
        ]

    quota_retry = quota_retry_sensor_def(
        [(daily_job, daily_keys), (user_info_job, user_info_keys), (accounts_job, account_keys)]
    )
    return (
        [daily_job, user_info_job, accounts_job],
        [daily_schedule, user_info_schedule, accounts_schedule],
        [quota_retry],
    )
