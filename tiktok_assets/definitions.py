"""The one Definitions object of the code location: each source module's `defs`, merged.

Nothing else lives here; assets, checks, schedules, sensors and resources are defined next to what they
describe (tiktok_assets/assets/*.py). Shared resources (the lake) are the same object in every module, which
`Definitions.merge` requires.
"""

from __future__ import annotations

import dagster as dg

from tiktok_assets.assets import analysis, dbt, research

defs = dg.Definitions.merge(research.defs, dbt.defs, analysis.defs)
