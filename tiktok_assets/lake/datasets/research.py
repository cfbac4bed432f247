"""The TikTok Research API's datasets in the lake (``<lake>/research/<name>/…``)."""

from __future__ import annotations

import pyarrow as pa

from tiktok_assets.lake.datasets.base import TS, Dataset

SOURCE = "research"

VIDEO_FIELDS: tuple[pa.Field, ...] = (
    pa.field("id", pa.int64(), nullable=False),
    pa.field("create_time", TS),
    pa.field("username", pa.string()),
    pa.field("region_code", pa.string()),
    pa.field("video_description", pa.string()),
    pa.field("music_id", pa.int64()),
    pa.field("hashtag_names", pa.list_(pa.string())),
    pa.field("effect_ids", pa.list_(pa.string())),
    pa.field("playlist_id", pa.int64()),
    pa.field("voice_to_text", pa.string()),
    pa.field("is_stem_verified", pa.bool_()),
    pa.field("video_duration", pa.int64()),
    pa.field("view_count", pa.int64()),
    pa.field("like_count", pa.int64()),
    pa.field("comment_count", pa.int64()),
    pa.field("share_count", pa.int64()),
    pa.field("favorites_count", pa.int64()),
    pa.field(
        "hashtag_info_list",
        pa.list_(pa.struct([("hashtag_id", pa.int64()), ("hashtag_description", pa.string())])),
    ),
    pa.field(
        "sticker_info_list", pa.list_(pa.struct([("sticker_id", pa.string()), ("sticker_name", pa.string())]))
    ),
    pa.field(
        "effect_info_list",
        pa.list_(
            pa.struct(
                [("effect_id", pa.string()), ("effect_name", pa.string()), ("effect_photo_url", pa.string())]
            )
        ),
    ),
    pa.field("video_mention_list", pa.list_(pa.string())),
    pa.field("video_label", pa.struct([("content", pa.string())])),
    pa.field("video_tag", pa.struct([("type", pa.string()), ("number", pa.int64())])),
)

COMMENT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("id", pa.int64(), nullable=False),
    pa.field("video_id", pa.int64()),
    pa.field("parent_comment_id", pa.int64()),
    pa.field("text", pa.string()),
    pa.field("like_count", pa.int64()),
    pa.field("reply_count", pa.int64()),
    pa.field("create_time", TS),
    pa.field("display_name", pa.string()),
)

USER_INFO_FIELDS: tuple[pa.Field, ...] = (
    pa.field("username", pa.string(), nullable=False),
    # "ok", or why the API would not return the account: "private" | "not_found" | "refused".
    pa.field("status", pa.string()),
    pa.field("display_name", pa.string()),
    pa.field("bio_description", pa.string()),
    pa.field("bio_url", pa.string()),
    pa.field("avatar_url", pa.string()),
    pa.field("is_verified", pa.bool_()),
    pa.field("follower_count", pa.int64()),
    pa.field("following_count", pa.int64()),
    pa.field("likes_count", pa.int64()),
    pa.field("video_count", pa.int64()),
)

EDGE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("username", pa.string(), nullable=False),
    pa.field("display_name", pa.string()),
)

PLAYLIST_FIELDS: tuple[pa.Field, ...] = (
    pa.field("playlist_id", pa.int64(), nullable=False),
    pa.field("playlist_name", pa.string()),
    pa.field("playlist_item_total", pa.int64()),
    pa.field("playlist_last_updated", TS),
    pa.field("playlist_video_ids", pa.list_(pa.int64())),
)

_VIDEO_PREVIEW = ("id", "create_time", "username", "region_code", "view_count", "video_description")
_EDGE_PREVIEW = ("username", "display_name")
_VIDEO_ALIASES = (("video_id", "id"),)
_ACCOUNT_DIMS = ("account", "snapshot")  # the account, and the UTC day of collection


def _account_videos(name: str, what: str) -> Dataset:
    return Dataset(
        SOURCE, name, VIDEO_FIELDS, ("id",), _ACCOUNT_DIMS, f"Videos `account` {what}, as of the `snapshot` day.",
        preview_columns=_VIDEO_PREVIEW, aliases=_VIDEO_ALIASES,
    )  # fmt: skip


VIDEOS = Dataset(
    SOURCE, "videos", VIDEO_FIELDS, ("id",), ("query", "date"),
    "Videos of one named query, one UTC day of create_time per partition.",
    time_column="create_time", preview_columns=_VIDEO_PREVIEW, aliases=_VIDEO_ALIASES,
)  # fmt: skip
COMMENTS = Dataset(
    SOURCE, "comments", COMMENT_FIELDS, ("id",), ("date",),
    "Comments and replies of the videos created that day.", time_column="create_time",
    preview_columns=("id", "video_id", "create_time", "like_count", "reply_count", "text"),
)  # fmt: skip
USER_INFO = Dataset(
    SOURCE, "user_info", USER_INFO_FIELDS, ("username",), ("date",),
    "Daily profile snapshot of each monitored account.",
    preview_columns=("username", "status", "follower_count", "following_count", "likes_count", "video_count"),
)  # fmt: skip
FOLLOWERS = Dataset(
    SOURCE, "followers", EDGE_FIELDS, ("username",), _ACCOUNT_DIMS,
    "Who follows `account`, as of the `snapshot` day.", preview_columns=_EDGE_PREVIEW,
)  # fmt: skip
FOLLOWING = Dataset(
    SOURCE, "following", EDGE_FIELDS, ("username",), _ACCOUNT_DIMS,
    "Whom `account` follows, as of the `snapshot` day.", preview_columns=_EDGE_PREVIEW,
)  # fmt: skip
LIKED_VIDEOS = _account_videos("liked_videos", "liked")
PINNED_VIDEOS = _account_videos("pinned_videos", "pinned")
REPOSTED_VIDEOS = _account_videos("reposted_videos", "reposted")
PLAYLISTS = Dataset(
    SOURCE, "playlists", PLAYLIST_FIELDS, ("playlist_id",), ("date",),
    "Playlists referenced by the videos created that day.",
    preview_columns=("playlist_id", "playlist_name", "playlist_item_total", "playlist_last_updated"),
)  # fmt: skip

DATASETS: tuple[Dataset, ...] = (
    VIDEOS, COMMENTS, USER_INFO, FOLLOWERS, FOLLOWING, LIKED_VIDEOS, PINNED_VIDEOS, REPOSTED_VIDEOS, PLAYLISTS,
)  # fmt: skip
