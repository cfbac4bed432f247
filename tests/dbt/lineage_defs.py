"""The research, dbt and analysis assets in one code location, for the lineage test's webserver."""

import dagster as dg

from tiktok_assets.assets import analysis, dbt, research

defs = dg.Definitions.merge(research.defs, dbt.defs, analysis.defs)
