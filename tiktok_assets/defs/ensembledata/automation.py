"""Jobs and schedules of the ensembledata group, one job per partitioning (a job cannot mix them), and the
sensor that resumes a run stopped by units once they reset.

- ``ensembledata_daily``: user posts and their comments for yesterday (01:00 UTC; EnsembleData has no archive
  lag, so a day is complete once it is over).
- ``ensembledata_observed``: today's profiles, sound details, post statistics and units (05:00 UTC, after the
  daily posts, so post statistics include yesterday's posts).
- ``ensembledata_<hashtags|keywords|accounts|music>``: the "about X" snapshots, weekly (Monday 06:00 UTC), one
  run per entity listed in monitoring.yaml at tick time.
Schedules ship STOPPED: every run spends units; turn them on in the UI once the budget is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import dagster as dg

from tiktok_assets.config import current_monitoring, dynamic_keys
from tiktok_assets.defs.ensembledata.common import QUOTA_RETRY_SENSOR
from tiktok_assets.defs.research.quota_retry import quota_retry_sensor_def
from tiktok_assets.endpoints.spec import PartitionKind

DAILY_JOB = "ensembledata_daily"
OBSERVED_JOB = "ensembledata_observed"
ENTITY_JOBS = {
    PartitionKind.HASHTAG: "ensembledata_hashtags",
    PartitionKind.KEYWORD: "ensembledata_keywords",
    PartitionKind.ACCOUNT: "ensembledata_accounts",
    PartitionKind.MUSIC: "ensembledata_music",
}
SENSOR_DESCRIPTION = (
    "Resumes an EnsembleData run that stopped on units (the API's 495 or the daily budget of the quota ledger: "
    "QuotaExhaustedError) once they reset at the next UTC midnight: one resume per failed run, for the assets "
    "it did not finish. Pages the run fetched are journaled, so the resume continues each request where it "
    "stopped and fetches no page twice; committed partitions are skipped. Ships RUNNING: it calls no API and "
    "acts only on runs that already failed on units, never before the reset."
)


def _entity_schedule(
    job: dg.UnresolvedAssetJobDefinition, entities: Callable[[], Sequence[str]]
) -> dg.ScheduleDefinition:
    @dg.schedule(job=job, cron_schedule="0 6 * * 1", execution_timezone="UTC", name=f"{job.name}_weekly",
                 default_status=dg.DefaultScheduleStatus.STOPPED)  # fmt: skip
    def _weekly(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        day = context.scheduled_execution_time.date().isoformat()
        return [dg.RunRequest(run_key=f"{key}:{day}", partition_key=key) for key in entities()]

    return _weekly


def build(
    by_kind: Mapping[PartitionKind, Sequence[dg.AssetsDefinition]],
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """Jobs, schedules and the units-retry sensor for the assets of each partitioning."""
    jobs, schedules, targets = [], [], []
    for kind, name, hour in (
        (PartitionKind.DAY, DAILY_JOB, 1),
        (PartitionKind.COLLECTION_DAY, OBSERVED_JOB, 5),
    ):
        assets = by_kind[kind]
        job = dg.define_asset_job(
            name, selection=[a.key for a in assets], partitions_def=assets[0].partitions_def
        )
        jobs.append(job)
        targets.append((job, [a.key for a in assets]))
        schedules.append(dg.build_schedule_from_partitioned_job(
            job, hour_of_day=hour, default_status=dg.DefaultScheduleStatus.STOPPED
        ))  # fmt: skip
    for kind, name in ENTITY_JOBS.items():
        assets = by_kind.get(kind, [])
        if not assets:
            continue
        pdef = assets[0].partitions_def
        assert isinstance(pdef, dg.DynamicPartitionsDefinition) and pdef.name
        job = dg.define_asset_job(name, selection=[a.key for a in assets], partitions_def=pdef)
        jobs.append(job)
        targets.append((job, [a.key for a in assets]))
        schedules.append(_entity_schedule(job, lambda n=pdef.name: dynamic_keys(current_monitoring())[n]))
    sensor = quota_retry_sensor_def(targets, name=QUOTA_RETRY_SENSOR, description=SENSOR_DESCRIPTION)
    return jobs, schedules, [sensor]
