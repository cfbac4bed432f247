"""The VCE group's Definitions, built when the code location loads (not at import) from the current
monitoring.yaml: one asset per named VCE query, their job and schedule. The resource is wired in
``defs/resources.py``."""

import warnings

import dagster as dg

from tiktok_assets.config import Monitoring, current_monitoring
from tiktok_assets.defs.research.partitions import daily_partitions
from tiktok_assets.defs.vce import automation
from tiktok_assets.defs.vce.assets import vce_query_asset


def build_assets(monitoring: Monitoring) -> list[dg.AssetsDefinition]:
    daily = daily_partitions(monitoring.start_date, monitoring.end_date)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # backfill_policy is beta; we rely on it knowingly
        return [vce_query_asset(q, daily) for q in monitoring.vce_queries]


@dg.definitions
def defs() -> dg.Definitions:
    assets = build_assets(current_monitoring())
    jobs, schedules = automation.build(assets)
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules)
