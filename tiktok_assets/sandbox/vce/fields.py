"""VCE categories: which fields each returns, which fields a condition may use with which operators, and
the rows themselves (lazy: a profile's like total costs a scan, so only asked-for fields are computed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tiktok_assets.sandbox.research.render import mask_personal
from tiktok_assets.sandbox.world.catalog import Catalog
from tiktok_assets.sandbox.world.hashing import h64, str_key

Kind = Literal["match", "text", "numeric", "contains"]

# Operators each kind of field accepts (doc: EQ/IN; EQ/IN/LIKE; numeric comparisons; CONTAINS).
OPERATORS: dict[Kind, frozenset[str]] = {
    "match": frozenset({"EQ", "IN"}),
    "text": frozenset({"EQ", "IN", "LIKE"}),
    "numeric": frozenset({"EQ", "IN", "GT", "GTE", "LT", "LTE"}),
    "contains": frozenset({"CONTAINS"}),
}


class LazyRow(Mapping[str, Any]):
    """A record whose fields are computed on first access."""

    def __init__(self, getters: Mapping[str, Callable[[], Any]]) -> None:
        self._getters = getters
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._getters[name]()
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._getters)

    def __len__(self) -> int:
        return len(self._getters)


@dataclass(frozen=True)
class Category:
    name: str
    fields: tuple[str, ...]  # what `fields` may select (all of them by default)
    conditions: Mapping[str, Kind]  # what conditions may test, and how


# -- video --------------------------------------------------------------------------------------------------
VIDEO_FIELDS = (
    "id",
    "username",
    "region_code",
    "video_description",
    "music_id",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "effect_ids",
    "hashtag_names",
    "playlist_id",
    "voice_to_text",
    "create_time",
    "duration_type",
    "favorites_count",
    "stem_verified",
    "hashtag_info_list",
    "effect_info_list",
    "sticker_text",
    "video_label",
    "video_mention_list",
    "video_tags",
)
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
    ),
    "video_description": "text",
    **dict.fromkeys(
        ("create_time", "like_count", "comment_count", "share_count", "view_count", "duration_type"),
        "numeric",
    ),
    **dict.fromkeys(
        ("effect_ids", "hashtag_names", "video_label", "video_mention_list", "video_tags"), "contains"
    ),
}


def duration_type(seconds: int) -> int:
    """Open in the doc (listed with the numeric fields): the Research API's length buckets as 1..4 —
    1 SHORT (<15 s), 2 MID (15-60 s), 3 LONG (1-5 min), 4 EXTRA_LONG (>5 min)."""
    return 1 if seconds < 15 else 2 if seconds <= 60 else 3 if seconds <= 300 else 4


def hashtag_id(tag: str) -> int:
    """A stable id per hashtag (the world has names only) — the same formula the Research API emulator
    uses (research.render), so one video carries the same hashtag ids through both sources."""
    return 7_000_000_000_000_000 + str_key(tag) % 10**15


def stem_verified(cat: Catalog, video: Any) -> bool:
    """Same rule as the Research API emulator's `is_stem_verified`."""
    return h64(cat.world.seed, 0x57E3, video.id) % 50 == 0


class VideoRow(Mapping[str, Any]):
    """A video record computed field by field (a table of getters, no per-row closures: the hot path)."""

    __slots__ = ("_cat", "_values", "now", "video")

    def __init__(self, cat: Catalog, video: Any, now: int) -> None:
        self._cat, self.video, self.now = cat, video, now
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        values = self._values
        if name not in values:
            values[name] = _VIDEO_GETTERS[name](self)
        return values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_VIDEO_GETTERS)

    def __len__(self) -> int:
        return len(_VIDEO_GETTERS)

    def stats(self) -> Any:
        if "_stats" not in self._values:
            self._values["_stats"] = self._cat.world.stats(self.video, self.now)
        return self._values["_stats"]

    def effects(self) -> list[Any]:
        world = self._cat.world
        return [e for e in (world.effect(i) for i in self.video.effect_ids) if e is not None]

    def stem_verified(self) -> bool:
        return stem_verified(self._cat, self.video)


_VIDEO_GETTERS: dict[str, Callable[[VideoRow], Any]] = {
    "id": lambda r: r.video.id,
    "username": lambda r: r.video.username,
    "region_code": lambda r: r.video.region,
    "video_description": lambda r: r.video.description,
    "music_id": lambda r: r.video.music_id,
    "like_count": lambda r: r.stats().likes,
    "comment_count": lambda r: r.stats().comments,
    "share_count": lambda r: r.stats().shares,
    "view_count": lambda r: r.stats().views,
    "favorites_count": lambda r: r.stats().favorites,
    "effect_ids": lambda r: list(r.video.effect_ids),
    "hashtag_names": lambda r: list(r.video.hashtags),
    "playlist_id": lambda r: r.video.playlist_id,
    "voice_to_text": lambda r: r.video.voice_to_text,
    "create_time": lambda r: r.video.create_time,
    "duration_type": lambda r: duration_type(r.video.duration),
    "stem_verified": lambda r: r.stem_verified(),
    "hashtag_info_list": lambda r: [
        {"hashtag_id": hashtag_id(t), "hashtag_name": t, "hashtag_description": ""} for t in r.video.hashtags
    ],
    "effect_info_list": lambda r: [
        {"effect_id": e.id, "effect_name": e.name, "effect_photo_url": e.photo_url} for e in r.effects()
    ],
    "sticker_text": lambda r: list(r.video.sticker_texts),
    "video_label": lambda r: list(r.video.labels),
    "video_mention_list": lambda r: list(r.video.mentions),
    "video_tags": lambda r: list(r.video.labels),  # open: the world's content labels
    # condition-only fields (lists: a condition holds when any element matches)
    "hashtag_id": lambda r: [hashtag_id(t) for t in r.video.hashtags],
    "hashtag_name": lambda r: list(r.video.hashtags),
    "hashtag_description": lambda r: ["" for _ in r.video.hashtags],  # as the Research API: empty
    "effect_id": lambda r: list(r.video.effect_ids),
    "effect_name": lambda r: [e.name for e in r.effects()],
    "effect_photo_url": lambda r: [e.photo_url for e in r.effects()],
    "_author_index": lambda r: r.video.author_index,  # internal (test-stage creator filter), never selectable
}


