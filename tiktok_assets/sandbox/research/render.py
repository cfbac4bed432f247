"""Research API object shapes and ``?fields=`` selection (only listed fields come back)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from types import CodeType
from typing import Any

from tiktok_assets.sandbox.world import DAY, Comment, Stats, Video, World
from tiktok_assets.sandbox.world.hashing import h64, mix64, str_key

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
# When ?fields= is absent: open; chosen a small basic set.
DEFAULT_VIDEO_FIELDS = ("id", "create_time", "username", "region_code", "video_description")
COMMENT_FIELDS = ("id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time")
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
PLAYLIST_FIELDS = ("playlist_id",)
_STATS_FIELDS = {"share_count", "view_count", "like_count", "comment_count", "favorites_count"}
STATS_LAG_MAX = 10 * DAY  # statistics can lag up to 10 days (doc/field)


class FieldError(ValueError):
    pass


def parse_fields(raw: str | None, allowed: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    """``a,b, c`` -> validated tuple (whitespace tolerated: the official client sends ``a, b``)."""
    if raw is None or not raw.strip():
        return default
    out: list[str] = []
    for name in (p.strip() for p in raw.split(",")):
        if not name:
            continue
        if name not in allowed:
            raise FieldError(f"Invalid fields: {name!r} is not a valid field")
        if name not in out:
            out.append(name)
    return tuple(out) or default


def stats_time(world: World, video: Video, now: int) -> int:
    """When the API's statistics for this video were taken: a per-video lag of up to 10 days."""
    return now - h64(world.seed, 0x57A7, video.id) % STATS_LAG_MAX


class VideoRenderer:
    """Builds one video object with only the requested fields (the hot path of video/query).

    The fields are compiled once into one function of straight assignments (no call per field): rendering
    is most of a cached page's server time. Key order and values are those of the per-field getters
    (``_GETTERS``), which stay the definition; a field whose value is None is absent (playlist_id).
    """

    def __init__(self, world: World, fields: tuple[str, ...], now: int) -> None:
        self.world, self.fields, self.now = world, fields, now
        self.need_stats = bool(_STATS_FIELDS.intersection(fields))
        self._render = _compile(world, fields, now, self.need_stats)

    def __call__(self, v: Video) -> dict[str, Any]:
        return self._render(v)


# Fields read straight off the Video (or its Stats) compile to an expression; the others call their getter.
_INLINE = {
    "id": "v.id",
    "video_description": "v.description",
    "create_time": "v.create_time",
    "region_code": "v.region",
    "share_count": "st.shares",
    "view_count": "st.views",
    "like_count": "st.likes",
    "comment_count": "st.comments",
    "favorites_count": "st.favorites",
    "music_id": "v.music_id",
    "hashtag_names": "list(v.hashtags)",
    "username": "v.username",
    "effect_ids": "list(v.effect_ids)",
    "voice_to_text": "v.voice_to_text",
    "video_duration": "v.duration",
    "video_mention_list": "list(v.mentions)",
}
_OPTIONAL = {"playlist_id": "v.playlist_id"}  # absent when None (open)


def _compile(world: World, fields: tuple[str, ...], now: int, need_stats: bool) -> Callable[[Video], Any]:
    env: dict[str, Any] = {
        "stats": world.stats,
        "stats_key": h64(world.seed, 0x57A7),
        "mix64": mix64,
        "now": now,
    }
    env.update((f"get{i}", _GETTERS[name](world)) for i, name in enumerate(fields) if name not in _INLINE)
    exec(_code(fields, need_stats), env)  # noqa: S102 - source made from our own field table
    return env["render"]


