"""``research_quota_retry_sensor``: a run that failed on ``QuotaExhaustedError`` is resumed once the quota has
reset — at most once per failed run, for the assets it did not finish, never before the reset.

Ships RUNNING: it never calls an API itself and only acts on runs that already failed on the quota (so a
backend is configured).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg

from tiktok_assets.clock import clock_now
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.defs.research.common import QUOTA_RETRY_SENSOR

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


def _target_job(
    targets: Sequence[tuple[dg.UnresolvedAssetJobDefinition, Sequence[dg.AssetKey]]],
    unfinished: list[dg.AssetKey],
) -> str | None:
    """The job of ``targets`` holding every unfinished asset, if any."""
    return next((job.name for job, keys in targets if unfinished and set(unfinished) <= set(keys)), None)


def quota_retry_sensor_def(
    targets: Sequence[tuple[dg.UnresolvedAssetJobDefinition, Sequence[dg.AssetKey]]],
    now: Callable[[], datetime] = clock_now,
    interval_seconds: int = 300,
    *,
    name: str = QUOTA_RETRY_SENSOR,
    description: str | None = None,
) -> dg.SensorDefinition:
    """Resume runs that failed on the daily quota once it has reset: at most once per failed run.

    A tick (1) finds runs that failed since the last tick (cursor: last update time seen) whose failure is
    the client's ``QuotaExhaustedError``; tags each with ``tiktok/quota_resets_at`` (visible in the UI) and
    remembers it in the cursor; (2) for each remembered run whose reset time has passed (``now()``,
    injectable; default ``clock.clock_now``, the same clock the assets use), requests a run of the assets
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
        name=name,
        jobs=[job for job, _keys in targets],
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=description
        or (
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
            # Each source's sensor takes only runs whose assets it can resume (several sensors read one log).
            if resets_at is None or _target_job(targets, _unfinished_assets(instance, run.run_id)) is None:
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
            job_name = _target_job(targets, unfinished)
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
