"""Schedules, sensors and jobs of the research group.

- ``research_daily``: the day-partitioned assets (videos of every query, comments, playlists). Its schedule
  ticks at 02:00 UTC and targets the last partition, which (``end_offset=-1``) is the day two days ago:
  day D runs on D+2, after the API's 48-hour archive lag.
- ``research_user_info``: today's profile snapshot, daily at 03:00 UTC.
- ``research_accounts``: the per-account snapshots, weekly (Monday 04:00 UTC), one run per account listed in
  monitoring.yaml at tick time.
- ``monitoring_partitions_sensor``: keeps the dynamic partitions (accounts, hashtags, keywords) equal to the
  file's lists, adding new entries; removed entries keep their partitions (their history stays browsable)
  and are simply no longer scheduled.
Schedules ship STOPPED (turn them on in the UI once credentials or a sandbox are set); the sensor ships
RUNNING because it only edits partitions and never calls an API.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from tiktok_assets.config import Monitoring, load_monitoring
from tiktok_assets.partitions import accounts_partitions, dynamic_keys

DAILY_JOB = "research_daily"
USER_INFO_JOB = "research_user_info"
ACCOUNTS_JOB = "research_accounts"


def _keys_with(assets: Sequence[dg.AssetsDefinition], partitions_def: dg.PartitionsDefinition | None) -> list[dg.AssetKey]:  # fmt: skip
    return [a.key for a in assets if a.partitions_def == partitions_def]


def monitoring_partitions_sensor_def() -> dg.SensorDefinition:
    @dg.sensor(
        name="monitoring_partitions_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Adds a dynamic partition for every account, hashtag and keyword in monitoring.yaml.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        monitoring = load_monitoring()  # a broken file fails the tick with the offending key named
        requests = []
        for name, wanted in dynamic_keys(monitoring).items():
            existing = set(context.instance.get_dynamic_partitions(name))
            new = [k for k in wanted if k not in existing]
            if new:
                requests.append(dg.AddDynamicPartitionsRequest(partitions_def_name=name, partition_keys=new))
            stale = existing - set(wanted)
            if stale:
                context.log.info(f"{name}: {sorted(stale)} left monitoring.yaml; their partitions are kept")
        if not requests:
            return dg.SkipReason("dynamic partitions already match monitoring.yaml")
        return dg.SensorResult(dynamic_partitions_requests=requests)

    return _sensor


def build(
    monitoring: Monitoring, assets: Sequence[dg.AssetsDefinition]
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    daily_keys = [a.key for a in assets if isinstance(a.partitions_def, dg.TimeWindowPartitionsDefinition)
                  and a.key.path[-1] != "user_info"]  # fmt: skip
    daily_def = next(a.partitions_def for a in assets if a.key in daily_keys)
    user_info = [a for a in assets if a.key.path[-1] == "user_info"]
    account_keys = _keys_with(assets, accounts_partitions)

    daily_job = dg.define_asset_job(DAILY_JOB, selection=daily_keys, partitions_def=daily_def,
                                    description="Videos of every named query, their comments and playlists, by day.")  # fmt: skip
    user_info_job = dg.define_asset_job(USER_INFO_JOB, selection=[a.key for a in user_info],
                                        partitions_def=user_info[0].partitions_def)  # fmt: skip
    accounts_job = dg.define_asset_job(
        ACCOUNTS_JOB, selection=account_keys, partitions_def=accounts_partitions
    )

    daily_schedule = dg.build_schedule_from_partitioned_job(
        daily_job, hour_of_day=2, default_status=dg.DefaultScheduleStatus.STOPPED
    )
    user_info_schedule = dg.build_schedule_from_partitioned_job(
        user_info_job, hour_of_day=3, default_status=dg.DefaultScheduleStatus.STOPPED
    )

    @dg.schedule(job=accounts_job, cron_schedule="0 4 * * 1", execution_timezone="UTC",
                 default_status=dg.DefaultScheduleStatus.STOPPED, name="research_accounts_weekly")  # fmt: skip
    def accounts_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        current = load_monitoring()
        day = context.scheduled_execution_time.date().isoformat()
        return [
            dg.RunRequest(run_key=f"{account}:{day}", partition_key=account) for account in current.accounts
        ]

    return (
        [daily_job, user_info_job, accounts_job],
        [daily_schedule, user_info_schedule, accounts_schedule],
        [monitoring_partitions_sensor_def()],
    )
