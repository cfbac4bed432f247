"""Dagster definitions only — what exists and how it is wired: one folder per source (``research``,
``ensembledata``, ``vce``), ``dbt``, ``analysis``, ``monitoring`` (monitoring.yaml → dynamic partitions), and
``resources.py``. Loaded by ``tiktok_assets.definitions`` through ``dg.ComponentTree`` (the defs folder); every
module here exposes at most one ``@dg.definitions`` function and no module-level Dagster objects."""
