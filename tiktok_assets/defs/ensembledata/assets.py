"""The ensembledata group's assets, from the endpoint declarations (``endpoints.ensembledata``) and
monitoring.yaml, by partitioning: posted days (user posts, comments), collection days (profiles, sound
details, post statistics, units) and one dynamic partitioning per "about X" entity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from tiktok_assets.config import Monitoring
from tiktok_assets.defs.ensembledata import automation
from tiktok_assets.defs.ensembledata.days import comments_asset, user_posts_asset
from tiktok_assets.defs.ensembledata.observed import (
    music_details_asset,
    post_stats_asset,
    units_asset,
    user_info_asset,
)
from tiktok_assets.defs.ensembledata.partitions import collection_days, posted_days
from tiktok_assets.defs.ensembledata.snapshots import snapshot_asset
from tiktok_assets.defs.source_defs import source_definitions
from tiktok_assets.defs.writers import dataset_writers
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints.spec import PartitionKind
from tiktok_assets.lake.datasets import research as rds


def assets_by_kind(monitoring: Monitoring) -> dict[PartitionKind, list[dg.AssetsDefinition]]:
    posted = posted_days(monitoring.start_date, monitoring.end_date)
    observed = collection_days(monitoring.start_date)
    user_posts = user_posts_asset(monitoring, posted)
    # post_stats observes again what either source stored: ED user posts and every Research video query.
    research_videos = dataset_writers(monitoring).get(rds.VIDEOS, [])
    by_kind: dict[PartitionKind, list[dg.AssetsDefinition]] = {
        PartitionKind.DAY: [user_posts, comments_asset(monitoring, posted, user_posts.key)],
        PartitionKind.COLLECTION_DAY: [
            user_info_asset(monitoring, observed),
            music_details_asset(monitoring, observed),
            post_stats_asset(monitoring, observed, [user_posts.key, *research_videos]),
            units_asset(observed),
        ],
    }
    for endpoint in ed.SNAPSHOT_ENDPOINTS:
        by_kind.setdefault(endpoint.partition, []).append(snapshot_asset(endpoint, monitoring))
    return by_kind


def build_assets(monitoring: Monitoring) -> list[dg.AssetsDefinition]:
    return [a for group in assets_by_kind(monitoring).values() for a in group]


def build_defs(monitoring: Monitoring, resources: Mapping[str, Any] | None = None) -> dg.Definitions:
    """Assets, jobs, schedules and the units-retry sensor."""
    return source_definitions(assets_by_kind(monitoring), automation.build, resources)
