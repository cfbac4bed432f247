"""Metadata that tells the truth, against the sandbox over HTTP: a range run's partitions each carry their own
rows, file, preview and window; requests sit on a partition only when its API calls were its own, else on
the run's summary; quota left is counted on the backend's day; a failed run still leaves what it spent; the
checks that guard keys block downstream assets."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tiktok_assets.collect import catalog, checks
from tiktok_assets.collect.metadata import RUN_REQUESTS, finish
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake import layout
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

SANDBOX_NOW = "2026-06-15T12:00:00Z"
DAYS = ["2026-06-10", "2026-06-11", "2026-06-12"]
RANGE = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}


@dataclass
class Ran:
    sandbox: SandboxHandle
    lake: LakeResource
    result: dg.ExecuteInProcessResult
    research_api: ResearchApiResource

    def materializations(self, asset: str) -> dict[str, dict[str, Any]]:
        events = self.result.get_asset_materialization_events()
        return {
            e.partition: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in events
            if e.asset_key.path[-1] == asset
        }

    def summary(self, asset: str) -> dict[str, Any]:
        (event,) = [o for o in self.result.get_asset_observation_events() if o.asset_key.path[-1] == asset]
        return {k: v.value for k, v in event.asset_observation_data.asset_observation.metadata.items()}

    def sandbox_requests(self, path: str) -> int:
        return sum(self.sandbox.stats()["requests"].get(f"research /v2/research/{path}/", {}).values())


def resources_for(sandbox: SandboxHandle, tmp: Path, **api: Any) -> dict[str, Any]:
    research_api = ResearchApiResource(
        base_url=sandbox.research_url, client_key=sandbox.client_key, client_secret=sandbox.client_secret,
        ledger_url=f"sqlite:///{tmp / 'quota.sqlite'}", **api,
    )  # fmt: skip
    return {"research_api": research_api, "lake": LakeResource(lake_dir=str(tmp / "lake"))}


def daily_assets() -> list[dg.AssetsDefinition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return research.build_assets(load_monitoring())


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    """Three days of the daily assets as one range run, on the backend's clock (a day the wall clock is not)."""
    tmp = tmp_path_factory.mktemp("metadata")
    with (
        pytest.MonkeyPatch.context() as mp,
        running_sandbox(now=SANDBOX_NOW, per_minute=1_000_000) as sandbox,
    ):
        mp.setenv("TIKTOK_CLOCK_NOW", SANDBOX_NOW)
        resources = resources_for(sandbox, tmp)
        assets = daily_assets()
        keys = [
            a.key
            for a in assets
            if a.key.path[-1].startswith("videos_") or a.key.path[-1] in ("comments", "playlists")
        ]
        result = dg.materialize(assets, selection=keys, resources=resources, tags=RANGE)  # fmt: skip
        assert result.success
        yield Ran(sandbox, resources["lake"], result, resources["research_api"])


def test_each_partition_carries_its_own_rows_file_preview_and_window(ran: Ran) -> None:
    for asset, dataset in (
        ("videos_pets", rds.VIDEOS),
        ("comments", rds.COMMENTS),
        ("playlists", rds.PLAYLISTS),
    ):
        by_day = ran.materializations(asset)
        assert sorted(by_day) == DAYS
        for day, meta in by_day.items():
            part = {"query": "pets", "date": day} if dataset is rds.VIDEOS else {"date": day}
            table = ran.lake.read(dataset, part)
            assert meta["dagster/row_count"] == table.num_rows
            assert meta["dagster/uri"] == ran.lake.path(dataset, part).as_uri()
            next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
            assert meta["window"] == f"{day}T00:00:00Z/{next_day}T00:00:00Z"
            key = dataset.key[0]
            shown = str(table[key][0].as_py()) if table.num_rows else "_no rows_"
            assert shown in meta["preview"], (asset, day)  # the partition's own first row, not another day's
            assert not any(k.startswith(("run_", "quota_")) for k in meta), meta.keys()
            assert "dagster/column_schema" not in meta  # static: the definition carries it
    previews = [m["preview"] for m in ran.materializations("comments").values()]
    assert len(set(previews)) == len(previews)  # three days, three previews


def test_requests_sit_on_a_partition_only_when_its_calls_were_its_own(ran: Ran) -> None:
    comments = ran.materializations("comments")
    per_day = [meta["requests_spent"] for meta in comments.values()]
    assert all(n > 0 for n in per_day)
    assert sum(per_day) == ran.summary("comments")[RUN_REQUESTS] == ran.sandbox_requests("video/comment/list")
    # One search covers the three days of a query: its requests are the run's, on no partition.
    videos = ran.materializations("videos_pets")
    assert not any("requests_spent" in meta for meta in videos.values())
    searches = sum(ran.summary(f"videos_{q.name}")[RUN_REQUESTS] for q in load_monitoring().queries)
    assert searches == ran.sandbox_requests("video/query")
    summary = ran.summary("videos_pets")
    assert summary["run_partitions"] == 3 and summary["run_window"] == f"{DAYS[0]}..{DAYS[-1]}"
    assert summary["run_rows"] == sum(m["dagster/row_count"] for m in videos.values())


def test_quota_left_is_counted_on_the_backend_day(ran: Ran) -> None:
    assert datetime.now(UTC).date().isoformat() != SANDBOX_NOW[:10], "needs a wall clock off the sandbox day"
    spent = ran.sandbox_requests("video/query") + ran.sandbox_requests("video/comment/list")
    last = ran.summary("playlists")  # the run's last step: everything before it is spent
    assert last["quota_video_requests_left"] == 1_000 - spent
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOK_CLOCK_NOW", SANDBOX_NOW)
        assert ran.research_api.quota_left()["video_requests_left"] == 1_000 - spent


