"""The dbt and analysis assets as the code location builds them, for tests that materialize them directly."""

from __future__ import annotations

from typing import Any

from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.analysis import assets as analysis
from tiktok_assets.defs.dbt import assets as dbt_defs
from tiktok_assets.defs.dbt.project import dbt_resource
from tiktok_assets.defs.lake_resource import LakeResource

DBT_DAILY_STAGING, DBT_MODELS = dbt_defs.build_dbt_assets(load_monitoring())
ANALYSIS_ASSETS = list(analysis.defs().assets)


def resources() -> dict[str, Any]:
    """dbt, and the lake where the environment puts it (``TIKTOK_LAKE_DIR`` / ``TIKTOK_DATA_DIR``)."""
    return {"dbt": dbt_resource(), "lake": LakeResource()}
