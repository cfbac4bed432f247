"""The dbt project (dbt-duckdb over the Parquet lake) as Dagster assets.

- One manifest, parsed once per change of the dbt sources and never concurrently (see ``ensure_manifest``).
- Two ``@dbt_assets`` over that manifest, split by partitioning: the staging models of the daily lake
  datasets (videos, comments: incremental by partition, the run's time window goes to dbt as
  ``min_date``/``max_date``), and everything else (unpartitioned tables rebuilt from the lake and staging).
- ``LakeDbtTranslator`` maps each dbt source to the research asset(s) that write that lake dataset, so the
  lineage runs endpoint assets → staging → marts → analysis without a gap. dbt tests become asset checks.
- Every dbt invocation runs in the ``duckdb`` pool and under the warehouse file lock (DuckDB: one writer).
"""

# No `from __future__ import annotations` here: Dagster reads the context and Config annotations at
# decoration time and cannot resolve them from strings.

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from filelock import FileLock

from tiktok_assets import partitions, settings
from tiktok_assets.analysis.warehouse import POOL, warehouse_lock
from tiktok_assets.config import Monitoring, load_monitoring
from tiktok_assets.lake.schemas import DATASETS

DBT_DIR = settings.dbt_project_dir()
# The dbt beside this interpreter: `make`/tests run `.venv/bin/python` without activating the venv (no PATH).
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"
PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)

# Staging models incremental by the daily partition of their research assets (partitions.daily).
DAILY_MODELS = ("stg_research__videos", "stg_research__comments")


def dbt_resource(project: DbtProject = PROJECT) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)


# --- manifest: parse once, guarded --------------------------------------------------------------------------

_SOURCES = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for f in files:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def _is_fresh(manifest: Path, project_dir: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)


def ensure_manifest(project: DbtProject = PROJECT) -> Path:
    """Make sure ``target/manifest.json`` exists and is newer than every dbt source file; return its path.

    ``dagster-dbt``'s ``prepare_if_dev`` re-parses on every load under ``dagster dev`` and only there, and
    parallel backfill workers have raced on it (#33993). Here: parse only when the manifest is missing or
    stale, under a file lock, into a private target dir, then ``os.replace`` the manifest into place — so
    concurrent imports wait for one parse, and a reader never sees half a manifest. A packaged deployment
    (``dagster-dbt project prepare-and-package``) ships a fresh manifest and never parses here.
    """
    manifest = project.manifest_path
    if _is_fresh(manifest, project.project_dir):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(manifest.with_name("manifest.parse.lock"), timeout=300):
        if _is_fresh(manifest, project.project_dir):
            return manifest  # another process parsed while we waited
        scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest.parent))
        try:
            dbt_resource(project).cli(["parse", "--quiet"], target_path=scratch).wait()
            os.replace(scratch / "manifest.json", manifest)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return manifest


MANIFEST = ensure_manifest()


# --- translator: sources → research assets ------------------------------------------------------------------


def upstream_keys(monitoring: Monitoring | None = None) -> dict[str, list[dg.AssetKey]]:
    """Lake dataset → the research assets that write it (assets/research.py's naming, checked by tests).

    ``research/videos_<query>`` (one asset per named query in monitoring.yaml) write ``videos``; every other
    research asset is named after the dataset it writes (``research/comments``, ``research/followers``, …).
    Derived from the config rather than by importing research.py, so this module loads on its own.
    """
    monitoring = monitoring or load_monitoring()
    out = {name: [dg.AssetKey(["research", name])] for name in DATASETS if name != "videos"}
    out["videos"] = [dg.AssetKey(["research", f"videos_{q.name}"]) for q in monitoring.queries]
    return out


