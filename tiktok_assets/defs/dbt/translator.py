"""dagster-dbt's view of the project, for a dbt step (``run.py``: dbt events → asset keys) and for the test that
compares it with ``specs.py`` (what the catalog shows is built there, at load, without dagster-dbt). The
class is made on first use, so importing this module (the defs loader imports every module of the folder)
imports no dagster-dbt.

dbt sources become the assets that write their lake dataset; models keep ``[schema, name]``.

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
from functools import cache
from typing import Any

import dagster as dg

from tiktok_assets import settings
from tiktok_assets.collect import catalog
from tiktok_assets.defs.dbt import specs
from tiktok_assets.lake.datasets import Dataset


def lake_translator(writers: Mapping[Dataset, Sequence[dg.AssetKey]], code_references: bool = True) -> Any:
    """A ``LakeDbtTranslator`` (a ``dagster_dbt.DagsterDbtTranslator``); code references need a ``DbtProject``."""
    return _translator_class()(writers, code_references)


@cache
def _translator_class() -> type:
    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

    class LakeDbtTranslator(DagsterDbtTranslator):
        def __init__(self, writers: Mapping[Dataset, Sequence[dg.AssetKey]], code_references: bool) -> None:
            super().__init__(
                DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=code_references)
            )
            self.writers = writers

        def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
            return specs.asset_key(dbt_resource_props)

        def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
            return specs.group_name(dbt_resource_props)

        def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
            spec = super().get_asset_spec(manifest, unique_id, project)
            deps: list[dg.AssetDep] = []
            for dep in spec.deps:
                writers = specs.writers_of(dep.asset_key, self.writers)
                deps += [dg.AssetDep(key) for key in writers] if writers is not None else [dep]
            props = self.get_resource_props(manifest, unique_id)
            layer = props.get("config", {}).get("schema") or "dbt"
            return spec.replace_attributes(
                deps=deps,
                description=specs.description(props),
                owners=catalog.OWNERS["warehouse"],
                tags={**spec.tags, **catalog.tags(layer=layer)},
            ).merge_attributes(metadata={"dagster/uri": f"duckdb:///{settings.duckdb_path()}"})

    return LakeDbtTranslator
