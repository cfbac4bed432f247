"""Every collected TikTok Research API endpoint, declared once (see ``spec``)."""

from __future__ import annotations

from tiktok_assets.endpoints.spec import Endpoint, Paging, PartitionKind
from tiktok_assets.lake.datasets import research as ds

SOURCE = "research"


def _account(path: str, dataset: ds.Dataset, paging: Paging, what: str) -> Endpoint:
    return Endpoint(
        SOURCE, path, dataset, paging, PartitionKind.ACCOUNT, "username", dataset.name,
        f"The {what} of a monitored account, partitioned by account (dynamic partitions that follow "
        "monitoring.yaml) because the API answers per account and only with the current state; each "
        "materialization is a dated snapshot (`snapshot=<UTC day>`) so history accumulates in the lake. "
        f"Lake: `research/{dataset.name}/account=<username>/snapshot=<day>/`. Private or refused accounts give "
        "an empty snapshot with the reason in metadata (`status`).",
    )  # fmt: skip


VIDEO_QUERY = Endpoint(
    SOURCE, "video/query", ds.VIDEOS, Paging.SEARCH, PartitionKind.DAY, None, "videos_{query}",
    "Named query `{query}`. Partitioned by UTC day of `create_time` because researchers ask for what was posted "
    "in a period; a backfill runs 30 days per run as one API search window and splits rows into daily files. "
    "Lake: `research/videos/query=<name>/date=<day>/`. Day D is scheduled on D+3 02:00 UTC: the API returns a "
    "video 48 hours after it is posted, so D is complete from D+3.",
    time_rule="day",
)  # fmt: skip
COMMENTS = Endpoint(
    SOURCE, "video/comment/list", ds.COMMENTS, Paging.CURSOR, PartitionKind.DAY, "video_id", "comments",
    "Comments and replies of the videos created that UTC day (any named query): partitioned like the videos so "
    "a day's conversation sits next to its videos. Only the {max_videos} most-commented videos a day "
    "(≥{min_comments} comments), because comments spend the video endpoint's 1,000 requests/day. "
    "Lake: `research/comments/date=<day>/`.",
    time_rule="after_day",
)  # fmt: skip
PLAYLISTS = Endpoint(
    SOURCE, "playlist/info", ds.PLAYLISTS, Paging.CURSOR, PartitionKind.DAY, "playlist_id", "playlists",
    "Playlists referenced by the videos created that UTC day (any named query): partitioned by day so a "
    "playlist is read as it stood when its videos were collected. Lake: `research/playlists/date=<day>/`.",
)  # fmt: skip
USER_INFO = Endpoint(
    SOURCE, "user/info", ds.USER_INFO, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "username", "user_info",
    "Profile snapshot (follower/like/video counts) of every monitored account, partitioned by the UTC day of "
    "collection: researchers compare accounts over time, and 1,000 accounts x 3 years stays 1,095 partitions. "
    "User info is live, so a partition holds what the API said when it ran (`collected_at`); run it daily "
    "(schedule) rather than backfilling the past. Private/refused accounts are rows with a `status`. "
    "Lake: `research/user_info/date=<day>/`.",
)  # fmt: skip
FOLLOWERS = _account("user/followers", ds.FOLLOWERS, Paging.CURSOR, "followers")
FOLLOWING = _account("user/following", ds.FOLLOWING, Paging.CURSOR, "following")
LIKED_VIDEOS = _account("user/liked_videos", ds.LIKED_VIDEOS, Paging.CURSOR, "liked videos")
PINNED_VIDEOS = _account("user/pinned_videos", ds.PINNED_VIDEOS, Paging.SINGLE, "pinned videos")
REPOSTED_VIDEOS = _account("user/reposted_videos", ds.REPOSTED_VIDEOS, Paging.CURSOR, "reposted videos")

ENDPOINTS: tuple[Endpoint, ...] = (
    VIDEO_QUERY, COMMENTS, PLAYLISTS, USER_INFO, FOLLOWERS, FOLLOWING, LIKED_VIDEOS, PINNED_VIDEOS, REPOSTED_VIDEOS,
)  # fmt: skip
ACCOUNT_ENDPOINTS = tuple(e for e in ENDPOINTS if e.partition is PartitionKind.ACCOUNT)


def by_path(path: str) -> Endpoint | None:
    """The declaration of an API path (``video/query``, ``/v2/research/user/info/``), if it is collected."""
    key = path.strip("/").removeprefix("v2/research/").strip("/")
    return next((e for e in ENDPOINTS if e.path == key), None)
