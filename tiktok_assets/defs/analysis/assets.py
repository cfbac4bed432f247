"""Analysis assets (group ``analysis``): tables (Parquet) and charts (PNG) over the dbt marts.

Each asset reads the marts from the DuckDB warehouse read-only, under the warehouse lock and in the
``duckdb`` pool (a read-only open fails while dbt writes), writes its outputs to ``<data>/analysis/`` and
shows them in the UI through materialization metadata. The computations live in ``tiktok_assets.analysis``
and are imported inside each asset's body: pandas, matplotlib and DuckDB cost about a CPU-second to import,
which every process that loads the code location (webserver, daemon, each run and step) would otherwise pay.
"""

# No `from __future__ import annotations` here: Dagster reads the context and Config annotations at
# decoration time and cannot resolve them from strings.

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from tiktok_assets.analysis.warehouse import POOL, read_only
from tiktok_assets.collect import catalog
from tiktok_assets.collect.automation import with_lake_automation
from tiktok_assets.config import Monitoring, current_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.writers import collection_keys

GROUP = "analysis"


def module_source(module: str) -> str:
    """A module's source read from its file, without importing it (and what it imports)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    return Path(spec.origin).read_text(encoding="utf-8")


def catalog_args(computation: str) -> dict[str, Any]:
    """Owners, a layer tag and a code version hashed from the computation module's source (same hash as
    hashing the imported module's source): a changed analysis shows as "code version changed" on its asset
    until it is materialized again."""
    return {
        "owners": catalog.OWNERS["analysis"],
        "tags": catalog.tags(layer="analysis"),
        "code_version": catalog.code_version(module_source(computation)),
    }


def mart(name: str) -> dg.AssetKey:
    """The asset key dagster-dbt gives a mart model (``[schema, model]``)."""
    return dg.AssetKey(["marts", name])


class TrendsConfig(dg.Config):
    # Empty: the accounts of monitoring.yaml.
    accounts: list[str] = []


@dg.asset(
    key=["analysis", "engagement_trends"],
    **catalog_args("tiktok_assets.analysis.trends"),
    group_name=GROUP,
    deps=[mart("account_daily")],
    pool=POOL,
    kinds={"python", "parquet"},
    description="How is the engagement of the monitored accounts' videos, and their follower count, moving day by day?",
)
def engagement_trends(context: dg.AssetExecutionContext, config: TrendsConfig) -> dg.MaterializeResult:
    from tiktok_assets.analysis import trends
    from tiktok_assets.analysis.outputs import save_chart, save_table

    accounts: Sequence[str] = config.accounts or current_monitoring().accounts
    with read_only() as con:
        df, label = trends.engagement_table(con, accounts)
    metadata: dict[str, Any] = {"accounts": label, **save_table(df, "engagement_trends")}
    metadata.update(save_chart(trends.engagement_chart(df, label), "engagement_trends"))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["analysis", "hashtag_momentum"],
    **catalog_args("tiktok_assets.analysis.momentum"),
    group_name=GROUP,
    deps=[mart("hashtag_daily")],
    pool=POOL,
    kinds={"python", "parquet"},
    description="Which hashtags are rising and which are falling (videos in the last 7 days vs the 7 before)?",
)
def hashtag_momentum(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from tiktok_assets.analysis import momentum
    from tiktok_assets.analysis.outputs import markdown_table, save_chart, save_table

    with read_only() as con:
        df = momentum.momentum_table(con)
    rising, falling = momentum.rising_falling(df)
    metadata: dict[str, Any] = {
        **save_table(df, "hashtag_momentum"),
        "rising": dg.MetadataValue.md(markdown_table(rising)),
        "falling": dg.MetadataValue.md(markdown_table(falling)),
    }
    metadata.update(save_chart(momentum.momentum_chart(df), "hashtag_momentum"))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["analysis", "posting_times"],
    **catalog_args("tiktok_assets.analysis.posting"),
    group_name=GROUP,
    deps=[mart("fct_videos")],
    pool=POOL,
    kinds={"python", "parquet"},
    description="At which hours and weekdays (UTC) are the collected videos posted?",
)
def posting_times(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from tiktok_assets.analysis import posting
    from tiktok_assets.analysis.outputs import save_chart, save_table

    with read_only() as con:
        df = posting.posting_table(con)
    # The grid's first rows are Monday 00:00-09:00; the busiest slots are what the table is read for.
    busiest = df.sort_values(["videos", "isodow", "hour"], ascending=[False, True, True]).head(5)
    metadata: dict[str, Any] = {
        **save_table(
            df, "posting_times", preview=(f"the 5 busiest of {len(df)} weekday × hour slots", busiest)
        )
    }
    metadata.update(save_chart(posting.posting_heatmap(df), "posting_times"))
    return dg.MaterializeResult(metadata=metadata)


def data_quality_asset(monitoring: Monitoring) -> dg.AssetsDefinition:
    """Depends on every collection asset (the lake and their run records are what it reports on)."""
    collectors = collection_keys(monitoring)

    @dg.asset(
        key=["analysis", "data_quality"],
        **catalog_args("tiktok_assets.analysis.quality"),
        group_name=GROUP,
        deps=[*collectors, mart("comment_threads")],
        pool=POOL,
        kinds={"python", "parquet"},
        description=(
            "Is the lake complete and was collecting it efficient: missing or empty days per series, requests "
            "per record and page fill per research asset, comments and replies stored vs reported by the API? "
            "With replies off in monitoring.yaml (`comments.replies: false`) and none in the lake, `replies_collected` "
            "is false and `reply_coverage` null: replies were skipped by configuration, not lost."
        ),
    )
    def data_quality(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        from tiktok_assets.analysis import quality
        from tiktok_assets.analysis.outputs import markdown_table, save_table

        stats = quality.partition_stats(lake.storage)
        gaps = quality.gap_report(stats)
        summaries: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for key in collectors:  # each run's summary (collect.metadata): the run's spend, counted once
            records = context.instance.fetch_observations(key, limit=10_000).records
            summaries[key.to_user_string()] = [
                (r.run_id, dict(r.asset_observation.metadata)) for r in records if r.asset_observation
            ]
        spend = quality.spend_report(summaries)
        with read_only() as con:
            coverage = quality.comment_coverage(con, replies_enabled=monitoring.comments.replies)
        metadata: dict[str, Any] = {
            **save_table(gaps, "data_quality_gaps", preview_rows=20),
            "spend": dg.MetadataValue.md(markdown_table(spend)),
            "spend_path": dg.MetadataValue.path(
                str(save_table(spend, "data_quality_spend")["table_path"].path)
            ),
            "partitions_in_lake": len(stats),
            "series_with_missing_days": int((gaps["missing_days"] > 0).sum()),
            "empty_partitions": int(gaps["empty_partitions"].sum()),
            **{k: v for k, v in coverage.items() if v is not None},
        }
        if not coverage["replies_collected"]:  # skipped by configuration: say so, not a reply coverage of ~0
            metadata["reply_coverage"] = dg.MetadataValue.null()
            metadata["replies"] = dg.MetadataValue.text(
                "not collected: comments.replies is false in monitoring.yaml, so reply_coverage does not apply"
            )
        return dg.MaterializeResult(metadata=metadata)

    return data_quality


@dg.definitions
def defs() -> dg.Definitions:
    analyses = [engagement_trends, hashtag_momentum, posting_times, data_quality_asset(current_monitoring())]
    return dg.Definitions(assets=with_lake_automation(analyses))  # rebuilt after the marts or lake change
