"""How each EnsembleData record shape becomes a row of its lake dataset (``lake.reshape.Shape``).

The shapes follow the reference (``reference/ensembledata-api.md``): TikTok's aweme post, comment, the web
user (``/tt/user/info``: ``user`` + ``stats`` in camelCase) and the app user (``/tt/user/info-from-secuid``,
search results, follow lists: snake_case), sounds and the units history. Keys the shapes do not read stay in
``extra_json`` (``text_extra`` too: hashtags and mentions are read from it, its other keys are kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tiktok_assets.clock import day_start
from tiktok_assets.lake.reshape import Shape


def _text_extra(kind: int, key: str) -> Any:
    def read(post: Mapping[str, Any]) -> list[str]:
        items = post.get("text_extra") or []
        return [str(t[key]) for t in items if isinstance(t, Mapping) and t.get("type") == kind and t.get(key)]

    return read


def _flag(path: tuple[str, ...]) -> Any:
    """A 0/1 (or bool) API flag as a bool; None when absent."""

    def read(obj: Mapping[str, Any]) -> bool | None:
        value: Any = obj
        for step in path:
            value = value.get(step) if isinstance(value, Mapping) else None
        return None if value is None else bool(value)

    return read


_USER_REF = {"uid": ("uid",), "unique_id": ("unique_id",), "sec_uid": ("sec_uid",), "nickname": ("nickname",)}

POST = Shape(
    columns={
        "aweme_id": ("aweme_id",),
        "create_time": ("create_time",),
        "description": ("desc",),
        "author": {k: ("author", *p) for k, p in _USER_REF.items()},
        "music": {k: ("music", k) for k in ("id", "title", "author", "duration", "original")},
        "region": ("region",),
        "desc_language": ("desc_language",),
        "hashtags": _text_extra(1, "hashtag_name"),
        "mentions": _text_extra(0, "unique_id"),
        **{
            name: ("statistics", name)
            for name in (
                "play_count",
                "digg_count",
                "comment_count",
                "share_count",
                "collect_count",
                "download_count",
                "forward_count",
            )
        },  # fmt: skip
        "duration_ms": ("video", "duration"),
        "is_top": ("is_top",),
        "aweme_type": ("aweme_type",),
        "share_url": ("share_url",),
    },
    # Repeats: the post id in the statistics, the sound's id as strings, `is_top` as the client's `is_pinned`.
    reads=(("statistics", "aweme_id"), ("is_pinned",), ("music", "id_str"), ("music", "mid")),
)

COMMENT = Shape(
    columns={
        "cid": ("cid",),
        "aweme_id": ("aweme_id",),
        "reply_id": ("reply_id",),
        "create_time": ("create_time",),
        "text": ("text",),
        "digg_count": ("digg_count",),
        "reply_comment_count": ("reply_comment_count",),
        "user": {k: ("user", *p) for k, p in _USER_REF.items()},
    }
)

# `/tt/user/info`: {"user": {id, uniqueId, secUid, …}, "stats": {followerCount, …}}.
WEB_USER = Shape(
    columns={
        "uid": ("user", "id"),
        "unique_id": ("user", "uniqueId"),
        "sec_uid": ("user", "secUid"),
        "nickname": ("user", "nickname"),
        "signature": ("user", "signature"),
        "region": ("user", "region"),
        "verified": ("user", "verified"),
        "private_account": ("user", "privateAccount"),
        "create_time": ("user", "createTime"),
        "follower_count": ("stats", "followerCount"),
        "following_count": ("stats", "followingCount"),
        "heart_count": ("stats", "heartCount"),
        "video_count": ("stats", "videoCount"),
        "digg_count": ("stats", "diggCount"),
    }
)

_APP_USER_COLUMNS: dict[str, Any] = {
    "uid": ("uid",),
    "unique_id": ("unique_id",),
    "sec_uid": ("sec_uid",),
    "nickname": ("nickname",),
    "signature": ("signature",),
    "region": ("region",),
    "verified": _flag(("verification_type",)),
    "private_account": _flag(("secret",)),
    "create_time": ("create_time",),
    "follower_count": ("follower_count",),
    "following_count": ("following_count",),
    "heart_count": ("total_favorited",),
    "video_count": ("aweme_count",),
    "digg_count": ("favoriting_count",),
}
_APP_FLAGS = (("verification_type",), ("secret",))

# `/tt/user/info-from-secuid`: {"user": {uid, unique_id, follower_count, aweme_count, …}}.
APP_USER = Shape(columns=_APP_USER_COLUMNS, reads=_APP_FLAGS, root=("user",))
# `/tt/user/search`: {"users": [{"user_info": {…app user…}}, …]}.
SEARCH_USER = Shape(columns=_APP_USER_COLUMNS, reads=_APP_FLAGS, root=("user_info",))
# Follower / following lists: the compact user object.
EDGE = Shape(
    columns={k: _APP_USER_COLUMNS[k] for k in ("uid", "unique_id", "sec_uid", "nickname", "region", "verified",
                                               "private_account")},
    reads=_APP_FLAGS,
)  # fmt: skip


def _first(*keys: str) -> Any:
    """The first of several keys that is set (the same id sent under different names)."""
    return lambda obj: next((obj[k] for k in keys if obj.get(k) is not None), None)


def _day_start(key: str) -> Any:
    """A ``YYYY-MM-DD`` value as the Unix time of that UTC midnight."""

    def read(obj: Mapping[str, Any]) -> int | None:
        raw = obj.get(key)
        if raw is None:
            return None
        day = date.fromisoformat(str(raw))
        return day_start(day)

    return read


MUSIC = Shape(
    columns={
        "music_id": _first("id", "mid", "id_str"),
        "title": ("title",),
        "author": ("author",),
        "duration": ("duration",),
        "original": ("original",),
        "user_count": ("user_count",),
    },
    reads=(("id",), ("id_str",), ("mid",)),  # the same id, under three names
)

# `/customer/get-history`: [{"date": "YYYY-MM-DD", "units": n}] (shape open); get-used-units: a number.
UNITS = Shape(columns={"day": _day_start("date"), "units": ("units",)}, reads=(("date",),))
