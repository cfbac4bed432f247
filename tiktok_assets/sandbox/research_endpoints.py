"""Research API endpoints as pure functions of (context, body, fields) -> Page.

No quota, auth or faults here (research.py does those), so ``truth`` can drive the very same code a client
pages through and collect what a perfect client would.
"""

from __future__ import annotations

import random
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from tiktok_assets.sandbox._hash import h64, str_key
from tiktok_assets.sandbox._limits import Limits
from tiktok_assets.sandbox.research_query import Query, QueryError, matches, parse_query
from tiktok_assets.sandbox.research_render import (
    COMMENT_FIELDS,
    DEFAULT_VIDEO_FIELDS,
    PLAYLIST_FIELDS,
    USER_FIELDS,
    VIDEO_FIELDS,
    VideoRenderer,
    parse_fields,
    render_comment,
    stats_time,
)
from tiktok_assets.sandbox.world import Account, Video, World, day_start


class ApiError(Exception):
    """An error answer in the research envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_params", message)


@dataclass
class Page:
    data: dict[str, Any]
    records: int
    keys: list[str]


@dataclass
class Search:
    search_id: str
    key: bytes  # the canonical query + dates the search was created for
    videos: list[Video]
    created_at: int  # sandbox clock
    created_wall: float  # monotonic seconds, for the search_id lag fault


class SearchStore:
    """Search results kept per search_id, so later pages are a slice, not a new search.

    Bounded by searches and by videos held in total (a search keeps its Video objects alive even after the
    world's day cache dropped them), which keeps the large world's RSS bounded under many broad searches.
    """

    def __init__(self, seed: int, maxsize: int = 256, max_videos: int = 600_000) -> None:
        self.seed = seed
        self.maxsize, self.max_videos = maxsize, max_videos
        self._data: OrderedDict[str, Search] = OrderedDict()
        self._held = 0
        self._counter = 0
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            self._counter += 1
            n = self._counter
        return str(7_300_000_000_000_000_000 + h64(self.seed, 0x5EA4C, n) % 10**18)

    def put(self, s: Search) -> None:
        with self._lock:
            self._data[s.search_id] = s
            self._held += len(s.videos)
            while len(self._data) > 1 and (len(self._data) > self.maxsize or self._held > self.max_videos):
                _, old = self._data.popitem(last=False)
                self._held -= len(old.videos)

    def get(self, search_id: str) -> Search | None:
        with self._lock:
            s = self._data.get(search_id)
            if s is not None:
                self._data.move_to_end(search_id)
            return s


@dataclass
class Ctx:
    world: World
    now: int
    limits: Limits
    searches: SearchStore
    search_id_lag: float = 0.0  # seconds (wall time) a fresh search_id is refused
    wall: Callable[[], float] = time.monotonic
    random_seed: int = 0
    fields_raw: str | None = None


# ------------------------------------------------------------------ shared validation
def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Invalid request body: a JSON object is required")
    return body


def _int_param(body: dict[str, Any], name: str, default: int | None = None) -> int | None:
    v = body.get(name, default)
    if v is None:
        return None
    if isinstance(v, bool):
        raise invalid(f"Invalid {name}: expected an integer")
    if isinstance(v, str) and v.strip().isdigit():
        return int(v)
    if not isinstance(v, int):
        raise invalid(f"Invalid {name}: expected an integer")
    return v


def _max_count(body: dict[str, Any], default: int) -> int:
    n = _int_param(body, "max_count", default)
    assert n is not None
    if n < 1 or n > 100:
        raise invalid(f"Invalid max_count {n}: it must be between 1 and 100")
    return n


def _cursor(body: dict[str, Any], default: int = 0) -> int:
    try:
        c = _int_param(body, "cursor", default)
    except ApiError as exc:
        raise invalid("Invalid count or cursor") from exc
    assert c is not None
    if c < 0:
        raise invalid("Invalid count or cursor")
    return c


def _date(body: dict[str, Any], name: str) -> date:
    v = body.get(name)
    if v is None or v == "":
        raise invalid(f"Invalid parameters: {name} is required")
    if not isinstance(v, str) or len(v) != 8 or not v.isdigit():
        raise invalid(f"Invalid {name} {v!r}: expected YYYYMMDD")
    try:
        return datetime.strptime(v, "%Y%m%d").date()
    except ValueError as exc:
        raise invalid(f"Invalid {name} {v!r}: not a date") from exc


def _account(ctx: Ctx, body: dict[str, Any]) -> Account:
    name = body.get("username")
    if not isinstance(name, str) or not name:
        raise invalid("Invalid parameters: username is required")
    acct = ctx.world.account_by_username(name)
    if acct is None:
        raise invalid(f"{name} is invalid: cannot find the user")
    if acct.api_refused:
        raise invalid("API cannot return this user's information")
    if acct.is_private:
        # Field: "is private" / "information cannot be returned". Open whether user/info answers for a
        # private account; chosen: every user endpoint refuses it the same way.
        raise invalid(f"{name} is private: the user's information cannot be returned")
    return acct


def _gone(ctx: Ctx, v: Video) -> bool:
    """Deleted videos and videos of private accounts are dropped after paging (doc)."""
    return (v.deleted_time is not None and v.deleted_time <= ctx.now) or ctx.world.accounts[
        v.author_index
    ].is_private


def _video_fields(ctx: Ctx) -> tuple[str, ...]:
    return parse_fields(ctx.fields_raw, VIDEO_FIELDS, DEFAULT_VIDEO_FIELDS)


def _video_page(render: VideoRenderer, key: str, videos: Sequence[Video], **paging: Any) -> Page:
    """Rendered ``videos`` under ``key``, then the paging fields (cursor, has_more, …) in the order given."""
    return Page({key: [render(v) for v in videos], **paging}, len(videos), [str(v.id) for v in videos])


# ------------------------------------------------------------------ video/query
def search_key(body: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"q": body.get("query"), "s": body.get("start_date"), "e": body.get("end_date")},
        option=orjson.OPT_SORT_KEYS,
    )


def run_search(world: World, q: Query, start: date, end: date, now: int, archive_lag: int) -> list[Video]:
    """Every video matching ``q`` created on [start, end] (UTC days) and at least ``archive_lag`` old, id desc."""
    cutoff = now - archive_lag
    if day_start(start) > cutoff:
        return []

    def stats(v: Video) -> Any:
        return world.stats(v, stats_time(world, v, now))

    days = [d for d in reversed(world.days(start, end)) if day_start(d) <= cutoff]
    ids, names = q.video_ids(), q.usernames()
    if ids is not None:
        cands = [v for v in (world.video(i) for i in ids) if v is not None and start <= _day(v) <= end]
    elif names is not None:
        accts = [a for a in (world.account_by_username(n) for n in names) if a is not None]
        cands = [v for d in days for a in accts for v in world.account_videos_on(a.index, d)]
    else:
        cands = [v for d in days for v in world.videos_on(d)]
    out = [v for v in cands if v.create_time <= cutoff and matches(q, v, stats)]
    out.sort(key=lambda v: v.id, reverse=True)
    return out


def _day(v: Video) -> date:
    return date.fromordinal(719_163 + v.create_time // 86_400)  # 719163 = date(1970, 1, 1).toordinal()


def video_query(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = _video_fields(ctx)
    if "query" not in body:
        raise invalid("Invalid parameters: query is required")
    try:
        q = parse_query(body["query"], ctx.limits.max_in_values)
    except QueryError as exc:
        raise invalid(str(exc)) from exc
    # Both bounds are inclusive UTC days (open); the end may be at most 30 days after the start (doc).
    start, end = _date(body, "start_date"), _date(body, "end_date")
    if end < start:
        raise invalid("Invalid end_date: it must not be before start_date")
    if (end - start).days > 30:
        raise invalid("Invalid end_date: it must be no more than 30 days after start_date")
    max_count = _max_count(body, 20)
    cursor = _cursor(body)
    is_random = body.get("is_random", False)
    if not isinstance(is_random, bool):
        raise invalid("Invalid is_random: expected a boolean")
    sid = body.get("search_id")
    if sid is not None and not isinstance(sid, str | int):
        raise invalid("Invalid search_id")
    key = search_key(body)
    render = VideoRenderer(ctx.world, fields, ctx.now)

    if is_random:
        # 1-100 matching videos in random order, no paging (doc).
        found = [v for v in _fresh(ctx, q, start, end) if not _gone(ctx, v)]
        rng = random.Random(h64(ctx.random_seed, str_key(key.decode()), ctx.now))
        sample = rng.sample(found, min(max_count, len(found)))
        return _video_page(
            render, "videos", sample, cursor=len(sample), has_more=False, search_id=ctx.searches.new_id()
        )

    if sid is not None and str(sid) != "":
        search = ctx.searches.get(str(sid))
        if search is None or ctx.now - search.created_at > ctx.limits.search_ttl_seconds:
            raise invalid(f"Search Id {sid} is invalid or expired")
        if ctx.wall() - search.created_wall < ctx.search_id_lag:
            # Field: a fresh search_id is refused for a few seconds; clients retry with a growing wait.
            raise invalid(f"Search Id {sid} is invalid or expired")
        if search.key != key:
            # Open: the next page must repeat the query and dates; a different body is refused.
            raise invalid(f"Search Id {sid} is invalid or expired: query or dates differ from the search")
    else:
        search = Search(ctx.searches.new_id(), key, _fresh(ctx, q, start, end), ctx.now, ctx.wall())
        ctx.searches.put(search)

    chunk = search.videos[cursor : cursor + max_count]
    kept = [v for v in chunk if not _gone(ctx, v)]
    next_cursor = cursor + len(chunk)
    return _video_page(
        render,
        "videos",
        kept,
        cursor=next_cursor,
        has_more=next_cursor < len(search.videos),
        search_id=search.search_id,
    )


def _fresh(ctx: Ctx, q: Query, start: date, end: date) -> list[Video]:
    return run_search(ctx.world, q, start, end, ctx.now, ctx.limits.archive_lag_seconds)


# ------------------------------------------------------------------ video/comment/list
def comment_list(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = parse_fields(ctx.fields_raw, COMMENT_FIELDS, COMMENT_FIELDS)
    max_count = _max_count(body, 10)
    cursor = _cursor(body)
    world = ctx.world
    comment_id = _int_param(body, "comment_id")
    if comment_id is not None:
        vid = world.comment_video_id(comment_id)
        video = world.video(vid) if vid is not None else None
        if video is None:
            raise invalid(f"Invalid comment_id {comment_id}")
        items = world.replies(video, comment_id, ctx.now) if not _gone(ctx, video) else []
    else:
        video_id = _int_param(body, "video_id")
        if video_id is None:
            raise invalid("Invalid parameters: video_id is required")
        video = world.video(video_id)
        if video is None or video.create_time > ctx.now:
            raise invalid(f"Invalid video_id {video_id}")
        items = world.comments(video, ctx.now) if not _gone(ctx, video) else []
    # Only the first 1,000 are reachable (doc, field); a cursor past them gets an empty last page (open).
    reachable = items[: ctx.limits.comments_reachable]
    chunk = reachable[cursor : cursor + max_count]
    next_cursor = cursor + len(chunk)
    return Page(
        {
            "comments": [render_comment(c, fields) for c in chunk],
            "cursor": next_cursor,
            "has_more": next_cursor < len(reachable),
        },
        len(chunk),
        [str(c.id) for c in chunk],
    )


# ------------------------------------------------------------------ user/info
def user_info(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = parse_fields(ctx.fields_raw, USER_FIELDS, USER_FIELDS)
    acct = _account(ctx, body)
    world, now = ctx.world, ctx.now
    values: dict[str, Callable[[], Any]] = {
        "display_name": lambda: acct.display_name,
        "bio_description": lambda: acct.bio,
        "avatar_url": lambda: acct.avatar_url,
        "is_verified": lambda: acct.verified,
        "follower_count": lambda: len(world.followers(acct.index, now)),
        "following_count": lambda: len(world.following(acct.index, now)),
        "likes_count": lambda: sum(world.stats(v, now).likes for v in world.account_videos(acct.index, now)),
        "video_count": lambda: sum(
            1 for v in world.account_videos(acct.index, now) if v.deleted_time is None or v.deleted_time > now
        ),
        "bio_url": lambda: acct.bio_url,
    }
    # User info is live (doc); the user's fields sit directly in `data`, no username echoed.
    return Page({f: values[f]() for f in fields}, 1, [acct.username])


# ------------------------------------------------------------------ followers / following
def _edge_page(ctx: Ctx, body: Any, following: bool) -> Page:
    body = _body(body)
    if ctx.fields_raw:
        raise invalid("Invalid fields: this endpoint takes no fields")
    acct = _account(ctx, body)
    if following and not acct.following_public:
        raise invalid(f"{acct.username}'s following list is private: information cannot be returned")
    max_count = _max_count(body, 20)
    cursor = _cursor(body, ctx.now)
    world = ctx.world
    edges = world.following(acct.index, ctx.now) if following else world.followers(acct.index, ctx.now)
    other = (lambda e: e.followee_index) if following else (lambda e: e.follower_index)
    public = [e for e in edges if not world.accounts[other(e)].is_private][: ctx.limits.follow_reachable]
    # `public` is newest first; find the first edge at or before the cursor (timestamp, doc).
    neg_times = [-e.create_time for e in public]
    start = bisect_left(neg_times, -cursor)
    chunk = public[start : start + max_count]
    next_cursor = chunk[-1].create_time - 1 if chunk else cursor
    users = [
        {"display_name": world.accounts[other(e)].display_name, "username": world.accounts[other(e)].username}
        for e in chunk
    ]
    key = "user_following" if following else "user_followers"
    return Page(
        {key: users, "cursor": next_cursor, "has_more": start + len(chunk) < len(public)},
        len(users),
        [u["username"] for u in users],
    )


def followers(ctx: Ctx, body: Any) -> Page:
    return _edge_page(ctx, body, following=False)


def following(ctx: Ctx, body: Any) -> Page:
    return _edge_page(ctx, body, following=True)


# ------------------------------------------------------------------ liked / reposted / pinned
def liked_videos(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = _video_fields(ctx)
    acct = _account(ctx, body)
    if not acct.likes_public:
        raise invalid(f"{acct.username}'s liked videos are private: information cannot be returned")
    max_count = _max_count(body, 20)
    cursor = _cursor(body, ctx.now)
    # Cursor: documented as seconds, examples in milliseconds (open): seconds, and milliseconds accepted.
    if cursor > 100_000_000_000:
        cursor //= 1000
    items = ctx.world.liked(acct.index, ctx.now)
    start = bisect_left([-t for _, t in items], -cursor)
    chunk = items[start : start + max_count]
    kept = [v for v, _ in chunk if not _gone(ctx, v)]
    return _video_page(
        VideoRenderer(ctx.world, fields, ctx.now),
        "user_liked_videos",
        kept,
        cursor=chunk[-1][1] - 1 if chunk else cursor,
        has_more=start + len(chunk) < len(items),
    )


def reposted_videos(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = _video_fields(ctx)
    acct = _account(ctx, body)
    max_count = _max_count(body, 20)
    cursor = _cursor(body)  # an index (doc)
    items = ctx.world.reposted(acct.index, ctx.now)
    chunk = items[cursor : cursor + max_count]
    kept = [v for v, _ in chunk if not _gone(ctx, v)]
    nxt = cursor + len(chunk)
    # Key: the doc's table says user_reposted_videos; its example and every client use reposted_videos.
    render = VideoRenderer(ctx.world, fields, ctx.now)
    return _video_page(render, "reposted_videos", kept, cursor=nxt, has_more=nxt < len(items))


def pinned_videos(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    fields = _video_fields(ctx)
    acct = _account(ctx, body)
    vids = [v for v in ctx.world.pinned(acct.index) if v.create_time <= ctx.now and not _gone(ctx, v)]
    return _video_page(VideoRenderer(ctx.world, fields, ctx.now), "pinned_videos_list", vids)


# ------------------------------------------------------------------ playlist/info
def playlist_info(ctx: Ctx, body: Any) -> Page:
    body = _body(body)
    parse_fields(ctx.fields_raw, PLAYLIST_FIELDS, PLAYLIST_FIELDS)
    pid = _int_param(body, "playlist_id")
    if pid is None:
        raise invalid("Invalid parameters: playlist_id is required")
    pl = ctx.world.playlist(pid, at=ctx.now)
    if pl is None:
        raise invalid(f"Invalid playlist_id {pid}")
    vids = [v.id for v in (ctx.world.video(i) for i in pl.video_ids) if v is not None and not _gone(ctx, v)]
    # cursor/has_more are documented, one client says they are ignored (open): honoured, index cursor.
    max_count = _max_count(body, 20)
    cursor = _cursor(body)
    chunk = vids[cursor : cursor + max_count]
    nxt = cursor + len(chunk)
    return Page(
        {
            "playlist_id": pl.id,
            "playlist_name": pl.name,
            "playlist_item_total": len(vids),
            "playlist_last_updated": pl.last_updated,
            "playlist_video_ids": chunk,
            "cursor": nxt,
            "has_more": nxt < len(vids),
        },
        len(chunk),
        [str(i) for i in chunk],
    )


# path (after /v2/research/) -> (handler, quota bucket)
ENDPOINTS: dict[str, tuple[Callable[[Ctx, Any], Page], str]] = {
    "video/query/": (video_query, "video"),
    "video/comment/list/": (comment_list, "video"),
    "user/info/": (user_info, "other"),
    "user/liked_videos/": (liked_videos, "other"),
    "user/pinned_videos/": (pinned_videos, "other"),
    "user/reposted_videos/": (reposted_videos, "other"),
    "user/followers/": (followers, "follow"),
    "user/following/": (following, "follow"),
    "playlist/info/": (playlist_info, "other"),
}
PAGED = {
    "video/query/",
    "video/comment/list/",
    "user/liked_videos/",
    "user/reposted_videos/",
    "user/followers/",
    "user/following/",
    "playlist/info/",
}