@lru_cache(maxsize=256)
def _code(fields: tuple[str, ...], need_stats: bool) -> CodeType:
    """The renderer's code for a field list (compiled once per list: compiling costs more than a page)."""
    lines = ["def render(v):"]
    if need_stats:
        # stats_time inlined: h64(seed, 0x57A7, id) is one mix of a per-world key (ids are below 2**63).
        lines.append(f"    st = stats(v, now - mix64(stats_key ^ v.id) % {STATS_LAG_MAX})")
    else:
        lines.append("    st = None")
    lines.append("    out = {}")
    for i, name in enumerate(fields):
        if name in _INLINE:
            lines.append(f"    out[{name!r}] = {_INLINE[name]}")
            continue
        value = _OPTIONAL.get(name, f"get{i}(v, st)")
        lines += [f"    x = {value}", "    if x is not None:", f"        out[{name!r}] = x"]
    lines.append("    return out")
    return compile("\n".join(lines), "<video renderer>", "exec")


def _hashtag_info(world: World) -> Callable[[Video, Stats | None], Any]:
    return lambda v, _: [
        {"hashtag_id": 7_000_000_000_000_000 + str_key(t) % 10**15, "hashtag_description": ""}
        for t in v.hashtags
    ]


def _effect_info(world: World) -> Callable[[Video, Stats | None], Any]:
    def get(v: Video, _: Stats | None) -> Any:
        out = []
        for eid in v.effect_ids:
            e = world.effect(eid)
            if e is not None:
                out.append({"effect_id": e.id, "effect_name": e.name, "effect_photo_url": e.photo_url})
        return out

    return get


def _video_tag(world: World) -> Callable[[Video, Stats | None], Any]:
    return lambda v, _: {"type": "AIGC" if any("AI" in x for x in v.labels) else "", "number": len(v.labels)}


_GETTERS: dict[str, Callable[[World], Callable[[Video, Stats | None], Any]]] = {
    "id": lambda w: lambda v, _: v.id,
    "video_description": lambda w: lambda v, _: v.description,
    "create_time": lambda w: lambda v, _: v.create_time,
    "region_code": lambda w: lambda v, _: v.region,
    "share_count": lambda w: lambda v, s: s.shares,
    "view_count": lambda w: lambda v, s: s.views,
    "like_count": lambda w: lambda v, s: s.likes,
    "comment_count": lambda w: lambda v, s: s.comments,
    "favorites_count": lambda w: lambda v, s: s.favorites,
    "music_id": lambda w: lambda v, _: v.music_id,
    "hashtag_names": lambda w: lambda v, _: list(v.hashtags),
    "username": lambda w: lambda v, _: v.username,
    "effect_ids": lambda w: lambda v, _: list(v.effect_ids),
    "playlist_id": lambda w: lambda v, _: v.playlist_id,
    "voice_to_text": lambda w: lambda v, _: v.voice_to_text,
    "is_stem_verified": lambda w: lambda v, _: h64(w.seed, 0x57E3, v.id) % 50 == 0,
    "video_duration": lambda w: lambda v, _: v.duration,
    "hashtag_info_list": _hashtag_info,
    "sticker_info_list": lambda w: (
        lambda v, _: [
            {"sticker_id": str(1_000_000 + str_key(t) % 9_000_000), "sticker_name": t}
            for t in v.sticker_texts
        ]
    ),
    "effect_info_list": _effect_info,
    "video_mention_list": lambda w: lambda v, _: list(v.mentions),
    "video_label": lambda w: lambda v, _: {"content": v.labels[0] if v.labels else ""},
    "video_tag": _video_tag,
}
assert set(_GETTERS) == set(VIDEO_FIELDS)

_PHONE = re.compile(r"\d{6,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def mask_personal(text: str) -> str:
    """Personal data in comment text is masked (doc example: ``40******30``)."""
    text = _PHONE.sub(lambda m: m.group()[:2] + "******" + m.group()[-2:], text)
    return _EMAIL.sub(lambda m: m.group()[:2] + "******" + m.group()[-2:], text)


def render_comment(c: Comment, fields: tuple[str, ...]) -> dict[str, Any]:
    full = {
        "id": c.id,
        "video_id": c.video_id,
        "text": mask_personal(c.text),
        "like_count": c.like_count,
        "reply_count": c.reply_count,
        "parent_comment_id": c.parent_comment_id,
        "create_time": c.create_time,
    }
    return {f: full[f] for f in fields}
