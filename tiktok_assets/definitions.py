"""The one Definitions of the code location, built lazily from the ``defs/`` folder.

Importing this module does nothing but define ``defs``: no network call, no ``dbt parse``, no monitoring.yaml
read. Dagster (``dagster dev``, ``dg dev``, ``dagster definitions validate``) calls ``defs()``, which loads
every module under ``tiktok_assets/defs/`` — one folder per source plus dbt, analysis, monitoring — and the
one place resources are wired (``defs/resources.py``).
"""

import warnings
from pathlib import Path

import dagster as dg

# What ``dg.load_from_defs_folder`` silences while it loads (Dagster's own preview/beta/superseded/deprecated
# notices about the loader and the APIs the defs use); not silenced outside the load.
LOAD_QUIET = (dg.PreviewWarning, dg.BetaWarning, dg.SupersessionWarning, DeprecationWarning)


@dg.definitions
def defs() -> dg.Definitions:
    # The defs folder's Definitions, as ``dg.load_from_defs_folder`` builds them, without its root's catalogue
    # of every installed ``dg`` plugin's component types: listing them imports dagster-dbt and dbt-core, about
    # 1.5 CPU-s in every process that loads the code location, for component types this project does not use
    # (tests/test_code_location_load.py). The tree stays attached, as there.
    with warnings.catch_warnings():
        for category in LOAD_QUIET:
            warnings.simplefilter("ignore", category)
        tree = dg.ComponentTree.for_project(path_within_project=Path(__file__).parent)
        return dg.Definitions.merge(
            tree.build_defs(tree.defs_module_path), dg.Definitions(component_tree=tree)
        )
