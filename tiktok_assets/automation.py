"""Schedules, sensors and jobs of the research group.

- ``research_daily``: the day-partitioned assets (videos of every query, comments, playlists). Its schedule
  ticks at 02:00 UTC and targets the last partition, which (``end_offset=-2``, see ``partitions``) is the last
  complete searchable day, three days back: day D runs on D+3, once every video of D is past the API's
  48-hour archive lag, so a partition marked done is complete.
- ``research_user_info``: today's profile snapshot, daily at 03:00 UTC.
- ``research_accounts``: the per-account snapshots, weekly (Monday 04:00 UTC), one run per account listed in
  monitoring.yaml at tick time.
- ``monitoring_partitions_sensor``: keeps the dynamic partitions (accounts, hashtags, keywords) equal to the
  file's lists, adding new entries; removed entries keep their partitions (their history stays browsable)
  and are simply no longer scheduled.
- ``research_quota_retry_sensor``: a run that failed on ``QuotaExhaustedError`` is resumed once the quota has
  reset (see ``quota_retry_sensor_def``).
Schedules ship STOPPED (turn them on in the UI once credentials or a sandbox are set); the sensors ship
RUNNING: the partitions sensor only edits partitions and never calls an API, and the quota sensor only acts on
runs that already failed on the quota (so a backend is configured), after the reset, once per failed run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg

from tiktok_assets.config import Monitoring, load_monitoring
from tiktok_assets.partitions import accounts_partitions, clock_now, dynamic_keys

DAILY_JOB = "research_daily"
USER_INFO_JOB = "research_user_info"
ACCOUNTS_JOB = "research_accounts"
QUOTA_RETRY_SENSOR = "research_quota_retry_sensor"
# On a resumed run: the root run whose stored partitions count as "already stored by this run" (research.py
# ``run_lineage``), i.e. what Dagster's root_run_id is for a UI re-execution.
RESUME_TAG = "tiktok/resume_root_run_id"
RETRY_OF_TAG = "tiktok/quota_retry_of"  # on a resumed run: the failed run it resumes
RESETS_AT_TAG = "tiktok/quota_resets_at"  # added to a run that failed on the quota: when it may resume
# The client's typed errors (clients/errors.py); their message ends "...; resets at <ISO instant>".
QUOTA_ERRORS = frozenset({"QuotaExhaustedError", "BudgetExceededError"})
_RESETS_AT = re.compile(r"resets at (\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)?)")
FIRST_TICK_LOOKBACK = timedelta(days=7)
_PARTITION_TAGS = (
    "dagster/partition",
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
)


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


def quota_resets_at(instance: dg.DagsterInstance, run_id: str) -> datetime | None:
    """When the quota that failed ``run_id`` resets, if a step failed on the client's quota error, else None.

    Read from the step failure's error chain (Dagster wraps the user error; the typed one is a cause): the
    class name and the reset instant the error's message names.
    """
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    found: list[datetime] = []
    for record in records:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        while error is not None:
            match = _RESETS_AT.search(error.message or "")
            if error.cls_name in QUOTA_ERRORS and match:
                at = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
                found.append(at if at.tzinfo else at.replace(tzinfo=UTC))
                break
            error = error.cause
    return max(found) if found else None


def _unfinished_assets(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetKey]:
    """Assets the run planned but did not materialize (failed, or skipped after an upstream failure)."""

    def keys(kind: dg.DagsterEventType) -> set[dg.AssetKey]:
        found = set()
        for record in instance.get_records_for_run(run_id, of_type=kind).records:
            event = record.event_log_entry.dagster_event
            if event is not None and event.asset_key is not None:
                found.add(event.asset_key)
        return found

    planned = keys(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    done = keys(dg.DagsterEventType.ASSET_MATERIALIZATION)
    return sorted(planned - done, key=lambda k: k.to_user_string())


def quota_retry_sensor_def(
    targets: Sequence[tuple[dg.UnresolvedAssetJobDefinition, Sequence[dg.AssetKey]]],
    now: Callable[[], datetime] = clock_now,
    interval_seconds: int = 300,
) -> dg.SensorDefinition:
    """Resume runs that failed on the daily quota once it has reset: at most once per failed run.

    A tick (1) finds runs that failed since the last tick (cursor: last update time seen) whose failure is
    the client's ``QuotaExhaustedError``; tags each with ``tiktok/quota_resets_at`` (visible in the UI) and
    remembers it in the cursor; (2) for each remembered run whose reset time has passed (``now()``,
    injectable; default ``partitions.clock_now``, the same clock the assets use), requests a run of the assets
    the failed run did not finish (in the job of ``targets`` that holds them: one job per partitioning, since a
    sensor cannot target assets of different partitions at once), same partition (range) tags, run key
    ``quota-retry:<run id>``, tagged
    ``tiktok/resume_root_run_id`` = the failed run's root. The research assets treat partitions stored by that
    root as done, exactly as on a UI "re-execute from failure": stored days are skipped and an interrupted
    window resumes below the oldest stored video, so no stored page is fetched again.

    Why a RunRequest and not a Dagster re-execution: in Dagster 1.13 a ``RunRequest`` cannot carry
    re-execution options (``ReexecutionOptions`` exists only for ``execute_job``), and building a re-executed
    run needs the host process's workspace, which sensor code does not have.
    """

    @dg.sensor(
        name=QUOTA_RETRY_SENSOR,
        jobs=[job for job, _keys in targets],
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Resumes a research run that failed with QuotaExhaustedError once the quota has reset (next UTC "
            "midnight, as the error says): one resume per failed run, for the assets it did not finish; stored "
            "partitions are skipped and interrupted searches resume where they stopped, so nothing stored is "
            "fetched again. Ships RUNNING: it never calls an API itself, it only acts on runs that already failed "
            "on the quota (so a backend is configured), and never before the reset, so it cannot spend requests "
            "that would be refused. Stop it to spend each day's quota by hand (the 02:00 schedule and a resume "
            "share the same daily requests)."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        state = json.loads(context.cursor) if context.cursor else {}
        # First tick: failures of the last week only (run records carry wall-clock times), not all history.
        after: float = state.get("after", time.time() - FIRST_TICK_LOOKBACK.total_seconds())
        pending: dict[str, str] = state.get("pending", {})
        instance = context.instance
        filters = dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.FAILURE],
            updated_after=datetime.fromtimestamp(after, UTC),
        )
        for record in instance.get_run_records(filters=filters, order_by="update_timestamp", ascending=True):
            after = max(after, record.update_timestamp.timestamp())
            run = record.dagster_run
            if run.run_id in pending or RESETS_AT_TAG in run.tags:
                continue
            resets_at = quota_resets_at(instance, run.run_id)
            if resets_at is None:
                continue
            instance.add_run_tags(run.run_id, {RESETS_AT_TAG: resets_at.isoformat()})
            pending[run.run_id] = resets_at.isoformat()
            context.log.info(f"run {run.run_id} failed on the quota; resumes after {resets_at.isoformat()}")
        requests = []
        current = now()
        for run_id, at in sorted(pending.items(), key=lambda item: item[1]):
            if datetime.fromisoformat(at) > current:
                continue
            del pending[run_id]
            run = instance.get_run_by_id(run_id)
            # Someone already re-executed it from the UI: theirs is the resume.
            if run is None or instance.get_runs_count(dg.RunsFilter(tags={"dagster/parent_run_id": run_id})):
                continue
            unfinished = _unfinished_assets(instance, run_id)
            job_name = next(
                (job.name for job, keys in targets if unfinished and set(unfinished) <= set(keys)), None
            )
            if job_name is None:
                context.log.info(f"run {run_id}: nothing this sensor can resume ({unfinished})")
                continue
            tags = {k: run.tags[k] for k in _PARTITION_TAGS if k in run.tags}
            root = run.tags.get(RESUME_TAG) or run.root_run_id or run.run_id
            requests.append(dg.RunRequest(
                run_key=f"quota-retry:{run_id}", job_name=job_name, asset_selection=unfinished,
                partition_key=tags.pop("dagster/partition", None),
                tags={**tags, RESUME_TAG: root, RETRY_OF_TAG: run_id},
            ))  # fmt: skip
        cursor = json.dumps({"after": after, "pending": pending}, sort_keys=True)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor)
        reason = (
            f"{len(pending)} quota-failed run(s) waiting for the reset" if pending else "no quota failures"
        )
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

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
        [
            monitoring_partitions_sensor_def(),
            quota_retry_sensor_def(
                [
                    (daily_job, daily_keys),
                    (user_info_job, [a.key for a in user_info]),
                    (accounts_job, account_keys),
                ]
            ),  # fmt: skip
        ],
    )
