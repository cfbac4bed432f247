"""A new endpoint is one declaration plus its dataset: this test declares both itself — a trimmed video
dataset and the Research API's reposted videos as an account endpoint — and materializes the asset the
factory builds, against the sandbox over HTTP. Nothing in the package knows this endpoint."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow as pa

from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.defs.research.snapshots import account_asset
from tiktok_assets.endpoints.spec import Endpoint, Paging, PartitionKind
from tiktok_assets.lake.datasets import TS, Dataset
from tiktok_assets.sandbox.testing import SandboxHandle

REPOSTS = Dataset(
    "research", "reposts_slim",
    (pa.field("id", pa.int64(), nullable=False), pa.field("create_time", TS), pa.field("username", pa.string())),
    key=("id",), partition_dims=("account", "snapshot"), description="Reposted videos, three columns.",
    preview_columns=("id", "username"), aliases=(("video_id", "id"),),
)  # fmt: skip
ENDPOINT = Endpoint(
    "research", "user/reposted_videos", REPOSTS, Paging.CURSOR, PartitionKind.ACCOUNT, "username",
    "reposts_slim", "What an account reposted, as a slim snapshot.",
)  # fmt: skip


def test_a_declared_endpoint_becomes_an_asset_that_collects_the_truth(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    asset = account_asset(ENDPOINT)
    assert asset.key == dg.AssetKey(["research", "reposts_slim"])
    resources = {
        "research_api": ResearchApiResource(
            base_url=sandbox.research_url, client_key=sandbox.client_key, client_secret=sandbox.client_secret,
            ledger_url=f"sqlite:///{tmp_path / 'quota.sqlite'}",
        ),
        "lake": LakeResource(lake_dir=str(tmp_path / "lake")),
    }  # fmt: skip
    instance = dg.DagsterInstance.ephemeral()
    accounts = list(load_monitoring().accounts)
    instance.add_dynamic_partitions("accounts", accounts)
    lake: LakeResource = resources["lake"]
    collected = 0
    for account in accounts:
        result = dg.materialize([asset], partition_key=account, instance=instance, resources=resources)
        assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
        (partition,) = [p for p in lake.partitions(REPOSTS) if p["account"] == account]
        table = lake.read(REPOSTS, partition)
        assert table.schema == REPOSTS.schema
        try:
            truth = set(sandbox.truth("research", "user/reposted_videos/", {"username": account}))
        except RuntimeError:  # the sandbox refuses (a private account): an empty snapshot
            truth = set()
        assert {str(i) for i in table["id"].to_pylist()} == truth, account
        collected += table.num_rows
    assert collected > 0, "a test over empty snapshots proves nothing"
    assert (tmp_path / "lake" / "research" / "reposts_slim").is_dir()
