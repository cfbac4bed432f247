"""The dbt project as Dagster assets, in two ``@dbt_assets`` split by partitioning:

- the staging models of the daily lake datasets (videos, comments): incremental by partition, the run's time
  window goes to dbt as ``min_date``/``max_date``;
- everything else (unpartitioned tables rebuilt from the lake and staging).
dbt tests become asset checks. Every invocation runs in the ``duckdb`` pool and under the warehouse file lock
(DuckDB: one writer), and gets the lake location from the lake resource. Every model is rebuilt by the
automation sensor once what it reads was updated (``collect.automation.with_lake_automation``).
"""

import json
import shutil
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from tiktok_assets import settings
from tiktok_assets.analysis.warehouse import POOL, warehouse_lock
from tiktok_assets.collect.automation import with_lake_automation
from tiktok_assets.config import Monitoring, current_monitoring
from tiktok_assets.defs.dbt.project import PROJECT, ensure_manifest
from tiktok_assets.defs.dbt.translator import LakeDbtTranslator
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.partitions import daily_partitions
from tiktok_assets.defs.writers import dataset_writers

# Staging models incremental by the daily partition of their research assets.
DAILY_MODELS = ("stg_research__videos", "stg_research__comments")


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from the whole lake


def dbt_vars(lake: LakeResource, window: dg.TimeWindow | None = None) -> dict[str, str]:
    """What dbt needs: the lake (from its resource), the warehouse, and the partition window."""
    out = {"lake_dir": lake.url, "duckdb_path": str(settings.duckdb_path())}
    if window is not None:
        out["min_date"] = window.start.date().isoformat()
        out["max_date"] = window.end.date().isoformat()
    return out


def run_dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource, config: DbtBuildConfig,
    partitioned: bool,
) -> Iterator[Any]:  # fmt: skip
    window = context.partition_time_window if partitioned else None
    args = ["build", "--vars", json.dumps(dbt_vars(lake, window))]
    if config.full_refresh:
        args.append("--full-refresh")
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock():
        invocation = dbt.cli(args, context=context)
        yield from with_row_counts(context, invocation.stream())
    # Each invocation gets its own target dir (dagster-dbt); keep only those of failed runs, for debugging.
    shutil.rmtree(invocation.target_path, ignore_errors=True)


def with_row_counts(context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
    """Add ``dagster/row_count`` to each model's output, counted once dbt has exited.

    Not dagster-dbt's ``fetch_row_counts()``: its dbt-duckdb adapter keeps a read-write connection open in
    this process, and the next dbt run then fails on DuckDB's lock. A short read-only connection does not.
    """
    buffered: list[Any] = []
    failure: Exception | None = None
    try:
        buffered.extend(events)  # dbt holds the write lock until it exits
    except Exception as exc:  # a failed model or test: still report what did succeed, then fail
        failure = exc
    outputs = [e for e in buffered if isinstance(e, dg.Output)]
    con = duckdb.connect(str(settings.duckdb_path()), read_only=True) if outputs else None
    try:
        for event in buffered:
            if con is not None and isinstance(event, dg.Output):
                schema, table = context.asset_key_for_output(event.output_name).path[-2:]
                (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event
    finally:
        if con is not None:
            con.close()
    if failure is not None:
        raise failure


def build_dbt_assets(
    monitoring: Monitoring, writers: Mapping[Any, Sequence[dg.AssetKey]] | None = None
) -> list[dg.AssetsDefinition]:
    manifest = ensure_manifest(PROJECT)
    translator = LakeDbtTranslator(writers if writers is not None else dataset_writers(monitoring))

    @dbt_assets(
        manifest=manifest,
        select=" ".join(DAILY_MODELS),
        name="dbt_daily_staging",
        partitions_def=daily_partitions(monitoring.start_date, monitoring.end_date),
        # Same ranges as the research video assets (30 days, one API window per run): a backfill of both runs
        # research and staging side by side, and dbt gets the 30-day window in one invocation.
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=30),
        dagster_dbt_translator=translator,
        project=PROJECT,
        pool=POOL,
    )
    def dbt_daily_staging(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource, config: DbtBuildConfig
    ):
        """Staging of the daily lake datasets (videos, comments), incremental by the partition's day range."""
        yield from run_dbt_build(context, dbt, lake, config, partitioned=True)

    @dbt_assets(
        manifest=manifest,
        exclude=" ".join(DAILY_MODELS),
        name="dbt_models",
        dagster_dbt_translator=translator,
        project=PROJECT,
        pool=POOL,
    )
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource, config: DbtBuildConfig
    ):
        """The remaining staging models, the intermediate view and the marts, rebuilt from staging."""
        yield from run_dbt_build(context, dbt, lake, config, partitioned=False)

    return with_lake_automation([dbt_daily_staging, dbt_models])


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=build_dbt_assets(current_monitoring()))
