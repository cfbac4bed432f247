"""dbt sources become the assets that write their lake dataset; models keep ``[schema, name]``.

A dbt source is ``source('<lake source>', '<dataset>')``, matched by source *and* dataset name (an
EnsembleData ``videos`` is not the Research ``videos``). A dataset can be written by several assets (``videos``
by one asset per named query) while a dbt source maps to one key; so a source gets a stand-in key
``lake/<source>/<dataset>``, and each model's dep on that stand-in is replaced by deps on every writer.

What the catalog shows of a model (``collect.catalog``): its dbt description only — dagster-dbt appends the
raw SQL as Markdown ("#### Raw SQL:"), which the catalog's lists show as text; the SQL is one click away
through the code reference to the model's file — the warehouse owners, a ``tiktok/layer`` tag (the dbt
schema), and the warehouse's URI beside the table name dagster-dbt sets. dbt's own checksum stays the code
version, so a changed model shows as such.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from tiktok_assets import settings
from tiktok_assets.collect import catalog
from tiktok_assets.lake import datasets
from tiktok_assets.lake.datasets import Dataset


class LakeDbtTranslator(DagsterDbtTranslator):
    def __init__(self, writers: Mapping[Dataset, Sequence[dg.AssetKey]]) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True))
        self.writers = writers

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
            writers = self._writers_of(path)
            deps += [dg.AssetDep(key) for key in writers] if writers is not None else [dep]
        props = self.get_resource_props(manifest, unique_id)
        layer = props.get("config", {}).get("schema") or "dbt"
        return spec.replace_attributes(
            deps=deps,
            description=(props.get("description") or "").strip()
            or f"dbt {props['resource_type']} `{props['name']}`.",
            owners=catalog.OWNERS["warehouse"],
            tags={**spec.tags, **catalog.tags(layer=layer)},
        ).merge_attributes(metadata={"dagster/uri": f"duckdb:///{settings.duckdb_path()}"})

    def _writers_of(self, path: Sequence[str]) -> Sequence[dg.AssetKey] | None:
        if len(path) != 3 or path[0] != "lake":
            return None
        try:
            return self.writers.get(datasets.get(path[1], path[2]))
        except KeyError:
            return None