def test_the_definition_carries_the_catalog_conventions() -> None:
    by_name = {a.key.path[-1]: a for a in daily_assets()}
    videos, comments = by_name["videos_pets"], by_name["comments"]
    spec = next(iter(videos.specs))
    assert spec.owners == catalog.OWNERS["collection"] and spec.kinds == {"tiktok", "parquet"}
    assert spec.tags["tiktok/dataset"] == "videos" and spec.tags["tiktok/partitioning"] == "day"
    assert spec.metadata["dagster/table_name"] == "research.videos"
    assert spec.metadata["dagster/uri"].startswith("file://") and spec.metadata["dagster/uri"].endswith(
        "/research/videos"
    )
    schema = spec.metadata["dagster/column_schema"]
    assert {c.name for c in schema.columns} == set(rds.VIDEOS.schema.names)
    assert all(c.description for c in schema.columns)
    assert next(c for c in schema.columns if c.name == "id").constraints.nullable is False
    # The code version follows what decides the rows: each query its own, stable across loads.
    versions = {a.key.path[-1]: next(iter(a.specs)).code_version for a in daily_assets()}
    assert (
        versions["videos_pets"] == spec.code_version
        and versions["videos_pets"] != versions["videos_cooking_us"]
    )
    blocking = {s.name: s.blocking for s in comments.check_specs}
    assert blocking == {"unique_keys": True, "non_null_ids": True, "counts_non_negative": False,
                        "create_time_in_partition": False, "no_quarantined_rows": False}  # fmt: skip


def test_a_failed_run_still_leaves_what_it_spent(tmp_path: Path) -> None:
    """The video quota runs out mid-comments: the run fails on the quota, its summary keeps the requests."""
    with running_sandbox(now=SANDBOX_NOW, per_minute=1_000_000, research_daily_requests=10) as sandbox:
        resources = resources_for(sandbox, tmp_path)
        assets = daily_assets()
        keys = [a.key for a in assets if a.key.path[-1].startswith("videos_") or a.key.path[-1] == "comments"]
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            assets, selection=keys, resources=resources, tags=RANGE, raise_on_error=False, instance=instance
        )
        assert not result.success
        # Read where the UI and data_quality read: the instance's event log (a failed step's events are there).
        records = instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION)
        summaries = {
            r.event_log_entry.asset_observation.asset_key.path[
                -1
            ]: r.event_log_entry.asset_observation.metadata
            for r in records.records
        }
        failed = summaries["comments"]
        assert failed["run_outcome"].value in ("failed: QuotaExhaustedError", "failed: BudgetExceededError")
        # Requests sent, as a page's figure counts them (retries included): the 200s and the 429 that stopped
        # the run (refused before the quota counted it: the ledger releases it, the run's figure keeps it).
        served = sandbox.stats()["requests"]["research /v2/research/video/comment/list/"]
        assert served.get("429") == 1 and served["200"] > 0
        assert failed[RUN_REQUESTS].value == sum(served.values())
        assert "run_rows" not in failed  # it stopped before counting what it stored


# --- the checks that guard keys block what is downstream ---------------------------------------------------

TINY = Dataset(
    "research", "tiny", (pa.field("id", pa.int64(), nullable=False), pa.field("view_count", pa.int64())),
    key=("id",), partition_dims=("date",), column_docs=(("id", "Row id."), ("view_count", "Views.")),
)  # fmt: skip
DAILY = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-04")


def tiny_assets(lake_dir: Path) -> list[dg.AssetsDefinition]:
    key = dg.AssetKey(["research", "tiny"])

    @dg.asset(**catalog.lake_asset(key, TINY, api_kind="tiktok", partitioning="day", time_rule=None),
              partitions_def=DAILY)  # fmt: skip
    def tiny(context) -> dg.MaterializeResult:  # noqa: ANN001 (Dagster reads the annotation; this module defers them)
        parts = {k: {"date": k} for k in context.partition_keys}
        storage = LakeResource(lake_dir=str(lake_dir)).storage
        return finish(context, storage, TINY, parts, Spend(), {}, time_rule=None)

    @dg.asset(partitions_def=DAILY, deps=[tiny])
    def downstream() -> None:
        return None

    return [tiny, downstream]


def write_partition(lake_dir: Path, day: str, rows: list[dict]) -> None:
    path = lake_dir / layout.partition_key(TINY, {"date": day})
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=TINY.schema.remove_metadata()).cast(TINY.schema)
    pq.write_table(table, path)


@pytest.mark.parametrize(
    ("rows", "blocked", "failed_checks"),
    [
        ([{"id": 1, "view_count": 1}, {"id": 1, "view_count": 1}], True, {"unique_keys"}),  # a key twice
        ([{"id": 1, "view_count": -5}], False, {"counts_non_negative"}),  # a WARN: downstream still runs
    ],
)
def test_failing_key_checks_block_downstream_and_warnings_do_not(
    tmp_path: Path, rows: list[dict], blocked: bool, failed_checks: set[str]
) -> None:
    lake_dir = tmp_path / "lake"
    stamp = {
        "collected_at": datetime(2026, 1, 2, tzinfo=UTC),
        "window_start": None,
        "window_end": None,
        "extra_json": None,
    }
    write_partition(
        lake_dir, "2026-01-02", [{**r, **stamp} for r in rows]
    )  # a lake file a broken writer left
    result = dg.materialize(tiny_assets(lake_dir), partition_key="2026-01-02", raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {n for n, e in evaluations.items() if not e.passed} == failed_checks
    for name in failed_checks:
        assert evaluations[name].severity == checks.severity_of(name)[0]
    ran_downstream = any(
        e.asset_key.path == ["downstream"] for e in result.get_asset_materialization_events()
    )
    assert ran_downstream is not blocked
    assert result.success is not blocked
