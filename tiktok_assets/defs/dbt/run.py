"""Inside a dbt step: run ``dbt build`` for what the step selected, and report it as Dagster events.

dagster-dbt is imported here, in the step, and nowhere at load (``specs.py`` builds the definitions). It runs
dbt and parses dbt's events with ``LakeDbtTranslator`` (same keys as the specs); this module turns its
materializations into the step's outputs and its test results into the selected checks' results.

One invocation per step: a range run (a whole backfill, ``BackfillPolicy.single_run``) passes its window as
``min_date``/``max_date`` and dbt builds it in one go.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

from tiktok_assets import settings
from tiktok_assets.defs.dbt.project import PROJECT, DbtResource
from tiktok_assets.defs.dbt.specs import Writers, load_manifest, node
from tiktok_assets.defs.lake_resource import LakeResource


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild incremental models from the whole lake


def dbt_vars(lake: LakeResource, window: dg.TimeWindow | None = None) -> dict[str, str]:
    """What dbt needs: the lake (from its resource), the warehouse, and the partition window."""
    out = {"lake_dir": lake.url, "duckdb_path": str(settings.duckdb_path())}
    if window is not None:
        out["min_date"] = window.start.date().isoformat()
        out["max_date"] = window.end.date().isoformat()
    return out


@dataclass(frozen=True)
class Selection:
    """What one dbt multi-asset holds: its dbt selection, and every key and check key it defines."""

    select: str
    exclude: str
    keys: frozenset[dg.AssetKey]
    check_keys: frozenset[dg.AssetCheckKey]

    def op_tags(self) -> Mapping[str, str]:
        """The selection on the op, where dagster-dbt keeps it too (the UI shows op tags)."""
        return {
            "dagster_dbt/select": self.select,
            **({"dagster_dbt/exclude": self.exclude} if self.exclude else {}),
        }


def selection_args(context: dg.AssetExecutionContext, selection: Selection) -> list[str]:
    """The op's own selection when everything is selected; else the selected models and tests by name.

    A subset names its tests itself (``--indirect-selection empty``), so a test whose check was not selected
    does not run — as dagster-dbt does it. (``context.assets_def`` of a subset run holds only the subset, so
    the whole is compared with ``selection``.)
    """
    assets_def = context.assets_def
    everything = (
        set(context.selected_asset_keys) == selection.keys
        and set(context.selected_asset_check_keys) == selection.check_keys
    )
    if everything:
        return [
            "--select",
            selection.select,
            *(["--exclude", selection.exclude] if selection.exclude else []),
        ]
    models = [
        assets_def.specs_by_key[key].metadata["dagster_dbt/unique_id"] for key in context.selected_asset_keys
    ]
    tests = [spec.metadata["dagster_dbt/unique_id"] for spec in assets_def.check_specs
             if spec.key in context.selected_asset_check_keys]  # fmt: skip
    manifest = load_manifest(PROJECT.manifest_path)
    chosen = [node(manifest, uid)["name"] for uid in [*models, *tests]]
    return ["--select", " ".join(chosen), "--indirect-selection", "empty"]


def as_step_events(context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
    """dagster-dbt's events without a context (materializations, check evaluations) as this step's events."""
    selected_checks = set(context.selected_asset_check_keys)
    for event in events:
        if isinstance(event, dg.AssetMaterialization):
            yield dg.Output(None, output_name=event.asset_key.to_python_identifier(), metadata=event.metadata)
        elif isinstance(event, dg.AssetCheckEvaluation):
            if event.asset_check_key in selected_checks:
                yield dg.AssetCheckResult(
                    asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                    severity=event.severity, metadata=event.metadata,
                )  # fmt: skip
        else:
            yield event


def run_dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtResource, lake: LakeResource, config: DbtBuildConfig,
    selection: Selection, writers: Writers, partitioned: bool,
) -> Iterator[Any]:  # fmt: skip
    from tiktok_assets.analysis.warehouse import warehouse_lock
    from tiktok_assets.defs.dbt.translator import lake_translator

    window = context.partition_time_window if partitioned else None
    args = ["build", "--vars", json.dumps(dbt_vars(lake, window))]
    if config.full_refresh:
        args.append("--full-refresh")
    args += selection_args(context, selection)
    manifest = load_manifest(PROJECT.manifest_path)
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock():
        # Keys only: the specs (and their code references) come from specs.py.
        translator = lake_translator(writers, code_references=False)
        invocation = dbt.cli(args, manifest=manifest, dagster_dbt_translator=translator)
        context.log.info(
            f"dbt {' '.join(args[:1] + args[3:])} (one invocation for {_span(context, partitioned)})"
        )
        yield from with_row_counts(context, as_step_events(context, invocation.stream()))
    # Each invocation gets its own target dir (dagster-dbt); keep only those of failed runs, for debugging.
    shutil.rmtree(invocation.target_path, ignore_errors=True)


def _span(context: dg.AssetExecutionContext, partitioned: bool) -> str:
    if not partitioned:
        return "the unpartitioned models"
    keys = context.partition_keys
    return f"{len(keys)} day(s), {keys[0]}…{keys[-1]}"


def with_row_counts(context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
    """Add ``dagster/row_count`` to each model's output, counted once dbt has exited.

    Not dagster-dbt's ``fetch_row_counts()``: its dbt-duckdb adapter keeps a read-write connection open in
    this process, and the next dbt run then fails on DuckDB's lock. A short read-only connection does not.
    """
    import duckdb

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
