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

# What each column holds, from the API reference (shared/reference/research-api.md) and how we store it.
_STATS_LAG = "as the API reported it at collection (its statistics can lag up to 10 days)"
VIDEO_DOCS: tuple[tuple[str, str], ...] = (
    ("id", "Video id (int64, exact; ids grow with time, so searches return the newest first)."),
    ("create_time", "When the video was posted (UTC)."),
    ("username", "The author's username."),
    ("region_code", "Two-letter code of the region the video was uploaded from."),
    ("video_description", "The video's caption (NUL bytes stripped)."),
    ("music_id", "Id of the sound the video uses."),
    ("hashtag_names", "Hashtags of the caption, without '#'."),
    ("effect_ids", "Ids of the effects used."),
    ("playlist_id", "The playlist the video belongs to; null when in none."),
    ("voice_to_text", "Transcript of the video's speech, when TikTok made one."),
    ("is_stem_verified", "Whether TikTok verified the video as STEM content."),
    ("video_duration", "Length in seconds."),
    ("view_count", f"Views, {_STATS_LAG}."),
    ("like_count", f"Likes, {_STATS_LAG}."),
    ("comment_count", f"Comments, {_STATS_LAG}."),
    ("share_count", f"Shares, {_STATS_LAG}."),
    ("favorites_count", f"Times saved as a favourite, {_STATS_LAG}."),
    ("hashtag_info_list", "The caption's hashtags with their ids and descriptions: [{hashtag_id, hashtag_description}]."),
    ("sticker_info_list", "Stickers on the video: [{sticker_id, sticker_name}]."),
    ("effect_info_list", "Effects used, with names and preview images: [{effect_id, effect_name, effect_photo_url}]."),
    ("video_mention_list", "Usernames mentioned in the video."),
    ("video_label", "TikTok's label on the video (e.g. a content warning): {content}."),
    ("video_tag", "TikTok's tag on the video: {type, number}."),
)  # fmt: skip
_ACCOUNT_DIM_DOCS = (
    ("account", "Hive dim: the monitored account (username) whose list this is."),
    ("snapshot", "Hive dim: the UTC day the list was collected (the API only answers the present)."),
)
COMMENT_DOCS: tuple[tuple[str, str], ...] = (
    ("id", "Comment id (int64, exact)."),
    ("video_id", "The commented video."),
    ("parent_comment_id", "The video's id for a top-level comment (as the API sends it), the comment replied to for a reply."),
    ("text", "The comment's text; the API masks personal data in it (40******30)."),
    ("like_count", "Likes of the comment."),
    ("reply_count", "Direct replies to the comment, as the API reports them."),
    ("create_time", "When the comment was posted (UTC)."),
    ("display_name", "The commenter's display name (the API sends it for replies only)."),
    ("date", "Hive dim: the UTC creation day of the commented video (comments sit beside their videos)."),
)  # fmt: skip
USER_INFO_DOCS: tuple[tuple[str, str], ...] = (
    ("username", "The monitored account."),
    ("status", "'ok', or why the API returned no profile: 'private' | 'not_found' | 'refused'."),
    ("display_name", "The account's display name."),
    ("bio_description", "The profile's bio text."),
    ("bio_url", "The link in the profile's bio."),
    ("avatar_url", "The profile picture's URL (it expires)."),
    ("is_verified", "Whether TikTok verified the account."),
    ("follower_count", "Followers at collection time (live)."),
    ("following_count", "Accounts it follows at collection time (live)."),
    ("likes_count", "Likes its videos received in total, at collection time (live)."),
    ("video_count", "Videos it has posted, at collection time (live)."),
    ("date", "Hive dim: the UTC day of collection (user info is live data, one snapshot a day)."),
)
PLAYLIST_DOCS: tuple[tuple[str, str], ...] = (
    ("playlist_id", "Playlist id (int64, exact)."),
    ("playlist_name", "The playlist's name."),
    ("playlist_item_total", "Videos in the playlist, as the API reports it."),
    ("playlist_last_updated", "When the playlist last changed (UTC)."),
    ("playlist_video_ids", "Every video id of the playlist, across its pages, in the API's order."),
    ("date", "Hive dim: the UTC creation day of the collected videos that cite the playlist."),
)


