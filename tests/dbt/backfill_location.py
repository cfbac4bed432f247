"""A code location of the dbt assets alone, for the backfill daemon in tests/dbt/test_dbt_backfill.py.

The dbt assets and resources exactly as the code location builds them; the collection assets are left out so
the backfill targets staging over a lake already collected (and stays independent of the other folders).
"""

import dagster as dg

from tiktok_assets.defs.dbt import assets as dbt_defs
from tiktok_assets.defs.dbt.project import dbt_resource
from tiktok_assets.defs.lake_resource import LakeResource


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=dbt_defs.defs().assets, resources={"dbt": dbt_resource(), "lake": LakeResource()}
    )
