"""EnsembleData endpoints that return posts: hashtag and keyword searches, user posts, post info, music posts.

Envelopes (client): searches answer `{"data": {"data": [...], "nextCursor": n}}` — the official client
returns the inner payload; only `/tt/user/posts*` put `nextCursor` beside the top-level `data`.

Each endpoint is a pair: `serve(params, ctx) -> Reply` answers one request, `keys(params, ctx)` lists what a
perfect client paging that request to its end collects. Both read the same selection, so the truth is exactly
the paging contract (order, caps, overshoot), computed without HTTP.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

from tiktok_assets.sandbox.ensembledata import shapes
from tiktok_assets.sandbox.ensembledata.context import (
    FULL_SEARCH_BLOCK,
    Ctx,
    Reply,
    account_by_secuid,
    account_by_username,
    offset_reply,
    require_public,
)
from tiktok_assets.sandbox.ensembledata.paging import first_older, offset_page, time_chunk
from tiktok_assets.sandbox.ensembledata.params import EdError, Params
from tiktok_assets.sandbox.ensembledata.restricted import check_topic

HASHTAG_PAGE = 20
KEYWORD_PAGE = 20
MUSIC_POSTS_PAGE = 20
CHUNK = 10  # posts per unit of `depth` (doc)
MULTI_INFO_MAX = 100
PERIODS = (0, 1, 7, 30, 90, 180)
DAY = 86_400


def _ids(videos: Sequence[Any]) -> list[str]:
    return [str(v.id) for v in videos]


def _posts(ctx: Ctx, videos: Sequence[Any]) -> list[dict[str, Any]]:
    return [shapes.post(ctx.cat, v, ctx.now) for v in videos]


def _full_reply(ctx: Ctx, path: str, videos: Sequence[Any]) -> Reply:
    """A "full" search: every post in one response, priced per started block of posts."""
    blocks = max(1, -(-len(videos) // FULL_SEARCH_BLOCK))
    return Reply({"data": {"data": _posts(ctx, videos)}}, blocks * ctx.price(path))


# -- hashtags ---------------------------------------------------------------------------------------------
def _tag(p: Params) -> str:
    tag = p.required("name").removeprefix("#").lower()
    check_topic(tag)
    return tag


def hashtag_cap(tag: str) -> int:
    """Popular tags stop at ~4-5k posts (doc); the exact cap is a stable function of the tag."""
    return 4000 + zlib.crc32(tag.encode()) % 1001


def _has_tag(tag: str) -> Any:
    return lambda v: any(h.lower() == tag for h in v.hashtags)


def _hashtag_prefix(ctx: Ctx, tag: str, need: int) -> list[Any]:
    """The first `need` posts of a Hashtag Search: public visible posts carrying the tag, newest first
    (TikTok's ranking is not public: order open), at most `hashtag_cap(tag)` of them."""
    return ctx.cat.scan(("ed_tag", tag), ctx.now, _has_tag(tag), need=min(need, hashtag_cap(tag)))


def hashtag_posts(p: Params, ctx: Ctx) -> Reply:
    tag, cursor = _tag(p), p.cursor()
    items = _hashtag_prefix(ctx, tag, cursor + HASHTAG_PAGE + 1)
    chunk, following = offset_page(items, cursor, HASHTAG_PAGE)
    return offset_reply(ctx, "/tt/hashtag/posts", {"data": _posts(ctx, chunk)}, following)


def hashtag_posts_keys(p: Params, ctx: Ctx) -> list[str]:
    tag = _tag(p)
    return _ids(_hashtag_prefix(ctx, tag, hashtag_cap(tag))[p.cursor() :])


def _hashtag_recent(p: Params, ctx: Ctx) -> Sequence[Any]:
    tag = _tag(p)
    days = p.integer("days", required=True, minimum=1)
    assert days is not None
    since = ctx.now - days * DAY
    # max_cursor (open): a millisecond time bound, like TikTok's own cursor; only older posts come back.
    max_cursor = p.integer("max_cursor", None, minimum=0)
    p.boolean("remap_output")  # accepted and validated; the sandbox has one output shape (open)
    found = ctx.cat.scan(("ed_tag", tag), ctx.now, _has_tag(tag), since=since)
    return [v for v in found if max_cursor is None or v.create_time * 1000 < max_cursor]


def hashtag_recent(p: Params, ctx: Ctx) -> Reply:
    """Full Hashtag Search: the server pages internally; everything in one response, no cap."""
    return _full_reply(ctx, "/tt/hashtag/recent-posts", _hashtag_recent(p, ctx))


def hashtag_recent_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids(_hashtag_recent(p, ctx))


# -- keywords ---------------------------------------------------------------------------------------------
def _keyword_matches(p: Params, ctx: Ctx) -> Sequence[Any]:
    """Keyword search selection. Matching (open): every word of `name` appears in the description or a
    hashtag (case-insensitive); `match_exactly` wants the whole phrase as words of the description.
    `country` (open) keeps posts of that region; `period` days back from now (0 = all time)."""
    name = p.required("name")
    period = p.choice("period", PERIODS)
    sorting = p.choice("sorting", (0, 1), default=0)
    country = p.country()
    exact = p.boolean("match_exactly")
    check_topic(name)  # after the 422 checks: a malformed request is refused as such first
    words = name.lower().split()
    phrase = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)") if words else None

    def build() -> tuple[Any, ...]:
        since = ctx.now - period * DAY if period else None
        scored: list[tuple[int, Any]] = []
        for v in ctx.cat.scan("ed_kw_all", ctx.now, lambda _: True, since=since):
            if country is not None and v.region != country:
                continue
            text = v.description.lower()
            if exact:
                hits = len(phrase.findall(text)) if phrase else 0
            else:
                haystack = text + " " + " ".join(h.lower() for h in v.hashtags)
                counts = [haystack.count(w) for w in words]
                hits = sum(counts) if counts and all(counts) else 0
            if hits:
                scored.append((hits, v))
        if sorting == 1:
            scored.sort(key=lambda hv: (-ctx.world.stats(hv[1], ctx.now).likes, -hv[1].id))
        else:
            scored.sort(key=lambda hv: (-hv[0], -hv[1].id))
        return tuple(v for _, v in scored)

    return ctx.cat.memo(("ed_kw", name.lower(), period, sorting, country, exact, ctx.now), build)