class LakeDbtTranslator(DagsterDbtTranslator):
    """dbt sources become the research assets that write their lake dataset; models keep ``[schema, name]``.

    A dataset can be written by several assets (``videos`` by one asset per named query), and a dbt source
    maps to one key; so a source gets a stand-in key, and each model's dep on that stand-in is replaced by
    deps on every research asset of the dataset.
    """

    def __init__(self, upstream: Mapping[str, Sequence[dg.AssetKey]] | None = None) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._upstream = upstream

    @property
    def upstream(self) -> Mapping[str, Sequence[dg.AssetKey]]:
        if self._upstream is None:
            self._upstream = upstream_keys()
        return self._upstream

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["lake", dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return f"dbt_{schema}" if schema else "dbt"

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        deps: list[dg.AssetDep] = []
        for dep in spec.deps:
            path = dep.asset_key.path
            if len(path) == 3 and path[0] == "lake" and path[2] in self.upstream:
                deps += [dg.AssetDep(key) for key in self.upstream[path[2]]]
            else:
                deps.append(dep)
        return spec.replace_attributes(deps=deps)


TRANSLATOR = LakeDbtTranslator()


# --- assets --------------------------------------------------------------------------------------------------


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from the whole lake


def dbt_vars(window: dg.TimeWindow | None = None) -> dict[str, str]:
    """What dbt needs from settings (the same paths the lake and analysis use) and the partition window."""
    out = {"lake_dir": str(settings.lake_dir()), "duckdb_path": str(settings.duckdb_path())}
    if window is not None:
        out["min_date"] = window.start.date().isoformat()
        out["max_date"] = window.end.date().isoformat()
    return out


def run_dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig, partitioned: bool
) -> Iterator[Any]:
    window = context.partition_time_window if partitioned else None
    args = ["build", "--vars", json.dumps(dbt_vars(window))]
    if config.full_refresh:
        args.append("--full-refresh")
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock():
        invocation = dbt.cli(args, context=context)
        yield from with_row_counts(context, invocation.stream())
    # Each invocation gets its own target dir (dagster-dbt); keep only those of failed runs, for debugging.
    shutil.rmtree(invocation.target_path, ignore_errors=True)


def with_row_counts(context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
    """Add ``dagster/row_count`` to each model's output, counted once dbt has exited.

    Not dagster-dbt's ``fetch_row_counts()``: its dbt-duckdb adapter keeps a read-write connection open in
    this process, and the next dbt run then fails on DuckDB's lock. A short read-only connection does not.
    """
    buffered: list[Any] = []
    failure: Exception | None = None
    try:
        buffered.extend(events)  # dbt holds the write lock until it exits
    except Exception as exc:  # a failed model or test: still report what did succeed, then fail
        failure = exc
    outputs = [e for e in buffered if isinstance(e, dg.Output)]
    con = duckdb.connect(str(settings.duckdb_path()), read_only=True) if outputs else None
    try:
        for event in buffered:
            if con is not None and isinstance(event, dg.Output):
                schema, table = context.asset_key_for_output(event.output_name).path[-2:]
                (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event
    finally:
        if con is not None:
            con.close()
    if failure is not None:
        raise failure


def _select(models: Sequence[str]) -> str:
    return " ".join(models)


@dbt_assets(
    manifest=MANIFEST,
    select=_select(DAILY_MODELS),
    name="dbt_daily_staging",
    partitions_def=partitions.daily,
    # Same ranges as the research video assets (30 days, one API window per run): a backfill of both runs
    # research and staging side by side, and dbt gets the 30-day window in one invocation.
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=30),
    dagster_dbt_translator=TRANSLATOR,
    project=PROJECT,
    pool=POOL,
)
def dbt_daily_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    """Staging of the daily lake datasets (videos, comments), incremental by the partition's day range."""
    yield from run_dbt_build(context, dbt, config, partitioned=True)


@dbt_assets(
    manifest=MANIFEST,
    exclude=_select(DAILY_MODELS),
    name="dbt_models",
    dagster_dbt_translator=TRANSLATOR,
    project=PROJECT,
    pool=POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    """The remaining staging models, the intermediate view and the marts, rebuilt from staging."""
    yield from run_dbt_build(context, dbt, config, partitioned=False)


defs = dg.Definitions(
    assets=[dbt_daily_staging, dbt_models],
    resources={"dbt": dbt_resource()},
)
