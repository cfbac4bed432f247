"""The dbt specs built from manifest.json at load are what dagster-dbt builds, and loading imports no dbt.

``specs.py`` replaces ``@dbt_assets`` at definition time (dagster-dbt and dbt-core cost ~40% of a load). This
compares, for the real manifest and both multi-assets, every asset spec and check spec with the ones
dagster-dbt's ``@dbt_assets`` builds through ``LakeDbtTranslator`` — keys, lineage, descriptions, metadata,
code versions, groups, owners, tags, kinds, partitions, checks — so the catalog loses nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.dbt import assets as dbt_defs
from tiktok_assets.defs.dbt.project import PROJECT, ensure_manifest
from tiktok_assets.defs.dbt.translator import lake_translator
from tiktok_assets.defs.writers import dataset_writers

REPO = Path(__file__).resolve().parents[2]
# dagster-dbt's own objects, read only by its helpers (the step hands them to dagster-dbt directly).
DAGSTER_DBT_INTERNALS = {"dagster_dbt/manifest", "dagster_dbt/dagster_dbt_translator", "dagster_dbt/project"}


def _dagster_dbt_built(monitoring) -> list[dg.AssetsDefinition]:
    from dagster_dbt import DbtProject, dbt_assets

    project = DbtProject(project_dir=PROJECT.project_dir, profiles_dir=PROJECT.profiles_dir)
    translator = lake_translator(dataset_writers(monitoring))
    manifest = ensure_manifest(PROJECT)
    built = []
    for name, kwargs in (
        ("dbt_daily_staging", {"select": dbt_defs.DAILY_SELECT, "partitions_def": dbt_defs.daily_partitions(
            monitoring.start_date, monitoring.end_date)}),
        ("dbt_models", {"exclude": dbt_defs.DAILY_SELECT}),
    ):  # fmt: skip

        @dbt_assets(
            manifest=manifest, name=name, dagster_dbt_translator=translator, project=project, **kwargs
        )
        def _built(context):  # pragma: no cover - never executed
            yield from ()

        built.append(_built)
    return built


def _spec_facts(spec: dg.AssetSpec) -> dict:
    return {
        "deps": sorted(d.asset_key.to_user_string() for d in spec.deps),
        "description": spec.description,
        "group": spec.group_name,
        "code_version": spec.code_version,
        "owners": sorted(spec.owners),
        "tags": dict(spec.tags),
        "kinds": sorted(spec.kinds),
        "partitioned": spec.partitions_def is not None,
        "skippable": spec.skippable,
        "metadata": {k: v for k, v in spec.metadata.items() if k not in DAGSTER_DBT_INTERNALS},
    }


def _check_facts(spec: dg.AssetCheckSpec) -> dict:
    return {
        "blocking": spec.blocking,
        "description": spec.description,
        "additional_deps": sorted(d.asset_key.to_user_string() for d in spec.additional_deps),
        "metadata": dict(spec.metadata or {}),
    }


@pytest.mark.filterwarnings("ignore::dagster.BetaWarning")
def test_specs_from_the_manifest_equal_dagster_dbts() -> None:
    monitoring = load_monitoring()
    ours = dbt_defs.build_dbt_assets(monitoring)
    theirs = _dagster_dbt_built(monitoring)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.node_def.name == reference.node_def.name
        assert set(mine.keys) == set(reference.keys) and mine.keys, mine.node_def.name
        assert set(mine.check_keys) == set(reference.check_keys) and mine.check_keys
        for key in reference.keys:
            assert _spec_facts(mine.specs_by_key[key]) == _spec_facts(reference.specs_by_key[key]), key
        theirs_checks = {c.key: c for c in reference.check_specs}
        for check in mine.check_specs:
            assert _check_facts(check) == _check_facts(theirs_checks[check.key]), check.key
        assert mine.op.tags == reference.op.tags
        assert mine.partitions_def == reference.partitions_def
    daily, rest = ours
    assert daily.backfill_policy == dg.BackfillPolicy.single_run()
    assert rest.backfill_policy is None


PROBE = """
import json, sys
import tiktok_assets.defs.dbt.assets as dbt_defs
from tiktok_assets.config import load_monitoring
built = dbt_defs.build_dbt_assets(load_monitoring())
heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("dagster_dbt", "dbt", "dbt_common")})
print(json.dumps({"heavy": heavy, "assets": sum(len(a.keys) for a in built)}))
"""


def test_loading_the_dbt_assets_imports_neither_dagster_dbt_nor_dbt_core() -> None:
    ensure_manifest(PROJECT)  # a fresh manifest, as a packaged deployment ships it: loading parses nothing
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["assets"] > 20, "the probe built the dbt assets"
    assert result["heavy"] == []
