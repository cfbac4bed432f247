"""Helpers of the EnsembleData tests: resources against a sandbox, the demo's way of materializing every
EnsembleData asset, and reading the lake back."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pyarrow.dataset as pads

from tiktok_assets.config import Monitoring, dynamic_keys
from tiktok_assets.defs.ensembledata.assets import build_assets
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.sandbox.testing import SandboxHandle
from tiktok_assets.sandbox.world import World
from tiktok_assets.sandbox.world.catalog import catalog

NOW = "2026-06-15T12:00:00Z"
TODAY = "2026-06-15"
FIRST, LAST = "2026-05-14", "2026-06-12"  # the demo's 30 days (the Research window) at the sandbox clock


def world_posts(accounts: list[str], first: date, last: date, now: str = NOW) -> dict[date, set[int]]:
    """The truth of user posts, independent of how the asset asks: every visible post the sandbox's world
    (seed 7, small, rebuilt here) holds of each public monitored account, by UTC day of creation, pinned or not.
    A private account's posts are refused by the API (472), so none are expected."""
    world = World(7, "small")
    cat, at = catalog(world), int(datetime.fromisoformat(now).timestamp())
    out: dict[date, set[int]] = {}
    for username in accounts:
        account = world.account_by_username(username)
        if account is None or account.is_private:
            continue
        for video in cat.account_videos(account.index, at):
            day = datetime.fromtimestamp(video.create_time, UTC).date()
            if first <= day <= last:
                out.setdefault(day, set()).add(int(video.id))
    return out


def resources_for(sandbox: SandboxHandle, tmp: Path, **ed: object) -> dict:
    settings = {"base_url": sandbox.ensembledata_url, "token": sandbox.ed_token,
                "ledger_url": f"sqlite:///{tmp / 'quota.sqlite'}", **ed}  # fmt: skip
    return {
        "ensembledata": EnsembleDataResource(**settings),
        "lake": LakeResource(lake_dir=str(tmp / "lake")),
    }


def ed_assets(monitoring: Monitoring) -> dict[str, dg.AssetsDefinition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {a.key.path[-1]: a for a in build_assets(monitoring)}


def materialize_all(
    monitoring: Monitoring,
    resources: dict,
    instance: dg.DagsterInstance,
    first: str = FIRST,
    last: str = LAST,
) -> list[dg.ExecuteInProcessResult]:
    """What the demo does for EnsembleData: the day assets as one range run (the demo's 30 days unless
    ``first``..``last``), today's collection-day assets, then one run per entity of each "about X" asset."""
    assets = ed_assets(monitoring)
    everything = list(assets.values())

    def run(keys: list[str], **kw: object) -> dg.ExecuteInProcessResult:
        return dg.materialize(everything, selection=[assets[k].key for k in keys], instance=instance,
                              resources=resources, raise_on_error=False, **kw)  # fmt: skip

    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    results = [run(["user_posts", "comments"], tags=tags)]
    results.append(run(["user_info", "music_details", "post_stats"], partition_key=TODAY))
    for name, keys in dynamic_keys(monitoring).items():
        instance.add_dynamic_partitions(name, list(keys))
    by_partitioning: dict[str, list[str]] = {}
    for short, asset in assets.items():
        if isinstance(asset.partitions_def, dg.DynamicPartitionsDefinition):
            by_partitioning.setdefault(asset.partitions_def.name, []).append(short)
    for name, shorts in by_partitioning.items():
        for key in dynamic_keys(monitoring)[name]:
            results.append(run(shorts, partition_key=key))
    results.append(run(["units"], partition_key=TODAY))  # last: today's units include every call above
    return results


@dataclass
class Collected:
    sandbox: SandboxHandle
    monitoring: Monitoring
    lake: LakeResource
    results: list[dg.ExecuteInProcessResult]
    tmp: Path
    cache: dict = field(default_factory=dict)

    def rows(self, dataset: str, columns: list[str] | None = None, path: str = "") -> list[dict]:
        root = Path(self.lake.root) / "ensembledata" / dataset / path
        if not root.exists():
            return []
        return pads.dataset(root, format="parquet", partitioning="hive").to_table(columns=columns).to_pylist()
