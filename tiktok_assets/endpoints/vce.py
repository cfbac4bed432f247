"""TikTok's VCE query tasks declared as data: each category's fields and conditions, the stages' limits, and
the categories collected as assets (those a date window can partition).

From reference/vce.md. The doc gives the condition operators for ``video`` only; for ``comment`` and
``profile`` the choice here (ids match, text also LIKE, counts and times compare) is the one the sandbox
makes; the per-user categories take ``username EQ`` only (doc); ``playlists`` lists no fields, so its fields
and conditions are not checked locally.
Operators are case-insensitive (the doc's examples mix cases); they are written upper-case here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tiktok_assets.endpoints.spec import Endpoint, Paging, PartitionKind
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.datasets import vce as ds

SOURCE = "vce"
Kind = Literal["match", "text", "numeric", "contains"]
OPERATORS: Mapping[Kind, tuple[str, ...]] = {
    "match": ("EQ", "IN"),
    "text": ("EQ", "IN", "LIKE"),
    "numeric": ("EQ", "IN", "GT", "GTE", "LT", "LTE"),
    "contains": ("CONTAINS",),
}
ALL_OPERATORS = ("EQ", "IN", "GT", "GTE", "LT", "LTE", "LIKE", "CONTAINS")
GROUP_OPERATORS = ("and", "or", "not")
SINGLE_VALUE = ("EQ", "GT", "GTE", "LT", "LTE")  # IN, LIKE, CONTAINS take one or more values


@dataclass(frozen=True)
class Category:
    name: str
    fields: tuple[str, ...]  # what `fields` may select (empty: not checked)
    conditions: Mapping[
        str, Kind
    ]  # what a condition may test, and so with which operators (empty: not checked)
    key: str | None = None  # the field that identifies a record (the lake deduplicates on it)
    time_field: str | None = None  # the field a date-window partition fills; None: not partitionable by day

    def operators(self, field: str) -> tuple[str, ...]:
        kind = self.conditions.get(field)
        return OPERATORS[kind] if kind else ()


VIDEO_FIELDS = (
    "id", "username", "region_code", "video_description", "music_id", "like_count", "comment_count",
    "share_count", "view_count", "effect_ids", "hashtag_names", "playlist_id", "voice_to_text", "create_time",
    "duration_type", "favorites_count", "stem_verified", "hashtag_info_list", "effect_info_list", "sticker_text",
    "video_label", "video_mention_list", "video_tags",
)  # fmt: skip
VIDEO_CONDITIONS: dict[str, Kind] = {
    **dict.fromkeys(
        (
            "id",
            "username",
            "region_code",
            "music_id",
            "playlist_id",
            "voice_to_text",
            "hashtag_id",
            "hashtag_name",
            "hashtag_description",
            "effect_id",
            "effect_name",
            "effect_photo_url",
            "sticker_text",
        ),
        "match",
    ),  # fmt: skip
    "video_description": "text",
    **dict.fromkeys(
        ("create_time", "like_count", "comment_count", "share_count", "view_count", "duration_type"),
        "numeric",
    ),
    **dict.fromkeys(
        ("effect_ids", "hashtag_names", "video_label", "video_mention_list", "video_tags"), "contains"
    ),
}
COMMENT_FIELDS = (
    "id", "video_id", "text", "parent_comment_id", "like_count", "reply_count", "create_time", "display_name",
)  # fmt: skip
COMMENT_CONDITIONS: dict[str, Kind] = {
    **dict.fromkeys(("id", "video_id", "parent_comment_id"), "match"),
    "text": "text",
    **dict.fromkeys(("like_count", "reply_count", "create_time"), "numeric"),
}
PROFILE_FIELDS = (
    "username", "bio_description", "avatar_uri", "is_verified", "following_count", "follower_count",
    "video_count", "likes_count", "bio_url",
)  # fmt: skip
PROFILE_CONDITIONS: dict[str, Kind] = {
    "username": "text",
    "bio_description": "text",
    "is_verified": "match",
    **dict.fromkeys(("following_count", "follower_count", "video_count", "likes_count"), "numeric"),
}
USER_LIST_FIELDS = ("display_name", "username")
USERNAME_EQ: dict[str, Kind] = {"username": "match"}  # doc: only `username` EQ (checked as EQ below)
OWNER_ONLY = ("liked_videos", "pinned_videos", "reposted_videos", "followers_list", "following_list")

CATEGORIES: dict[str, Category] = {
    "video": Category("video", VIDEO_FIELDS, VIDEO_CONDITIONS, key="id", time_field="create_time"),
    "comment": Category("comment", COMMENT_FIELDS, COMMENT_CONDITIONS, key="id", time_field="create_time"),
    "profile": Category("profile", PROFILE_FIELDS, PROFILE_CONDITIONS, key="username"),
    **{name: Category(name, VIDEO_FIELDS, USERNAME_EQ, key="id")
       for name in ("liked_videos", "pinned_videos", "reposted_videos")},
    **{name: Category(name, USER_LIST_FIELDS, USERNAME_EQ, key="username")
       for name in ("followers_list", "following_list")},
    "playlists": Category("playlists", (), {}),
}  # fmt: skip


@dataclass(frozen=True)
class Stage:
    """A VCE stage's record limits (doc): the default and maximum ``limit`` of one query, and a daily cap."""

    name: str
    default_limit: int
    max_limit: int  # per query
    daily_records: int | None  # per UTC day, across queries; None: no daily cap
    sampled: bool  # a random sample of the matches (test) rather than the first ones (execution)


STAGES: dict[str, Stage] = {
    "test": Stage("test", default_limit=100, max_limit=5_000, daily_records=5_000, sampled=True),
    "execution": Stage(
        "execution", default_limit=1_000, max_limit=100_000, daily_records=None, sampled=False
    ),
}

_DESCRIPTION = (
    "Named VCE query `{query}` (category `%s`): one query task per UTC day of `create_time`, whose window "
    "fills the query's time condition; the task is created, polled to a final status and its result written "
    "inside the materialization. Lake: `vce/%s/query=<name>/date=<day>/`."
)


def _endpoint(category: str, dataset: Dataset) -> Endpoint:
    return Endpoint(
        SOURCE, category, dataset, Paging.SINGLE, PartitionKind.DAY, CATEGORIES[category].time_field,
        "{query}", _DESCRIPTION % (category, dataset.name), time_rule="day",
    )  # fmt: skip


# Paging.SINGLE: a task's result is one pyrqs call (the sandbox stand-in pages it over HTTP inside that call).
VIDEO = _endpoint("video", ds.VIDEOS)
COMMENT = _endpoint("comment", ds.COMMENTS)
ENDPOINTS: tuple[Endpoint, ...] = (VIDEO, COMMENT)
BY_CATEGORY: dict[str, Endpoint] = {e.path: e for e in ENDPOINTS}