def _edge_docs(who: str) -> tuple[tuple[str, str], ...]:
    return (
        ("username", f"An account {who} (only public accounts are listed; about 5,000 are reachable)."),
        ("display_name", "That account's display name."),
        *_ACCOUNT_DIM_DOCS,
    )


_VIDEO_PREVIEW = ("id", "create_time", "username", "region_code", "view_count", "video_description")
_EDGE_PREVIEW = ("username", "display_name")
_VIDEO_ALIASES = (("video_id", "id"),)
_ACCOUNT_DIMS = ("account", "snapshot")  # the account, and the UTC day of collection


def _account_videos(name: str, what: str) -> Dataset:
    return Dataset(
        SOURCE, name, VIDEO_FIELDS, ("id",), _ACCOUNT_DIMS, f"Videos `account` {what}, as of the `snapshot` day.",
        preview_columns=_VIDEO_PREVIEW, aliases=_VIDEO_ALIASES, column_docs=(*VIDEO_DOCS, *_ACCOUNT_DIM_DOCS),
    )  # fmt: skip


VIDEOS = Dataset(
    SOURCE, "videos", VIDEO_FIELDS, ("id",), ("query", "date"),
    "Videos of one named query, one UTC day of create_time per partition.",
    time_column="create_time", preview_columns=_VIDEO_PREVIEW, aliases=_VIDEO_ALIASES,
    column_docs=(
        *VIDEO_DOCS,
        ("query", "Hive dim: the named query of monitoring.yaml that found the video."),
        ("date", "Hive dim: the UTC day of create_time."),
    ),
)  # fmt: skip
COMMENTS = Dataset(
    SOURCE, "comments", COMMENT_FIELDS, ("id",), ("date",),
    "Comments and replies of the videos created that day.", time_column="create_time",
    preview_columns=("id", "video_id", "create_time", "like_count", "reply_count", "text"),
    column_docs=COMMENT_DOCS,
)  # fmt: skip
USER_INFO = Dataset(
    SOURCE, "user_info", USER_INFO_FIELDS, ("username",), ("date",),
    "Daily profile snapshot of each monitored account.",
    preview_columns=("username", "status", "follower_count", "following_count", "likes_count", "video_count"),
    column_docs=USER_INFO_DOCS,
)  # fmt: skip
FOLLOWERS = Dataset(
    SOURCE, "followers", EDGE_FIELDS, ("username",), _ACCOUNT_DIMS,
    "Who follows `account`, as of the `snapshot` day.", preview_columns=_EDGE_PREVIEW,
    column_docs=_edge_docs("that follows `account`"),
)  # fmt: skip
FOLLOWING = Dataset(
    SOURCE, "following", EDGE_FIELDS, ("username",), _ACCOUNT_DIMS,
    "Whom `account` follows, as of the `snapshot` day.", preview_columns=_EDGE_PREVIEW,
    column_docs=_edge_docs("that `account` follows"),
)  # fmt: skip
LIKED_VIDEOS = _account_videos("liked_videos", "liked")
PINNED_VIDEOS = _account_videos("pinned_videos", "pinned")
REPOSTED_VIDEOS = _account_videos("reposted_videos", "reposted")
PLAYLISTS = Dataset(
    SOURCE, "playlists", PLAYLIST_FIELDS, ("playlist_id",), ("date",),
    "Playlists referenced by the videos created that day.",
    preview_columns=("playlist_id", "playlist_name", "playlist_item_total", "playlist_last_updated"),
    column_docs=PLAYLIST_DOCS,
)  # fmt: skip

DATASETS: tuple[Dataset, ...] = (
    VIDEOS, COMMENTS, USER_INFO, FOLLOWERS, FOLLOWING, LIKED_VIDEOS, PINNED_VIDEOS, REPOSTED_VIDEOS, PLAYLISTS,
)  # fmt: skip
