"""The dbt models as Dagster asset specs and their tests as asset checks, read from ``manifest.json`` as JSON.

What dagster-dbt's ``@dbt_assets`` + ``LakeDbtTranslator`` would build (keys, lineage, descriptions, column
schema, table names, code references, code versions, groups, owners, tags, kinds, checks with their blocking
severity) without importing dagster-dbt or dbt-core: they cost ~40% of a code-location load, and only a step
that runs dbt needs them (``run.py``). ``tests/dbt/test_dbt_specs.py`` compares these specs with dagster-dbt's
for the real manifest, so the two cannot drift apart silently.

Not built: dagster-dbt's own metadata objects (the manifest, the translator, the project), which only its
helpers read; the step hands them to dagster-dbt directly.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from tiktok_assets import settings
from tiktok_assets.collect import catalog
from tiktok_assets.lake import datasets
from tiktok_assets.lake.datasets import Dataset

ASSET_TYPES = ("model", "seed", "snapshot")
Writers = Mapping[Dataset, Sequence[dg.AssetKey]]


def load_manifest(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    return manifest["sources"][unique_id] if unique_id.startswith("source.") else manifest["nodes"][unique_id]


def asset_key(props: Mapping[str, Any]) -> dg.AssetKey:
    """A source → the stand-in ``lake/<source>/<dataset>`` (replaced by its writers); a model → [schema, name]."""
    meta = props.get("config", {}).get("meta", {}) or props.get("meta", {})
    configured = meta.get("dagster", {}).get("asset_key")
    if configured:
        return dg.AssetKey(configured)
    if props["resource_type"] == "source":
        return dg.AssetKey(["lake", props["source_name"], props["name"]])
    if props.get("version"):
        return dg.AssetKey([props["alias"]])
    schema = props["config"].get("schema")
    return dg.AssetKey([schema, props["name"]] if schema is not None else [props["name"]])


def description(props: Mapping[str, Any]) -> str:
    """The model's YAML description (a block scalar's trailing newline dropped), else a line naming it."""
    return (props.get("description") or "").strip() or f"dbt {props['resource_type']} `{props['name']}`."


def group_name(props: Mapping[str, Any]) -> str:
    schema = props.get("config", {}).get("schema")
    return f"dbt_{schema}" if schema else "dbt"


def writers_of(key: dg.AssetKey, writers: Writers) -> Sequence[dg.AssetKey] | None:
    """The assets writing the lake dataset a source stand-in names; None for any other key."""
    path = key.path
    if len(path) != 3 or path[0] != "lake":
        return None
    try:
        return writers.get(datasets.get(path[1], path[2]))
    except KeyError:
        return None


def _is_asset(props: Mapping[str, Any]) -> bool:
    ephemeral = (
        props["resource_type"] == "model" and props.get("config", {}).get("materialized") == "ephemeral"
    )
    return props["resource_type"] in ASSET_TYPES and not ephemeral


def upstream_ids(manifest: Mapping[str, Any], props: Mapping[str, Any]) -> set[str]:
    """Parents that are assets or sources; through an ephemeral model, its own parents."""
    found: set[str] = set()
    queue = list(props.get("depends_on", {}).get("nodes", []))
    seen: set[str] = set()
    while queue:
        uid = queue.pop()
        if uid in seen:
            continue
        seen.add(uid)
        parent = node(manifest, uid)
        if _is_asset(parent) or parent["resource_type"] == "source":
            found.add(uid)
        elif parent["resource_type"] == "model":  # ephemeral
            queue.extend(parent.get("depends_on", {}).get("nodes", []))
    return found


def _column_schema(props: Mapping[str, Any]) -> dg.TableSchema | None:
    columns = props.get("columns", {})
    if not columns:
        return None
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=info.get("data_type") or "?",
                description=info.get("description"),
                tags={tag: "" for tag in info.get("tags", [])},
            )
            for name, info in columns.items()
        ]
    )


def _metadata(manifest: Mapping[str, Any], props: Mapping[str, Any], project_dir: Path) -> dict[str, Any]:
    relation = ".".join(p for p in (props.get("database"), props.get("schema"), props.get("alias")) if p)
    adapter = manifest.get("metadata", {}).get("adapter_type")
    source_file = (Path(project_dir) / props["original_file_path"]).resolve()
    out: dict[str, Any] = {"dagster-dbt/materialization_type": props.get("config", {}).get("materialized")}
    schema = _column_schema(props)
    if schema is not None:
        out["dagster/column_schema"] = schema
    out |= {
        "dagster/table_name": relation or None,
        "dagster_dbt/unique_id": props["unique_id"],
        "dagster/storage_kind": adapter,
        "dagster/code_references": _code_reference(source_file),
        "dagster/uri": f"duckdb:///{settings.duckdb_path()}",
    }
    project_id = manifest.get("metadata", {}).get("project_id")
    if project_id:
        out["dagster_dbt/project_id"] = dg.MetadataValue.text(project_id)
    return {k: v for k, v in out.items() if v is not None}


def _code_reference(path: Path) -> dg.CodeReferencesMetadataValue:
    with warnings.catch_warnings():  # beta in Dagster 1.13, as dagster-dbt uses it
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(path))]
        )


def _code_version(props: Mapping[str, Any]) -> str | None:
    code = props.get("raw_sql") or props.get("raw_code")
    return hashlib.sha1(code.encode()).hexdigest() if code else props.get("checksum", {}).get("checksum")


def asset_spec(
    manifest: Mapping[str, Any], unique_id: str, project_dir: Path, writers: Writers,
    partitions_def: dg.PartitionsDefinition | None,
) -> dg.AssetSpec:  # fmt: skip
    props = node(manifest, unique_id)
    deps: list[dg.AssetKey] = []
    for parent_key in sorted({asset_key(node(manifest, uid)) for uid in upstream_ids(manifest, props)}):
        mapped = writers_of(parent_key, writers)
        deps += list(mapped) if mapped is not None else [parent_key]
    adapter = manifest.get("metadata", {}).get("adapter_type")
    layer = props.get("config", {}).get("schema") or "dbt"
    return dg.AssetSpec(
        key=asset_key(props),
        deps=deps,
        description=description(props),
        metadata=_metadata(manifest, props, project_dir),
        skippable=True,
        group_name=group_name(props),
        code_version=_code_version(props),
        owners=catalog.OWNERS["warehouse"],
        tags={**{t: "" for t in props.get("tags", [])}, **catalog.tags(layer=layer)},
        kinds={"dbt", adapter or "dbt"},
        partitions_def=partitions_def,
    )


def attached_model(manifest: Mapping[str, Any], test: Mapping[str, Any]) -> str | None:
    """The model a test checks: a generic test's attached node, else a singular test's only parent."""
    parents = set(test["depends_on"]["nodes"])
    attached = test.get("attached_node")
    if len(parents) == 1:
        [attached] = parents
    ref = (test.get("config", {}).get("meta", {}) or test.get("meta", {})).get("dagster", {}).get("ref", {})
    if ref:  # a singular test over several models names the one it checks
        wanted = (ref.get("package") or manifest["metadata"]["project_name"], ref["name"])
        attached = next(
            (uid for uid, n in manifest["nodes"].items() if (n["package_name"], n["name"]) == wanted), None
        )
    return attached


def check_spec(manifest: Mapping[str, Any], test_id: str, model_key: dg.AssetKey) -> dg.AssetCheckSpec:
    test = node(manifest, test_id)
    others = {asset_key(node(manifest, uid)) for uid in manifest["parent_map"].get(test_id, [])} - {model_key}
    severity = test.get("config", {}).get("severity") or "error"
    return dg.AssetCheckSpec(
        name=test["name"],
        asset=model_key,
        description=test.get("meta", {}).get("description"),
        additional_deps=others,
        metadata={"dagster_dbt/unique_id": test_id},
        blocking=severity.lower() == "error",
    )


def dbt_specs(
    manifest: Mapping[str, Any], selected: Callable[[Mapping[str, Any]], bool], project_dir: Path,
    writers: Writers, partitions_def: dg.PartitionsDefinition | None = None,
) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:  # fmt: skip
    """Specs of the asset nodes ``selected`` accepts, and a check for every test attached to one of them."""
    model_ids = [uid for uid, n in manifest["nodes"].items() if _is_asset(n) and selected(n)]
    specs = [asset_spec(manifest, uid, project_dir, writers, partitions_def) for uid in model_ids]
    keys = {uid: spec.key for uid, spec in zip(model_ids, specs, strict=True)}
    checks: list[dg.AssetCheckSpec] = []
    for uid in model_ids:
        for child in sorted(manifest["child_map"].get(uid, [])):
            if child.startswith("test.") and attached_model(manifest, node(manifest, child)) == uid:
                checks.append(check_spec(manifest, child, keys[uid]))
    return specs, checks
