"""How an API endpoint becomes a collection, declared as data (the way dlt's REST sources describe theirs).

A declaration names the API path, how it pages, what the Dagster partition key means for it, which request
parameter the key (or the partition's fan-out) fills, and the lake dataset it writes. The asset factory of
each source (``tiktok_assets.defs.<source>``) turns a declaration into an asset; ``tiktok-assets fetch`` reads
the endpoint → dataset mapping from the same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tiktok_assets.lake.datasets import Dataset


class Paging(StrEnum):
    SEARCH = "search"  # a search over a date window: cursor + search_id, newest first, resumable by id
    CURSOR = "cursor"  # cursor/has_more to the end
    SINGLE = "single"  # one response


class PartitionKind(StrEnum):
    # The UTC day of the item's creation ("what was posted in this period"). A range run is one API window.
    DAY = "day"
    # The UTC day of collection: live data (profiles) observed that day.
    COLLECTION_DAY = "collection_day"
    # One monitored account; each materialization is a dated snapshot (the API answers only the present).
    ACCOUNT = "account"
    # One monitored hashtag / keyword / sound ("about X"); each materialization is a dated snapshot.
    HASHTAG = "hashtag"
    KEYWORD = "keyword"
    MUSIC = "music"


@dataclass(frozen=True)
class Endpoint:
    source: str
    path: str  # the API's own path (``user/followers``)
    dataset: Dataset
    paging: Paging
    partition: PartitionKind
    # The request parameter the partition key fills (``username`` for an account), or that the run fans
    # out over (``video_id`` for each video of the day); None when the window itself is the parameter.
    fills: str | None
    asset_name: str  # the asset's key inside its source's group (``followers`` → ``research/followers``)
    description: str
    # Asset check of the dataset's time column against the partition's day: "day" (inside it), "after_day"
    # (not before it), or None.
    time_rule: str | None = None
