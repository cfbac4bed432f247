"""Every research asset, 30 days of the shipped monitoring.yaml, against the sandbox over HTTP: the lake's key
sets equal the sandbox's truth, every asset check passes, spend stays near the minimum."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads
import pytest

from tiktok_assets.config import Monitoring, load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.endpoints.research import ACCOUNT_ENDPOINTS
from tiktok_assets.lake import datasets
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

ACCOUNT_DATASETS = [e.dataset.name for e in ACCOUNT_ENDPOINTS]

# 30 days ending on the last complete searchable day at the sandbox clock (2026-06-15 12:00):
# date(now - 48h) - 1 day, the daily partitions' last partition then.
FIRST, LAST = ("2026-05-14", "2026-06-12")
TODAY = "2026-06-15"


@dataclass
class Collected:
    sandbox: SandboxHandle
    monitoring: Monitoring
    lake: LakeResource
    results: list[dg.ExecuteInProcessResult]
    snapshot: str

    def ids(self, dataset: str, path: str, column: str = "id") -> set:
        root = Path(self.lake.root) / "research" / dataset / path
        return set(
            pads.dataset(root, format="parquet", partitioning="hive")
            .to_table(columns=[column])[column]
            .to_pylist()
        )


def resources_for(sandbox: SandboxHandle, tmp: Path) -> dict:
    api = ResearchApiResource(
        base_url=sandbox.research_url, client_key=sandbox.client_key, client_secret=sandbox.client_secret,
        ledger_url=f"sqlite:///{tmp / 'quota.sqlite'}",
    )  # fmt: skip
    return {"research_api": api, "lake": LakeResource(lake_dir=str(tmp / "lake"))}


def materialize_all(monitoring: Monitoring, resources: dict, instance: dg.DagsterInstance) -> list:
    """What `tiktok-assets demo` does: daily assets as one range run, today's snapshot, each account."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = research.build_assets(monitoring)
    by_key = {a.key.path[-1]: a for a in assets}
    daily = [a.key for a in assets if a.partitions_def == by_key["comments"].partitions_def]
    results = [
        dg.materialize(assets, selection=daily, instance=instance, resources=resources,
                       tags={"dagster/asset_partition_range_start": FIRST, "dagster/asset_partition_range_end": LAST}),
        dg.materialize(assets, selection=[by_key["user_info"].key], instance=instance, resources=resources,
                       partition_key=TODAY),
    ]  # fmt: skip
    instance.add_dynamic_partitions("accounts", list(monitoring.accounts))
    account_keys = [by_key[d].key for d in ACCOUNT_DATASETS]
    for account in monitoring.accounts:
        results.append(dg.materialize(assets, selection=account_keys, instance=instance, resources=resources,
                                      partition_key=account))  # fmt: skip
    return results


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    tmp = tmp_path_factory.mktemp("collect")
    monitoring = load_monitoring()  # the shipped file
    # A fixed clock never opens a new minute: lift the per-minute limit, keep the real daily quotas.
    with running_sandbox(per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp)
        results = materialize_all(monitoring, resources, dg.DagsterInstance.ephemeral())
        snapshot = resources["lake"].partitions(rds.FOLLOWERS)[0]["snapshot"]
        yield Collected(sandbox, monitoring, resources["lake"], results, snapshot)


def _days() -> list[str]:
    from datetime import date, timedelta

    start = date.fromisoformat(FIRST)
    return [(start + timedelta(days=i)).isoformat() for i in range(30)]


def test_every_run_succeeds_and_every_check_passes(collected: Collected) -> None:
    assert all(r.success for r in collected.results)
    pdef = research.build_assets(collected.monitoring)[0].partitions_def
    assert pdef.get_partition_keys(current_time=datetime(2026, 6, 15, 12, tzinfo=UTC))[-1] == LAST
    evaluations = [e for r in collected.results for e in r.get_asset_check_evaluations()]
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert evaluations and not failed
    checked = {e.asset_key.path[-1] for e in evaluations}
    assert checked >= {"comments", "playlists", "user_info", *ACCOUNT_DATASETS}


def test_videos_equal_truth_and_spend_is_near_the_minimum(collected: Collected) -> None:
    sandbox = collected.sandbox
    minimum = 0
    for q in collected.monitoring.queries:
        body = {"query": q.query, "start_date": FIRST.replace("-", ""), "end_date": LAST.replace("-", "")}
        truth = {int(k) for k in sandbox.truth("research", "video/query/", body)}
        assert collected.ids("videos", f"query={q.name}") == truth, q.name
        minimum += math.ceil(len(truth) / 100) or 1
    spent = sandbox.stats()["requests"]["research /v2/research/video/query/"]["200"]
    assert spent <= minimum + 1 + math.ceil(0.1 * minimum), (spent, minimum)  # one window per query


