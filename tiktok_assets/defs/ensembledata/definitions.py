"""The ensembledata group's Definitions, built when the code location loads (not at import) from the current
monitoring.yaml. Resources are wired in ``defs/resources.py``."""

import dagster as dg

from tiktok_assets.config import current_monitoring
from tiktok_assets.defs.ensembledata.assets import build_defs


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs(current_monitoring())
