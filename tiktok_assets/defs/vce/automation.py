"""The VCE group's job and schedule: ``vce_daily`` materializes every named VCE query for one day.

The schedule ticks at 05:00 UTC (after the research collection's 02:00) and targets the last partition of
the shared daily partitions (day D on D+3). It ships STOPPED: turn it on once a VCE (or the sandbox) is there.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

DAILY_JOB = "vce_daily"


def build(assets: Sequence[dg.AssetsDefinition]) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition]]:  # fmt: skip
    if not assets:
        return [], []
    job = dg.define_asset_job(
        DAILY_JOB, selection=[a.key for a in assets], partitions_def=assets[0].partitions_def,
        description="Every named VCE query of monitoring.yaml, by day.",
    )  # fmt: skip
    schedule = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=5, default_status=dg.DefaultScheduleStatus.STOPPED
    )
    return [job], [schedule]
