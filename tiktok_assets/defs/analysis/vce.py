"""The VCE analysis asset: ``analysis/vce_hashtag_regions``, a region × hashtag heatmap per VCE query over
the aggregate mart (the computation lives in ``tiktok_assets.analysis.vce``)."""

# No `from __future__ import annotations`: Dagster reads the context annotation at decoration time.

from typing import Any

import dagster as dg

from tiktok_assets.analysis.warehouse import POOL, read_only
from tiktok_assets.collect.automation import with_lake_automation
from tiktok_assets.defs.analysis.assets import GROUP, catalog_args, mart

NAME = "vce_hashtag_regions"


def vce_hashtag_regions_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=["analysis", NAME],
        group_name=GROUP,
        deps=[mart("vce_hashtag_region_daily")],
        pool=POOL,
        kinds={"python", "parquet"},
        **catalog_args("tiktok_assets.analysis.vce"),
        description=(
            "Where does each VCE query's content come from and under which hashtags? Videos per region and "
            "hashtag over the collected days, from the aggregate mart (aggregates only, as a VCE exports)."
        ),
    )
    def vce_hashtag_regions(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        # Imported here: pandas and matplotlib are not paid by every process that loads the code location.
        from tiktok_assets.analysis import vce
        from tiktok_assets.analysis.outputs import save_chart, save_table

        with read_only() as con:
            df = vce.region_hashtag_table(con)
        metadata: dict[str, Any] = {
            **save_table(df, NAME),
            "queries": len(df["query"].unique()) if len(df) else 0,
        }
        metadata.update(save_chart(vce.region_hashtag_chart(df), NAME))
        return dg.MaterializeResult(metadata=metadata)

    return vce_hashtag_regions


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=with_lake_automation([vce_hashtag_regions_asset()]))