def video_row(cat: Catalog, video: Any, now: int) -> VideoRow:
    return VideoRow(cat, video, now)


# -- comment ------------------------------------------------------------------------------------------------
COMMENT_FIELDS = (
    "id",
    "video_id",
    "text",
    "parent_comment_id",
    "like_count",
    "reply_count",
    "create_time",
    "display_name",
)
# Open in the doc: ids match, text matches or LIKE, counts and time compare. `video_id` EQ/IN is required
# (checked by the executor): comments are enumerated per video.
COMMENT_CONDITIONS: dict[str, Kind] = {
    "id": "match",
    "video_id": "match",
    "parent_comment_id": "match",
    "text": "text",
    "like_count": "numeric",
    "reply_count": "numeric",
    "create_time": "numeric",
}


def comment_row(cat: Catalog, comment: Any) -> LazyRow:
    return LazyRow(
        {
            "id": lambda: comment.id,
            "video_id": lambda: comment.video_id,
            "text": lambda: mask_personal(comment.text),  # personal data masked, as in the Research API
            "parent_comment_id": lambda: comment.parent_comment_id,
            "like_count": lambda: comment.like_count,
            "reply_count": lambda: comment.reply_count,
            "create_time": lambda: comment.create_time,
            "display_name": lambda: cat.world.accounts[comment.author_index].display_name,
        }
    )


# -- profile ------------------------------------------------------------------------------------------------
PROFILE_FIELDS = (
    "username",
    "bio_description",
    "avatar_uri",
    "is_verified",
    "following_count",
    "follower_count",
    "video_count",
    "likes_count",
    "bio_url",
)
PROFILE_CONDITIONS: dict[str, Kind] = {
    "username": "text",
    "is_verified": "match",
    "bio_description": "text",
    **dict.fromkeys(("following_count", "follower_count", "video_count", "likes_count"), "numeric"),
}


def profile_row(cat: Catalog, account_index: int, now: int) -> LazyRow:
    account = cat.world.accounts[account_index]

    def stats() -> Any:
        return cat.account_stats(account_index, now)

    return LazyRow(
        {
            "username": lambda: account.username,
            "bio_description": lambda: account.bio,
            "avatar_uri": lambda: account.avatar_url,
            "is_verified": lambda: bool(account.verified),
            "following_count": lambda: stats().following_count,
            "follower_count": lambda: len(cat.world.followers(account_index, now)),
            "video_count": lambda: stats().video_count,
            "likes_count": lambda: stats().heart_count,
            "bio_url": lambda: account.bio_url,
        }
    )


# -- user lists and playlists -------------------------------------------------------------------------------
USER_LIST_FIELDS = ("display_name", "username")
USERNAME_ONLY: dict[str, Kind] = {"username": "match"}  # doc: only `username` EQ


def user_row(cat: Catalog, account_index: int) -> LazyRow:
    account = cat.world.accounts[account_index]
    return LazyRow({"display_name": lambda: account.display_name, "username": lambda: account.username})


PLAYLIST_FIELDS = (
    "playlist_id",
    "playlist_name",
    "playlist_video_ids",
    "playlist_item_total",
    "playlist_last_updated",
    "username",
)
# Open in the doc: playlists by id or by owner.
PLAYLIST_CONDITIONS: dict[str, Kind] = {"playlist_id": "match", "username": "match"}


def playlist_row(playlist: Any, username: str) -> LazyRow:
    return LazyRow(
        {
            "playlist_id": lambda: playlist.id,
            "playlist_name": lambda: playlist.name,
            "playlist_video_ids": lambda: list(playlist.video_ids),
            "playlist_item_total": lambda: len(playlist.video_ids),
            "playlist_last_updated": lambda: playlist.last_updated,
            "username": lambda: username,
        }
    )


CATEGORIES: dict[str, Category] = {
    "video": Category("video", VIDEO_FIELDS, VIDEO_CONDITIONS),
    "comment": Category("comment", COMMENT_FIELDS, COMMENT_CONDITIONS),
    "profile": Category("profile", PROFILE_FIELDS, PROFILE_CONDITIONS),
    "liked_videos": Category("liked_videos", VIDEO_FIELDS, USERNAME_ONLY),
    "pinned_videos": Category("pinned_videos", VIDEO_FIELDS, USERNAME_ONLY),
    "reposted_videos": Category("reposted_videos", VIDEO_FIELDS, USERNAME_ONLY),
    "followers_list": Category("followers_list", USER_LIST_FIELDS, USERNAME_ONLY),
    "following_list": Category("following_list", USER_LIST_FIELDS, USERNAME_ONLY),
    "playlists": Category("playlists", PLAYLIST_FIELDS, PLAYLIST_CONDITIONS),
}
# Categories whose only condition is `username` EQ (doc).
EQ_ONLY = frozenset({"liked_videos", "pinned_videos", "reposted_videos", "followers_list", "following_list"})
