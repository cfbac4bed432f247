"""The dbt project as Dagster assets, in two multi-assets split by partitioning:

- the staging models of the daily lake datasets (videos, comments): incremental by partition. A range run
  passes its time window to dbt as ``min_date``/``max_date``; ``BackfillPolicy.single_run`` makes a backfill
  of any length one run, so dbt starts once per backfill (~8 s of dbt startup each) instead of once per day
  or per 30 days;
- everything else (unpartitioned tables rebuilt from the lake and staging).
dbt tests become asset checks. The specs come from ``manifest.json`` read as JSON (``specs.py``): loading the
code location imports neither dagster-dbt nor dbt-core; a step imports them when it runs dbt (``run.py``).
Every invocation runs in the ``duckdb`` pool and under the warehouse file lock (DuckDB: one writer), and gets
the lake location from the lake resource. Every model is rebuilt by the automation sensor once what it reads
was updated (``collect.automation.with_lake_automation``).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg

from tiktok_assets.analysis.warehouse import POOL
from tiktok_assets.collect.automation import with_lake_automation
from tiktok_assets.config import Monitoring, current_monitoring
from tiktok_assets.defs.dbt.project import PROJECT, ensure_manifest
from tiktok_assets.defs.dbt.run import DbtBuildConfig, Selection, run_dbt_build
from tiktok_assets.defs.dbt.specs import Writers, dbt_specs, load_manifest
from tiktok_assets.defs.research.partitions import daily_partitions
from tiktok_assets.defs.writers import dataset_writers

# Staging models incremental by the daily partition of their research assets.
DAILY_MODELS = ("stg_research__videos", "stg_research__comments")
DAILY_SELECT = " ".join(DAILY_MODELS)
ALL_SELECT = "fqn:*"
# One run per backfill, whatever its length: dbt's startup, not the rows, dominates a staging build.
DAILY_BACKFILL_POLICY = dg.BackfillPolicy.single_run()


def _dbt_multi_asset(
    name: str, description: str, manifest: Mapping[str, Any], selected: Callable[[Mapping[str, Any]], bool],
    select: str, exclude: str, writers: Writers, partitions_def: dg.PartitionsDefinition | None = None,
) -> dg.AssetsDefinition:  # fmt: skip
    specs, checks = dbt_specs(manifest, selected, PROJECT.project_dir, writers, partitions_def)
    partitioned = partitions_def is not None
    selection = Selection(select, exclude, frozenset(s.key for s in specs), frozenset(c.key for c in checks))

    @dg.multi_asset(
        name=name,
        description=description,
        specs=specs,
        check_specs=checks,
        can_subset=True,
        required_resource_keys={"dbt", "lake"},
        op_tags=selection.op_tags(),
        backfill_policy=DAILY_BACKFILL_POLICY if partitioned else None,
        pool=POOL,
    )
    def _dbt(context: dg.AssetExecutionContext, config: DbtBuildConfig):
        yield from run_dbt_build(
            context, context.resources.dbt, context.resources.lake, config, selection, writers,
            partitioned,
        )  # fmt: skip

    return _dbt


def build_dbt_assets(
    monitoring: Monitoring, writers: Mapping[Any, Sequence[dg.AssetKey]] | None = None
) -> list[dg.AssetsDefinition]:
    manifest = load_manifest(ensure_manifest(PROJECT))
    writers = writers if writers is not None else dataset_writers(monitoring)
    daily = _dbt_multi_asset(
        "dbt_daily_staging",
        "Staging of the daily lake datasets (videos, comments), incremental by the run's day range.",
        manifest, lambda n: n["name"] in DAILY_MODELS, DAILY_SELECT, "", writers,
        daily_partitions(monitoring.start_date, monitoring.end_date),
    )  # fmt: skip
    rest = _dbt_multi_asset(
        "dbt_models",
        "The remaining staging models, the intermediate view and the marts, rebuilt from staging.",
        manifest, lambda n: n["name"] not in DAILY_MODELS, ALL_SELECT, DAILY_SELECT, writers,
    )  # fmt: skip
    return with_lake_automation([daily, rest])


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=build_dbt_assets(current_monitoring()))
