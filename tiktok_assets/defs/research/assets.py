"""The research group's assets, from the endpoint declarations (``endpoints.research``) and monitoring.yaml:
one video asset per named query, the day fan-outs (comments, playlists), the daily profile snapshot and one
asset per account endpoint. Each carries the freshness policy of its schedule's cadence (monitoring.yaml
``freshness``): the day and profile collections run daily, the account snapshots weekly."""

import warnings
from collections.abc import Mapping
from typing import Any

import dagster as dg

from tiktok_assets.collect.automation import with_freshness
from tiktok_assets.config import Monitoring
from tiktok_assets.defs.research import automation
from tiktok_assets.defs.research.day_fanout import comments_asset, playlists_asset
from tiktok_assets.defs.research.partitions import daily_partitions, snapshot_partitions
from tiktok_assets.defs.research.snapshots import account_asset, user_info_asset
from tiktok_assets.defs.research.videos import video_asset
from tiktok_assets.defs.source_defs import source_definitions
from tiktok_assets.endpoints.research import ACCOUNT_ENDPOINTS
from tiktok_assets.endpoints.spec import PartitionKind


def assets_by_kind(monitoring: Monitoring) -> dict[PartitionKind, list[dg.AssetsDefinition]]:
    daily = daily_partitions(monitoring.start_date, monitoring.end_date)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # backfill_policy is beta; we rely on it knowingly
        videos = [video_asset(q, daily) for q in monitoring.queries]
        video_keys = [a.key for a in videos]
        by_kind = {
            PartitionKind.DAY: [
                *videos,
                comments_asset(monitoring, video_keys, daily),
                playlists_asset(monitoring, video_keys, daily),
            ],
            PartitionKind.COLLECTION_DAY: [
                user_info_asset(monitoring, snapshot_partitions(monitoring.start_date))
            ],
            PartitionKind.ACCOUNT: [account_asset(e) for e in ACCOUNT_ENDPOINTS],
        }
    return {
        kind: with_freshness(group, monitoring.freshness.of(automation.CADENCE[kind]))
        for kind, group in by_kind.items()
    }


def build_assets(monitoring: Monitoring) -> list[dg.AssetsDefinition]:
    return [a for group in assets_by_kind(monitoring).values() for a in group]


def build_defs(monitoring: Monitoring, resources: Mapping[str, Any] | None = None) -> dg.Definitions:
    """Assets, jobs, schedules and the quota-retry sensor."""
    return source_definitions(assets_by_kind(monitoring), automation.build, resources)
