"""What loading the code location imports (issue 14: every Dagster process pays it; benchmarks/
code_location_load.py measures the CPU-s). Asserted on modules, never on time: a fresh interpreter loads
``defs()`` and reports which heavy modules it imported."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import dagster as dg

from tiktok_assets import settings

# What only an analysis, a dbt step, or a run on an object-store lake needs (about 2.5 CPU-s together): dbt
# and dagster-dbt would also come in through the catalogue of installed `dg` plugins (definitions.py).
NOT_AT_LOAD = (
    "dbt", "dagster_dbt",
    "pandas", "matplotlib", "PIL", "tiktok_assets.analysis.outputs", "tiktok_assets.analysis.trends",
    "tiktok_assets.analysis.momentum", "tiktok_assets.analysis.posting", "tiktok_assets.analysis.quality",
    "tiktok_assets.analysis.reconciliation", "tiktok_assets.analysis.vce", "tiktok_assets.lake.duckdb_httpfs",
)  # fmt: skip
PROBE = f"""
import json, sys
from tiktok_assets.definitions import defs
graph = defs().resolve_asset_graph()
print(json.dumps({{"assets": len(graph.materializable_asset_keys),
                  "imported": [m for m in {list(NOT_AT_LOAD)!r} if m in sys.modules]}}))
"""


def test_loading_the_code_location_imports_no_analysis_library() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=settings.project_root(), capture_output=True,
                          text=True, timeout=300, check=True)  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["assets"] > 30, "the probe loaded the whole code location"
    assert report["imported"] == []


def test_the_analyses_code_versions_still_hash_their_computation_source() -> None:
    from tiktok_assets.analysis import momentum, posting, quality, trends
    from tiktok_assets.collect import catalog
    from tiktok_assets.definitions import defs

    graph = defs().resolve_asset_graph()
    for name, module in {"engagement_trends": trends, "hashtag_momentum": momentum, "posting_times": posting,
                         "data_quality": quality}.items():  # fmt: skip
        node = graph.get(dg.AssetKey(["analysis", name]))
        assert node.code_version == catalog.code_version(inspect.getsource(module)), name


def test_every_day_asset_backfills_in_one_run() -> None:
    from tiktok_assets.definitions import defs

    graph = defs().resolve_asset_graph()
    collection_days = [
        k for k in graph.materializable_asset_keys
        if k.path[0] in ("research", "vce", "ensembledata")
        and isinstance(graph.get(k).partitions_def, dg.TimeWindowPartitionsDefinition)
        and graph.get(k).partitions_def.end_offset <= 0  # days of creation, not collection days
    ]  # fmt: skip
    names = {k.to_user_string() for k in collection_days}
    assert {
        "research/comments",
        "research/playlists",
        "ensembledata/user_posts",
        "ensembledata/comments",
    } <= names
    for key in collection_days:
        policy = graph.get(key).backfill_policy
        assert policy == dg.BackfillPolicy.single_run(), key.to_user_string()
