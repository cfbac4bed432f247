"""The one Definitions of the code location, built lazily from the ``defs/`` folder.

Importing this module does nothing but define ``defs``: no network call, no ``dbt parse``, no monitoring.yaml
read. Dagster (``dagster dev``, ``dg dev``, ``dagster definitions validate``) calls ``defs()``, which loads
every module under ``tiktok_assets/defs/`` — one folder per source plus dbt, analysis, monitoring — and the
one place resources are wired (``defs/resources.py``).
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
