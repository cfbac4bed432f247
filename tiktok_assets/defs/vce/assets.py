"""One asset per named VCE query (``vce_queries`` in monitoring.yaml): ``vce/<query>``, partitioned by the
UTC day of ``create_time`` like the research videos (the same days, so the two sources line up).

The task lifecycle lives inside the materialization: for each day of the run not yet stored by this run,
create (or resume) a task, poll it with backoff to a final status, read its result and write the day
(``tasks.DayTasks`` over ``clients.vce_batch.run_batch``). ``AnalysisFailed`` fails the step with the
service's reason; a terminated run cancels its unfinished tasks; a rerun after a crash resumes the task it
recorded. A backfill runs 30 days per run, the days' tasks side by side.
"""

from collections.abc import Sequence
from typing import Any

import dagster as dg

from tiktok_assets.clients.vce_batch import run_batch
from tiktok_assets.collect import checks
from tiktok_assets.collect.lineage import run_lineage, stored_by_this_run
from tiktok_assets.collect.metadata import column_schema, finish, plain, quota_left, record_failed_run
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import VceQuery
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.common import collected_at, partition_days
from tiktok_assets.defs.research.partitions import RANGE_POLICY
from tiktok_assets.defs.vce.resources import VceResource
from tiktok_assets.defs.vce.tasks import DayTasks, recorded_days, vce_partition
from tiktok_assets.endpoints.vce import BY_CATEGORY, STAGES

GROUP = "vce"
POOL = "vce"  # dagster.yaml: one VCE step at a time, so the stage's daily records are counted exactly
COMPLETE = "complete_result"


def asset_key(query: VceQuery) -> dg.AssetKey:
    return dg.AssetKey([GROUP, query.name])


def _query_metadata(query: VceQuery) -> dict[str, object]:
    spec = query.spec
    return {
        "category": spec.category,
        "stage": spec.stage,
        "limit": spec.limit,
        "fields": spec.fields,
        "condition_groups": dg.MetadataValue.json([dict(g) for g in spec.condition_groups]),
    }


def complete_check(
    key: dg.AssetKey, query: VceQuery, sampled: Sequence[str], days: int
) -> dg.AssetCheckResult:
    """Failed (warning) when a day's task returned its limit: a test-stage sample, not every match."""
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=COMPLETE,
        passed=not sampled,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"partitions_checked": days, "sampled_partitions": dg.MetadataValue.json(list(sampled))},
    )


def vce_query_asset(query: VceQuery, daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = asset_key(query)
    endpoint = BY_CATEGORY[query.category]
    dataset = endpoint.dataset
    stage = STAGES[query.stage]
    complete_spec = dg.AssetCheckSpec(
        COMPLETE, asset=key, description=f"No day's task returned its limit ({query.spec.limit:,} records): "
        "each partition holds every match, not a sample.",
    )  # fmt: skip

    @dg.asset(
        key=key,
        group_name=GROUP,
        partitions_def=daily,
        backfill_policy=RANGE_POLICY,
        pool=POOL,
        kinds={"parquet"},
        check_specs=[*checks.check_specs(key, dataset, time_rule=endpoint.time_rule), complete_spec],
        metadata={"dagster/column_schema": column_schema(dataset), **_query_metadata(query)},
        description=(
            f"{query.description}\n\n{endpoint.description.format(query=query.name)} Stage `{stage.name}`: "
            f"at most {stage.max_limit:,} records per task"
            + (f", {stage.daily_records:,} a day" if stage.daily_records else "")
            + "."
        ),
    )
    def _vce_query(
        context: dg.AssetExecutionContext, vce: VceResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        days = partition_days(context)
        lineage = run_lineage(context)
        todo = [
            d for d in days
            if not stored_by_this_run(lake.storage, dataset, vce_partition(query.name, d), lineage["root_run_id"])
        ]  # fmt: skip
        if len(todo) < len(days):
            context.log.info(
                f"resuming: {len(days) - len(todo)} of {len(days)} days already stored by this run"
            )
        # one read of the event log for every day: the tasks to resume, the figures of the days skipped
        recorded = recorded_days(context.instance, key, [d.isoformat() for d in days])
        tasks = DayTasks(context, lake, query, todo, lineage, collected_at(vce.now()), recorded.tasks())
        client = vce.client(query.stage)

        def records_left() -> dict[str, int]:  # the ledger's view of the stage's day, after this attempt
            if stage.daily_records is None:
                return {}
            return {
                f"{stage.name}_records_left_today": stage.daily_records - vce.budget(stage.name).spent_today()
            }

        try:
            run_batch(client, tasks.jobs(), tasks, vce.budget(query.stage), vce.max_tasks_in_flight)
        except BaseException as exc:
            tasks.abort()
            spent = Spend(requests=client.calls, records=tasks.records())
            record_failed_run(context, spent, quota_left(records_left, context.log), exc)
            raise
        # the days an earlier attempt of this run stored: the figures recorded when they were committed
        figures: dict[str, dict[str, Any]] = {
            d.isoformat(): recorded.stored_figures(d.isoformat()) or {} for d in days if d not in todo
        }
        figures.update(tasks.partition_metadata())
        spend = Spend(requests=client.calls, records=tasks.records())  # this attempt's own
        parts = {d.isoformat(): vce_partition(query.name, d) for d in days}
        result = finish(
            context, lake.storage, dataset, parts, spend, quota_left(records_left, context.log),
            time_rule=endpoint.time_rule, extra=_query_metadata(query),
            partition_requests={k: int(plain(f["task_requests"])) for k, f in figures.items() if f},
            partition_extra=figures,
        )  # fmt: skip
        sampled = [day for day, f in sorted(figures.items()) if f and plain(f["sampled"])]
        return dg.MaterializeResult(
            metadata=result.metadata,
            check_results=[*(result.check_results or []), complete_check(key, query, sampled, len(days))],
        )

    return _vce_query
