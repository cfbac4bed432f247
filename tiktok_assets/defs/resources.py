"""Every resource of the code location, wired once. Secrets come from the environment as ``EnvVar``s (when
set), never as config values; with nothing set, the API resources talk to the sandbox."""

import dagster as dg

from tiktok_assets.defs.dbt.project import dbt_resource
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.defs.vce.resources import VceResource


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "research_api": ResearchApiResource.from_env(),
            "ensembledata": EnsembleDataResource.from_env(),
            "vce": VceResource(),
            "lake": LakeResource(),
            "dbt": dbt_resource(),
        }
    )
