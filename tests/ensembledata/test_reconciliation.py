"""Cross-source reconciliation against the sandbox (one world behind both APIs): the Research API's video query
and EnsembleData's user posts for the same accounts and week, built by dbt into marts.video_source_reconciliation.

In the shared world the sources reconcile exactly where nothing but the documented Research statistics lag
(up to 10 days, reference research-api.md) can differ: the same videos on both sides, the same attributes, and
at equal observation times count deltas that are exactly that lag — zero where EnsembleData's counts did not
move in the lag window, never positive, never beyond the 10-day bound. The coverage check fails when videos
are removed from one side, by the configured share.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml
from ed_support import ed_assets, resources_for

from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.analysis.reconciliation import COVERAGE_CHECK, coverage_check, reconciliation_asset
from tiktok_assets.defs.dbt.assets import build_dbt_assets
from tiktok_assets.defs.dbt.project import dbt_resource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

NOW, TEN_DAYS_EARLIER = "2026-06-15T12:00:00Z", "2026-06-05T12:00:00Z"
WEEK = {
    "dagster/asset_partition_range_start": "2026-06-06",
    "dagster/asset_partition_range_end": "2026-06-12",
}
RAW: dict[str, Any] = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["nerali7775", "josudaha.", "misaan__", "lorali_", "biki__7942"],  # the last is private
    "queries": {"accounts": {"from": "accounts"}},
    "ensembledata": {"reconciliation": {"max_coverage_gap": 0.05}},
}
COUNTS = {"view_count": "play_count", "like_count": "digg_count", "comment_count": "comment_count",
          "share_count": "share_count", "favorite_count": "collect_count"}  # fmt: skip


@dataclass
class Built:
    sandbox: SandboxHandle
    tmp: Path
    lake: LakeResource
    dbt_models: dg.AssetsDefinition
    instance: dg.DagsterInstance
    mp: pytest.MonkeyPatch

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.tmp / "data" / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def check(self, max_coverage_gap: float, rebuild: bool = True) -> dg.AssetCheckEvaluation:
        """Rebuild the mart (and the models it reads) from the lake, then run the coverage check with this
        threshold; ``rebuild=False`` runs the check alone on the current mart."""
        raw = {**RAW, "ensembledata": {"reconciliation": {"max_coverage_gap": max_coverage_gap}}}
        path = self.tmp / f"m-{max_coverage_gap}.yaml"
        path.write_text(yaml.safe_dump(raw))
        self.mp.setenv("TIKTOK_MONITORING", str(path))
        check = coverage_check()
        mart = dg.AssetKey(["marts", "video_source_reconciliation"])
        models = dg.AssetSelection.assets(mart).upstream() & dg.AssetSelection.assets(self.dbt_models)
        selection = (models | dg.AssetSelection.checks(check)) if rebuild else dg.AssetSelection.checks(check)
        result = dg.materialize([self.dbt_models, check], selection=selection, instance=self.instance,
                                resources={"dbt": dbt_resource(), "lake": self.lake})  # fmt: skip
        [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == COVERAGE_CHECK]
        return evaluation


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("recon")
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    with pytest.MonkeyPatch.context() as mp, running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        # A partial build runs only the dbt tests whose models it builds (dbt's default also runs tests that
        # reach into models left out, e.g. relationships to comment_threads).
        env = {
            "TIKTOK_DATA_DIR": str(tmp / "data"),
            "TIKTOK_CLOCK_NOW": NOW,
            "DBT_INDIRECT_SELECTION": "cautious",
        }
        for var, value in env.items():
            mp.setenv(var, value)
        for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH"):
            mp.delenv(var, raising=False)
        lake = LakeResource()
        instance = dg.DagsterInstance.ephemeral()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rassets = research.build_assets(monitoring)
        api = ResearchApiResource(base_url=sandbox.research_url, client_key=sandbox.client_key,
                                  client_secret=sandbox.client_secret, ledger_url=f"sqlite:///{tmp / 'q.sqlite'}")  # fmt: skip
        videos = next(a for a in rassets if a.key.path[-1] == "videos_accounts")
        assert dg.materialize(rassets, selection=[videos.key], tags=WEEK, instance=instance,
                              resources={"research_api": api, "lake": lake}).success  # fmt: skip
        eassets = ed_assets(monitoring)
        ed_resources = {**resources_for(sandbox, tmp), "lake": lake}
        assert dg.materialize(list(eassets.values()), selection=[eassets["user_posts"].key], tags=WEEK,
                              instance=instance, resources=ed_resources).success  # fmt: skip
        assert dg.materialize(list(eassets.values()), selection=[eassets["user_info"].key],
                              partition_key="2026-06-15", instance=instance, resources=ed_resources).success  # fmt: skip
        daily, models = build_dbt_assets(monitoring)
        dbt = {"dbt": dbt_resource(), "lake": lake}
        full = {"ops": {"dbt_daily_staging": {"config": {"full_refresh": True}}}}
        assert dg.materialize([daily], partition_key="2026-06-12", run_config=full, instance=instance,
                              resources=dbt).success  # fmt: skip
        yield Built(sandbox, tmp, lake, models, instance, mp)


def test_the_same_videos_with_the_same_attributes(built: Built) -> None:
    evaluation = built.check(0.05)
    assert evaluation.passed
    rows = built.query(
        "select username, coverage, attributes_match, observation_gap_s from marts.video_source_reconciliation "
        "where comparable"
    )
    assert len(rows) > 10
    assert {r[1] for r in rows} == {"both"} and all(r[2] for r in rows) and {r[3] for r in rows} == {0}
    assert "biki__7942" not in {r[0] for r in rows}  # private: neither source lists its videos
    assert evaluation.metadata["research_only"].value == evaluation.metadata["ensembledata_only"].value == 0


def test_at_equal_observation_times_the_deltas_are_exactly_the_research_statistics_lag(built: Built) -> None:
    columns = ", ".join(f"research_{c}, ensembledata_{c}, {c}_delta" for c in COUNTS)
    rows = built.query(
        f"select video_id, {columns} from marts.video_source_reconciliation where coverage = 'both'"
    )
    # EnsembleData's counts of the same videos 10 days earlier (the lag's bound), read at that sandbox time.
    built.sandbox.set_clock(TEN_DAYS_EARLIER)
    try:
        earlier: dict[int, dict[str, int]] = {}
        ids = [r[0] for r in rows]
        for i in range(0, len(ids), 100):
            reply = httpx.get(f"{built.sandbox.ensembledata_url}/tt/post/multi-info",
                              params={"ids": ";".join(map(str, ids[i : i + 100])), "token": built.sandbox.ed_token})  # fmt: skip
            earlier.update({int(p["aweme_id"]): p["statistics"] for p in reply.json()["data"]})
    finally:
        built.sandbox.set_clock(NOW)
    zero = below = 0
    for row in rows:
        video, values = row[0], row[1:]
        for i, (column, ed_key) in enumerate(COUNTS.items()):
            research, ensembledata, delta = values[3 * i : 3 * i + 3]
            floor = earlier.get(video, {}).get(ed_key, 0)  # created after the earlier instant: counts from 0
            assert delta == research - ensembledata <= 0, (video, column)  # never above the live counts
            assert floor <= research, (video, column)  # never older than the 10-day bound
            if floor == ensembledata:  # nothing moved in the lag window: the sources agree exactly
                assert delta == 0, (video, column)
            zero += delta == 0
            below += delta < 0
    assert zero and below  # both cases are exercised: exact agreement, and the lag showing


def test_the_check_fails_when_videos_are_missing_from_one_side_by_the_configured_share(built: Built) -> None:
    # Drop a third of one day's EnsembleData user posts, as if the source had not returned them.
    part = next(
        p for p in built.lake.partitions(ds.USER_POSTS) if (built.lake.rows(ds.USER_POSTS, p) or 0) >= 3
    )
    table = built.lake.read(ds.USER_POSTS, part)
    removed = table["aweme_id"].to_pylist()[::3]
    with built.lake.writer(ds.USER_POSTS, part) as writer:
        writer.write(
            table.filter(pc.invert(pc.is_in(table["aweme_id"], value_set=pa.array(removed, pa.int64()))))
        )
    failed = built.check(0.01)
    assert not failed.passed
    assert (
        failed.metadata["research_only"].value == len(removed)
        and failed.metadata["ensembledata_only"].value == 0
    )
    assert "seen by one source only" in (failed.description or "")
    share = failed.metadata["one_sided_share"].value
    assert built.check(round(share + 0.01, 4), rebuild=False).passed  # the threshold is the configured share
    gaps = built.query(
        "select video_id from marts.video_source_reconciliation where coverage = 'research_only' and comparable"
    )
    assert {r[0] for r in gaps} == set(removed)


def test_the_analysis_asset_charts_the_reconciliation(built: Built) -> None:
    result = dg.materialize([reconciliation_asset()], instance=built.instance)
    [event] = result.get_asset_materialization_events()
    meta = event.materialization.metadata
    assert meta["comparable_videos"].value > 10 and "chart" in meta
    assert Path(meta["chart_path"].value).exists() and meta["dagster/row_count"].value >= 3
