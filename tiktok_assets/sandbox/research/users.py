"""The user endpoints: ``user/info``, followers / following, and liked, reposted and pinned videos.

Every one names its user by ``username``; private and refused accounts are refused the same way
(``_account``), and lists a user keeps private (likes, following) answer an error.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from tiktok_assets.sandbox.research import params
from tiktok_assets.sandbox.research.context import Ctx, Page, invalid, is_gone, video_page
from tiktok_assets.sandbox.research.render import USER_FIELDS, VideoRenderer, parse_fields
from tiktok_assets.sandbox.world import Account


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


# ------------------------------------------------------------------ user/info
def user_info(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
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
    body = params.json_object(body)
    if ctx.fields_raw:
        raise invalid("Invalid fields: this endpoint takes no fields")
    acct = _account(ctx, body)
    if following and not acct.following_public:
        raise invalid(f"{acct.username}'s following list is private: information cannot be returned")
    max_count = params.max_count(body, 20)
    cursor = params.cursor(body, ctx.now)
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
    body = params.json_object(body)
    fields = params.video_fields(ctx)
    acct = _account(ctx, body)
    if not acct.likes_public:
        raise invalid(f"{acct.username}'s liked videos are private: information cannot be returned")
    max_count = params.max_count(body, 20)
    cursor = params.cursor(body, ctx.now)
    # Cursor: documented as seconds, examples in milliseconds (open): seconds, and milliseconds accepted.
    if cursor > 100_000_000_000:
        cursor //= 1000
    items = ctx.world.liked(acct.index, ctx.now)
    start = bisect_left([-t for _, t in items], -cursor)
    chunk = items[start : start + max_count]
    kept = [v for v, _ in chunk if not is_gone(ctx, v)]
    return video_page(
        VideoRenderer(ctx.world, fields, ctx.now),
        "user_liked_videos",
        kept,
        cursor=chunk[-1][1] - 1 if chunk else cursor,
        has_more=start + len(chunk) < len(items),
    )


def reposted_videos(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
    fields = params.video_fields(ctx)
    acct = _account(ctx, body)
    max_count = params.max_count(body, 20)
    cursor = params.cursor(body)  # an index (doc)
    items = ctx.world.reposted(acct.index, ctx.now)
    chunk = items[cursor : cursor + max_count]
    kept = [v for v, _ in chunk if not is_gone(ctx, v)]
    nxt = cursor + len(chunk)
    # Key: the doc's table says user_reposted_videos; its example and every client use reposted_videos.
    render = VideoRenderer(ctx.world, fields, ctx.now)
    return video_page(render, "reposted_videos", kept, cursor=nxt, has_more=nxt < len(items))


def pinned_videos(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
    fields = params.video_fields(ctx)
    acct = _account(ctx, body)
    vids = [v for v in ctx.world.pinned(acct.index) if v.create_time <= ctx.now and not is_gone(ctx, v)]
    return video_page(VideoRenderer(ctx.world, fields, ctx.now), "pinned_videos_list", vids)