def _with_author_stats(ctx: Ctx, post: dict[str, Any], video: Any) -> dict[str, Any]:
    stats = ctx.cat.account_stats(video.author_index, ctx.now)
    post["author_stats"] = {
        "follower_count": stats.follower_count,
        "following_count": stats.following_count,
        "heart_count": stats.heart_count,
        "video_count": stats.video_count,
        "digg_count": stats.digg_count,
    }
    return post


def keyword_search(p: Params, ctx: Ctx) -> Reply:
    videos = _keyword_matches(p, ctx)
    chunk, following = offset_page(videos, p.cursor(), KEYWORD_PAGE)
    posts = _posts(ctx, chunk)
    if p.boolean("get_author_stats"):
        posts = [_with_author_stats(ctx, post, v) for post, v in zip(posts, chunk, strict=True)]
    return offset_reply(ctx, "/tt/keyword/search", {"data": posts}, following)


def keyword_search_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids(_keyword_matches(p, ctx)[p.cursor() :])


def keyword_full(p: Params, ctx: Ctx) -> Reply:
    return _full_reply(ctx, "/tt/keyword/full-search", _keyword_matches(p, ctx))


def keyword_full_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids(_keyword_matches(p, ctx))


# -- user posts -------------------------------------------------------------------------------------------
class _UserPosts:
    """The chunk walk behind `/tt/user/posts*`, shared by the handler and the truth.

    Pinned posts come first (`is_top: 1`) on a call without `start_cursor` and are left out of the timeline.
    The timeline is cut into chunks of 10 posts (never splitting one second), one chunk per unit of depth.
    The cursor is the oldest returned `create_time` in milliseconds (TikTok's max_cursor); posts strictly
    older follow. With `oldest_createtime`, the walk stops after the chunk that crosses it: that chunk's
    older posts are returned too, and no `nextCursor` is given (the request is complete).
    """

    def __init__(self, p: Params, ctx: Ctx, by_secuid: bool) -> None:
        # Parameters are validated (422) before the user is looked up, as a FastAPI service does.
        name = p.required("secUid" if by_secuid else "username")
        self.depth = p.integer("depth", required=True, minimum=1)
        self.start_cursor = p.integer("start_cursor", None, minimum=0)
        self.oldest = p.integer("oldest_createtime", None, minimum=0)
        p.boolean("alternative_method")
        self.index = account_by_secuid(ctx, name) if by_secuid else account_by_username(ctx, name)
        require_public(ctx, self.index)
        pinned_ids = {v.id for v in ctx.world.pinned(self.index)}
        all_videos = ctx.cat.account_videos(self.index, ctx.now)
        self.pinned = [v for v in all_videos if v.id in pinned_ids] if self.start_cursor is None else []
        self.timeline = [v for v in all_videos if v.id not in pinned_ids]

    def walk(self, max_chunks: int | None) -> tuple[list[Any], int | None, int]:
        """(timeline posts, next cursor or None, chunks fetched) from the start cursor."""
        start = 0
        if self.start_cursor is not None:
            start = first_older(self.timeline, -(-self.start_cursor // 1000), lambda v: v.create_time)
        out: list[Any] = []
        chunks = 0
        while start < len(self.timeline) and (max_chunks is None or chunks < max_chunks):
            end = time_chunk(self.timeline, start, CHUNK, lambda v: v.create_time)
            out.extend(self.timeline[start:end])
            start, chunks = end, chunks + 1
            if self.oldest is not None and self.timeline[end - 1].create_time < self.oldest:
                return out, None, chunks
        following = out[-1].create_time * 1000 if out and start < len(self.timeline) else None
        return out, following, chunks


def user_posts(p: Params, ctx: Ctx, by_secuid: bool = False) -> Reply:
    walk = _UserPosts(p, ctx, by_secuid)
    timeline, following, _ = walk.walk(walk.depth)
    data = [shapes.post(ctx.cat, v, ctx.now, is_top=True) for v in walk.pinned] + _posts(ctx, timeline)
    body: dict[str, Any] = {"data": data}
    if following is not None:
        body["nextCursor"] = following
    path = "/tt/user/posts-from-secuid" if by_secuid else "/tt/user/posts"
    assert walk.depth is not None
    return Reply(body, walk.depth * ctx.price(path))


def user_posts_keys(p: Params, ctx: Ctx, by_secuid: bool = False) -> list[str]:
    walk = _UserPosts(p, ctx, by_secuid)
    timeline, _, _ = walk.walk(None)
    return _ids(walk.pinned) + _ids(timeline)


def user_posts_secuid(p: Params, ctx: Ctx) -> Reply:
    return user_posts(p, ctx, by_secuid=True)


def user_posts_secuid_keys(p: Params, ctx: Ctx) -> list[str]:
    return user_posts_keys(p, ctx, by_secuid=True)


# -- single posts -----------------------------------------------------------------------------------------
_URL = re.compile(r"^https?://(?:[\w-]+\.)*tiktok\.com/@[^/]+/(?:video|photo)/(\d{1,20})(?:[/?#].*)?$")


def _public_post(ctx: Ctx, video_id: int) -> Any:
    video = ctx.cat.video(video_id, ctx.now)
    if video is None:
        raise EdError(404, "Post not found")
    if ctx.cat.is_private(video.author_index):
        raise EdError(520, "Post restricted")
    return video


def _post_info_video(p: Params, ctx: Ctx) -> Any:
    match = _URL.match(p.required("url"))
    if match is None:
        raise EdError(462, "Invalid TikTok URL")
    p.boolean("new_version")
    p.boolean("download_video")
    return _public_post(ctx, int(match.group(1)))


def post_info(p: Params, ctx: Ctx) -> Reply:
    video = _post_info_video(p, ctx)
    return Reply({"data": _posts(ctx, [video])}, ctx.price("/tt/post/info"))


def post_info_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids([_post_info_video(p, ctx)])


def _multi_info_videos(p: Params, ctx: Ctx) -> list[Any]:
    ids = [part.strip() for part in p.required("ids").split(";") if part.strip()]
    if len(ids) > MULTI_INFO_MAX:
        raise EdError(464, f"Too many post ids: {len(ids)} (max {MULTI_INFO_MAX})")
    if not all(i.isdigit() for i in ids):
        raise EdError(422, "Invalid value for parameter 'ids': post ids are digits joined by ';'")
    out = []
    for i in ids:  # missing, deleted and restricted posts are left out of the list (open)
        video = ctx.cat.video(int(i), ctx.now)
        if video is not None and not ctx.cat.is_private(video.author_index):
            out.append(video)
    return out


def multi_info(p: Params, ctx: Ctx) -> Reply:
    return Reply({"data": _posts(ctx, _multi_info_videos(p, ctx))}, ctx.price("/tt/post/multi-info"))


def multi_info_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids(_multi_info_videos(p, ctx))


# -- music posts ------------------------------------------------------------------------------------------
def music_id(p: Params, ctx: Ctx, name: str) -> int:
    raw = p.required(name)
    if not raw.isdigit():
        raise EdError(422, f"Invalid value for parameter '{name}': expected a numeric music id")
    known = ctx.cat.memo("ed_music_ids", lambda: frozenset(ctx.world.music_ids))
    if int(raw) not in known:
        raise EdError(404, "Music not found")
    return int(raw)


def _music_prefix(p: Params, ctx: Ctx, need: int | None) -> list[Any]:
    """Public visible posts using the sound, newest first."""
    mid = music_id(p, ctx, "music_id")
    return ctx.cat.scan(("ed_music", mid), ctx.now, lambda v: v.music_id == mid, need=need)


def music_posts(p: Params, ctx: Ctx) -> Reply:
    cursor = p.cursor()
    items = _music_prefix(p, ctx, cursor + MUSIC_POSTS_PAGE + 1)
    chunk, following = offset_page(items, cursor, MUSIC_POSTS_PAGE)
    return offset_reply(ctx, "/tt/music/posts", {"aweme_list": _posts(ctx, chunk)}, following)


def music_posts_keys(p: Params, ctx: Ctx) -> list[str]:
    return _ids(_music_prefix(p, ctx, None)[p.cursor() :])


# -- lives ------------------------------------------------------------------------------------------------
def live_search(p: Params, ctx: Ctx) -> Reply:
    """`/tt/live/search` (in the official client, not in the reference): the world has no live streams."""
    p.required("keyword")
    p.cursor()
    p.country()
    return Reply({"data": []}, ctx.price("/tt/live/search"))


def live_search_keys(p: Params, ctx: Ctx) -> list[str]:
    p.required("keyword")
    return []
