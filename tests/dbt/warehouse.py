"""A lake written through the lake's own writer, built into the warehouse once per test session.

The warehouse is built the way Dagster builds it: each day partition of the incremental staging asset in
turn (each run replaces only its window), then the unpartitioned models and the analysis assets — all through
``dg.materialize``, so the dbt tests run as asset checks. tests/dbt and tests/analysis share one build
(``functools.cache``): a dbt build costs seconds of CPU on a shared machine.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from tests.dbt.lakedata import DAYS, build_lake

_ENV = ("TIKTOK_DATA_DIR", "TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH")


@dataclass
class Warehouse:
    data_dir: Path
    lake_dir: Path
    db_path: Path
    raw: dict[str, Any]
    results: list[dg.ExecuteInProcessResult]
    instance: dg.DagsterInstance


def materialize_all(instance: dg.DagsterInstance) -> list[dg.ExecuteInProcessResult]:
    from tests.dbt import location

    resources = location.resources()
    results = []
    for day in DAYS:
        results.append(
            dg.materialize(
                [location.DBT_DAILY_STAGING],
                partition_key=day.isoformat(),
                resources=resources,
                instance=instance,
            )
        )
    results.append(
        dg.materialize(
            [location.DBT_MODELS, *location.ANALYSIS_ASSETS], resources=resources, instance=instance
        )
    )
    return results


@functools.cache
def built_warehouse() -> Warehouse:
    data_dir = Path(tempfile.mkdtemp(prefix="tiktok-dbt-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    saved = {k: os.environ.get(k) for k in _ENV}
    os.environ["TIKTOK_DATA_DIR"] = str(data_dir)
    os.environ.pop("TIKTOK_LAKE_DIR", None)
    os.environ.pop("TIKTOK_DUCKDB_PATH", None)
    try:
        lake_dir = data_dir / "lake"
        raw = build_lake(lake_dir)
        instance = dg.DagsterInstance.ephemeral()
        results = materialize_all(instance)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Warehouse(data_dir, lake_dir, data_dir / "warehouse.duckdb", raw, results, instance)