def test_every_day_is_a_partition_even_when_empty(collected: Collected) -> None:
    for q in collected.monitoring.queries:
        days = [p["date"] for p in collected.lake.partitions(rds.VIDEOS) if p["query"] == q.name]
        assert days == _days()


def test_comments_equal_truth_for_the_selected_videos(collected: Collected) -> None:
    root = Path(collected.lake.root) / "research" / "comments"
    table = pads.dataset(root, format="parquet", partitioning="hive").to_table(columns=["id", "video_id"])
    by_video: dict[int, set[int]] = {}
    for row in table.to_pylist():
        by_video.setdefault(row["video_id"], set()).add(row["id"])
    assert 0 < len(by_video) <= 5 * 30
    for video_id, ids in list(by_video.items())[:40]:  # truth per video costs a page walk: sample 40
        truth = {
            int(k) for k in collected.sandbox.truth("research", "video/comment/list/", {"video_id": video_id})
        }
        assert ids == truth, video_id


def test_playlists_equal_truth(collected: Collected) -> None:
    playlists = collected.lake.partitions(rds.PLAYLISTS)
    assert len(playlists) == 30
    seen = 0
    for part in playlists:
        for row in collected.lake.read(rds.PLAYLISTS, part).to_pylist():
            truth = [
                int(k)
                for k in collected.sandbox.truth(
                    "research", "playlist/info/", {"playlist_id": row["playlist_id"]}
                )
            ]
            assert row["playlist_video_ids"] == truth
            seen += 1
    assert seen > 0


def test_user_info_records_every_account(collected: Collected) -> None:
    rows = {r["username"]: r for r in collected.lake.read(rds.USER_INFO, {"date": TODAY}).to_pylist()}
    assert set(rows) == set(collected.monitoring.accounts)
    assert rows["biki__7942"]["status"] == "private"  # a private account in the sandbox world
    assert all(r["follower_count"] is not None for u, r in rows.items() if r["status"] == "ok")


@pytest.mark.parametrize("dataset", ACCOUNT_DATASETS)
def test_account_snapshots_equal_truth(collected: Collected, dataset: str) -> None:
    path = {"followers": "user/followers/", "following": "user/following/", "liked_videos": "user/liked_videos/",
            "pinned_videos": "user/pinned_videos/", "reposted_videos": "user/reposted_videos/"}[dataset]  # fmt: skip
    column = "username" if dataset in ("followers", "following") else "id"
    for account in collected.monitoring.accounts:
        table = collected.lake.read(
            datasets.get("research", dataset), {"account": account, "snapshot": collected.snapshot}
        )
        assert table is not None, account
        got = set(table[column].to_pylist())
        try:
            truth = set(collected.sandbox.truth("research", path, {"username": account}))
        except RuntimeError:  # the sandbox refuses: private account, hidden likes…
            assert got == set(), account
            continue
        assert {str(k) for k in got} == truth, (dataset, account)


def test_account_snapshots_are_not_trivially_empty(collected: Collected) -> None:
    totals = {d: sum(collected.lake.read(datasets.get("research", d), {"account": a, "snapshot": collected.snapshot}).num_rows
                     for a in collected.monitoring.accounts) for d in ACCOUNT_DATASETS}  # fmt: skip
    assert totals["followers"] > 0 and totals["following"] > 0 and totals["liked_videos"] > 0, totals


def test_a_90_day_backfill_spends_the_fewest_requests_possible(tmp_path: Path) -> None:
    """Three 30-day range runs (what BackfillPolicy.multi_run(30) launches) per query: one search window each."""
    from datetime import UTC, date, datetime, timedelta

    from tiktok_assets.sandbox.research import parse_query, run_search
    from tiktok_assets.sandbox.world import World

    monitoring = load_monitoring()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = research.build_assets(monitoring)
    videos = [a for a in assets if a.key.path[-1].startswith("videos_")]
    chunks = [
        (date(2026, 3, 15) + timedelta(days=30 * i), date(2026, 3, 15) + timedelta(days=30 * i + 29))
        for i in range(3)
    ]
    now = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
    world = World(7, "small")
    with running_sandbox(per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp_path)
        for start, end in chunks:
            tags = {
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            }
            assert dg.materialize(
                assets, selection=[a.key for a in videos], resources=resources, tags=tags
            ).success
        spent = sandbox.stats()["requests"]["research /v2/research/video/query/"]["200"]
    # The API pages over every match and drops deleted/private videos afterwards, so this is the floor.
    floor = sum(
        max(1, math.ceil(len(run_search(world, parse_query(q.query), s, e, now, 48 * 3600)) / 100))
        for q in monitoring.queries
        for s, e in chunks
    )
    assert spent == floor
    assert len(resources["lake"].partitions(rds.VIDEOS)) == 90 * len(videos)
