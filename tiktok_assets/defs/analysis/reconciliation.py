"""Cross-source reconciliation in Dagster: the coverage check on marts.video_source_reconciliation and the
``analysis/source_reconciliation`` asset (table + chart). The computations live in
``tiktok_assets.analysis.reconciliation``; both read the warehouse read-only, in the ``duckdb`` pool and under
its lock.
"""

# No `from __future__ import annotations`: Dagster reads the context annotations at decoration time.

from typing import Any

import dagster as dg

from tiktok_assets.analysis.warehouse import POOL, read_only
from tiktok_assets.collect.automation import with_lake_automation
from tiktok_assets.config import current_monitoring
from tiktok_assets.defs.analysis.assets import GROUP, catalog_args, mart

MART = "video_source_reconciliation"
COVERAGE_CHECK = "sources_cover_the_same_videos"


def coverage_check() -> dg.AssetChecksDefinition:
    """The check, built when the code location loads (no module-level Dagster objects in defs/)."""

    @dg.asset_check(
        asset=mart(MART),
        name=COVERAGE_CHECK,
        pool=POOL,
        description=(
            "Fails when more than `ensembledata.reconciliation.max_coverage_gap` (monitoring.yaml) of the videos of "
            "comparable accounts and windows were returned by only one of the Research API and EnsembleData."
        ),
    )
    def sources_cover_the_same_videos(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        # Imported here: pandas and matplotlib are not paid by every process that loads the code location.
        from tiktok_assets.analysis import reconciliation
        from tiktok_assets.analysis.outputs import markdown_table

        threshold = current_monitoring().ensembledata.max_coverage_gap
        with read_only() as con:
            figures = reconciliation.coverage(con)
            accounts = reconciliation.per_account(con)
        gaps = accounts[(accounts["research_only"] > 0) | (accounts["ensembledata_only"] > 0)]
        share = figures["one_sided_share"]
        if figures["comparable_videos"] == 0:
            verdict = "no account and window was collected by both sources: nothing to compare"
        else:
            verdict = (
                f"{share:.1%} of {figures['comparable_videos']} comparable videos seen by one source only"
            )
        return dg.AssetCheckResult(
            passed=share <= threshold,
            description=f"{verdict} (allowed: {threshold:.1%})",
            metadata={
                **figures,
                "one_sided_share": dg.MetadataValue.float(float(share)),
                "max_coverage_gap": dg.MetadataValue.float(float(threshold)),
                "accounts_with_gaps": dg.MetadataValue.md(markdown_table(gaps)),
            },
        )

    return sources_cover_the_same_videos


def reconciliation_asset() -> dg.AssetsDefinition:
    """The analysis asset, built when the code location loads."""

    @dg.asset(
        key=["analysis", "source_reconciliation"],
        group_name=GROUP,
        deps=[mart(MART)],
        pool=POOL,
        kinds={"python", "parquet"},
        **catalog_args("tiktok_assets.analysis.reconciliation"),
        description=(
            "Does the Research API return every video EnsembleData sees for the same accounts and windows, and does "
            "it report the same counts at the same time? Per account: videos seen by both or by one only, summed "
            "views, the median view delta (Research − EnsembleData); a chart of the views side by side."
        ),
    )
    def source_reconciliation(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from tiktok_assets.analysis import reconciliation
        from tiktok_assets.analysis.outputs import save_chart, save_table

        with read_only() as con:
            figures = reconciliation.coverage(con)
            accounts = reconciliation.per_account(con)
            both = reconciliation.videos(con)
        metadata: dict[str, Any] = {**figures, **save_table(accounts, "source_reconciliation")}
        metadata["one_sided_share"] = dg.MetadataValue.float(float(figures["one_sided_share"]))
        if not both.empty:
            metadata["videos_seen_by_both"] = len(both)
            metadata["share_research_below"] = dg.MetadataValue.float(
                float((both["view_count_delta"] < 0).mean())
            )
        metadata.update(
            save_chart(reconciliation.reconciliation_chart(both, accounts), "source_reconciliation")
        )
        return dg.MaterializeResult(metadata=metadata)

    return source_reconciliation


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=with_lake_automation([reconciliation_asset()]), asset_checks=[coverage_check()]
    )
