"""EnsembleData endpoints about accounts: info, search, followers, followings, liked posts."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import orjson

from tiktok_assets.sandbox.ensembledata import shapes
from tiktok_assets.sandbox.ensembledata.context import (
    Ctx,
    Reply,
    account_by_ids,
    account_by_secuid,
    account_by_username,
    offset_reply,
    require_public,
)
from tiktok_assets.sandbox.ensembledata.paging import first_older, offset_page, time_chunk
from tiktok_assets.sandbox.ensembledata.params import EdError, Params

USER_SEARCH_PAGE = 10
LIKED_PAGE = 30
FOLLOW_PAGE = 100
FOLLOWERS_REACHABLE = 5000  # only the latest 5,000 followers can be listed (doc)


# -- info -------------------------------------------------------------------------------------------------
def user_info(p: Params, ctx: Ctx) -> Reply:
    """Works for private accounts too: the profile card is public, its content is not."""
    index = account_by_username(ctx, p.required("username"))
    return Reply({"data": shapes.web_user(ctx.cat, index, ctx.now)}, ctx.price("/tt/user/info"))


def user_info_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(ctx.world.accounts[account_by_username(ctx, p.required("username"))].uid)]


def user_info_secuid(p: Params, ctx: Ctx) -> Reply:
    index = account_by_secuid(ctx, p.required("secUid"))
    user = shapes.user_profile(ctx.cat, index, ctx.now)
    if p.boolean("alternative_method"):
        # The alternative payload adds the account category (doc); the sandbox derives it (open).
        user["category"] = "Creator" if user["verification_type"] else "Personal Blog"
        user["is_private_account"] = bool(user["secret"])
    return Reply({"data": {"user": user}}, ctx.price("/tt/user/info-from-secuid"))


def user_info_secuid_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(ctx.world.accounts[account_by_secuid(ctx, p.required("secUid"))].uid)]


# -- search -----------------------------------------------------------------------------------------------
def _user_matches(p: Params, ctx: Ctx) -> Sequence[int]:
    """Accounts whose username or display name contains the keyword (case-insensitive); exact username
    first, then username prefix, then the rest, each in account order (ranking open)."""
    keyword = p.required("keyword").lower().removeprefix("@")

    def build() -> tuple[int, ...]:
        ranked = []
        for account in ctx.world.accounts:
            name = account.username.lower()
            if keyword in name or keyword in account.display_name.lower():
                rank = 0 if name == keyword else 1 if name.startswith(keyword) else 2
                ranked.append((rank, account.index))
        return tuple(index for _, index in sorted(ranked))

    return ctx.cat.memo(("ed_user_search", keyword), build)


def user_search(p: Params, ctx: Ctx) -> Reply:
    chunk, following = offset_page(_user_matches(p, ctx), p.cursor(), USER_SEARCH_PAGE)
    payload = {"users": [{"user_info": shapes.user_profile(ctx.cat, i, ctx.now)} for i in chunk]}
    return offset_reply(ctx, "/tt/user/search", payload, following)


def user_search_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(ctx.world.accounts[i].uid) for i in _user_matches(p, ctx)[p.cursor() :]]


# -- liked posts ------------------------------------------------------------------------------------------
def _liked(p: Params, ctx: Ctx) -> Sequence[Any]:
    index = account_by_secuid(ctx, p.required("secUid"))
    require_public(ctx, index)
    if not ctx.world.accounts[index].likes_public:
        raise EdError(472, "Private user: liked posts are hidden")
    return ctx.cat.memo(
        ("ed_liked", index, ctx.now),
        lambda: tuple(
            v
            for v, _ in ctx.world.liked(index, ctx.now)
            if ctx.cat.visible(v, ctx.now) and not ctx.cat.is_private(v.author_index)
        ),
    )


def liked_posts(p: Params, ctx: Ctx) -> Reply:
    cursor = p.cursor()
    chunk, following = offset_page(_liked(p, ctx), cursor, LIKED_PAGE)
    payload = {"liked_posts": [shapes.post(ctx.cat, v, ctx.now) for v in chunk]}
    return offset_reply(ctx, "/tt/user/liked-posts", payload, following)


def liked_posts_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(v.id) for v in _liked(p, ctx)[p.cursor() :]]


# -- followers / followings -------------------------------------------------------------------------------
def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"offset": offset})).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset = orjson.loads(raw)["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise EdError(422, "Invalid value for parameter 'page_token'") from None
    if not isinstance(offset, int) or offset < 0:
        raise EdError(422, "Invalid value for parameter 'page_token'")
    return offset


class _Edges:
    """Follow edges newest first. Paging (open in detail): `cursor` is a Unix time in seconds — edges made
    strictly before it follow (TikTok's min_time); a page never splits one second. Followings also hand out
    `nextPageToken` (an offset), which wins over `cursor` when sent back."""

    def __init__(self, p: Params, ctx: Ctx, followers: bool) -> None:
        self.cursor = p.integer("cursor", None, minimum=0)
        token = p.get("page_token")
        self.index = account_by_ids(ctx, p)
        require_public(ctx, self.index)
        account = ctx.world.accounts[self.index]
        if not followers and not account.following_public:
            raise EdError(472, "Private user: followings are hidden")
        edges = (ctx.world.followers if followers else ctx.world.following)(self.index, ctx.now)
        self.total = len(edges)
        self.edges = edges[:FOLLOWERS_REACHABLE] if followers else edges
        self.followers = followers
        self.start = (
            _decode_token(token)
            if token
            else first_older(self.edges, self.cursor, lambda e: e.create_time)
            if self.cursor is not None
            else 0
        )

    def other(self, edge: Any) -> int:
        return edge.follower_index if self.followers else edge.followee_index

    def page(self) -> tuple[Sequence[Any], int]:
        end = time_chunk(self.edges, self.start, FOLLOW_PAGE, lambda e: e.create_time)
        return self.edges[self.start : end], end


def _follow_reply(p: Params, ctx: Ctx, followers: bool) -> Reply:
    edges = _Edges(p, ctx, followers)
    chunk, end = edges.page()
    key = "followers" if followers else "followings"
    payload: dict[str, Any] = {
        key: [shapes.author(ctx.cat, edges.other(e)) for e in chunk],
        "total": edges.total,
    }
    if chunk:
        more = end < len(edges.edges)
        if followers:
            if more:
                payload["nextCursor"] = chunk[-1].create_time
        else:
            # Followings: `nextCursor` (a time) is always given while the page had items; the end is marked
            # by a missing `nextPageToken` — a client must stop when either key is missing (doc).
            payload["nextCursor"] = chunk[-1].create_time
            if more:
                payload["nextPageToken"] = _encode_token(end)
    path = "/tt/user/followers" if followers else "/tt/user/followings"
    return Reply({"data": payload}, ctx.price(path))


def _follow_keys(p: Params, ctx: Ctx, followers: bool) -> list[str]:
    edges = _Edges(p, ctx, followers)
    return [str(ctx.world.accounts[edges.other(e)].uid) for e in edges.edges[edges.start :]]


def user_followers(p: Params, ctx: Ctx) -> Reply:
    return _follow_reply(p, ctx, followers=True)


def user_followers_keys(p: Params, ctx: Ctx) -> list[str]:
    return _follow_keys(p, ctx, followers=True)


def user_followings(p: Params, ctx: Ctx) -> Reply:
    return _follow_reply(p, ctx, followers=False)


def user_followings_keys(p: Params, ctx: Ctx) -> list[str]:
    return _follow_keys(p, ctx, followers=False)
