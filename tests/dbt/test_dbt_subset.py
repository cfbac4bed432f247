"""A subset of the dbt models (what the automation sensor requests) runs only those models and their tests.

The step picks dbt's selection itself now (``run.selection_args``, no dagster-dbt at load): the selected models
and the tests of the selected checks by name, nothing else built, no other test run.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.dbt import location
from tests.dbt.lakedata import build_lake

FOLLOW_EDGES = dg.AssetKey(["marts", "follow_edges"])


def test_a_subset_builds_only_the_selected_models_and_their_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    build_lake(tmp_path / "lake")
    staging = [
        k
        for k in location.DBT_MODELS.keys
        if k.path[-1] in ("stg_research__followers", "stg_research__following")
    ]
    selected = [*staging, FOLLOW_EDGES]
    result = dg.materialize(
        [location.DBT_MODELS], selection=selected, resources=location.resources(),
        instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    assert result.success
    built = {e.asset_key for e in result.get_asset_materialization_events()}
    assert built == set(selected)
    checked = {c.asset_key for c in result.get_asset_check_evaluations()}
    expected_checks = {c for c in location.DBT_MODELS.check_keys if c.asset_key in set(selected)}
    assert {(c.asset_key, c.check_name) for c in result.get_asset_check_evaluations()} == {
        (c.asset_key, c.name) for c in expected_checks
    }
    assert checked == set(selected) and expected_checks
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        (edges,) = con.execute("select count(*) from marts.follow_edges").fetchone()
    finally:
        con.close()
    assert tables == {
        "staging.stg_research__followers",
        "staging.stg_research__following",
        "marts.follow_edges",
    }
    assert edges == 3  # bob and fan_1 follow alice, bob follows carol: bob → alice seen both ways, one row
