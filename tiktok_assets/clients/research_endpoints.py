"""The Research API's endpoints: their paths, record lists, quota buckets and allowed ``fields``.

One ``Endpoint`` per data endpoint (``ENDPOINTS``, looked up by a user-given path with ``endpoint_for``), the
field lists each accepts (``VIDEO_FIELDS``, ``USER_FIELDS``, ``COMMENT_FIELDS``), the daily budgets of the
quota buckets they draw on (``DEFAULT_BUDGETS``) and ``fields_param``, which turns a caller's field list into
the ``?fields=`` value or names the unknown field before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.quota import Budget
from tiktok_assets.clients.transport import lookup_endpoint

API = "research"
VIDEO_FIELDS = (
    "id",
    "video_description",
    "create_time",
    "region_code",
    "share_count",
    "view_count",
    "like_count",
    "comment_count",
    "music_id",
    "hashtag_names",
    "username",
    "effect_ids",
    "playlist_id",
    "voice_to_text",
    "is_stem_verified",
    "favorites_count",
    "video_duration",
    "hashtag_info_list",
    "sticker_info_list",
    "effect_info_list",
    "video_mention_list",
    "video_label",
    "video_tag",
)
USER_FIELDS = (
    "display_name",
    "bio_description",
    "avatar_url",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
    "bio_url",
)
COMMENT_FIELDS = ("id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time")

# Daily limits (doc): video/query + comment list share "video"; followers/following share "follow". The doc
# names no quota for user info, liked/pinned/reposted and playlists: bucket "other", counted, no budget.
DEFAULT_BUDGETS: dict[str, Budget] = {
    "video": Budget(requests=1_000, records=100_000),
    "follow": Budget(requests=20_000, records=2_000_000),
}


@dataclass(frozen=True)
class Endpoint:
    path: str  # below /v2/research/, no slashes at the ends
    records_key: str
    bucket: str
    fields: tuple[str, ...] = ()  # allowed ?fields= (empty: none)


ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for e in (
        Endpoint("video/query", "videos", "video", VIDEO_FIELDS),
        Endpoint("user/info", "", "other", USER_FIELDS),
        Endpoint("video/comment/list", "comments", "video", COMMENT_FIELDS),
        Endpoint("user/liked_videos", "user_liked_videos", "other", VIDEO_FIELDS),
        Endpoint("user/pinned_videos", "pinned_videos_list", "other", VIDEO_FIELDS),
        Endpoint("user/reposted_videos", "reposted_videos", "other", VIDEO_FIELDS),
        Endpoint("user/followers", "user_followers", "follow"),
        Endpoint("user/following", "user_following", "follow"),
        Endpoint("playlist/info", "", "other", ("playlist_id",)),
    )
}


def endpoint_for(path: str) -> Endpoint:
    return lookup_endpoint(ENDPOINTS, path, "v2/research/", "Research API")


def fields_param(
    fields: Sequence[str] | None, allowed: Sequence[str], required: Sequence[str] = ()
) -> str | None:
    """The ``?fields=`` value: every allowed field by default, else the caller's (``required`` ones first)."""
    if fields is None:
        return ",".join(allowed) if allowed else None
    bad = [f for f in fields if f not in allowed]
    if bad:
        raise InvalidInputError(f"unknown field(s) {bad}; allowed: {', '.join(allowed)}", parameter="fields")
    return ",".join(dict.fromkeys([*required, *fields]))
