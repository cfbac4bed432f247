"""What every EnsembleData endpoint receives and returns, unit prices, and user resolution."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tiktok_assets.sandbox.ensembledata.params import EdError, Params
from tiktok_assets.sandbox.ensembledata.restricted import check_user
from tiktok_assets.sandbox.world.catalog import Catalog

# Per-endpoint unit prices (open in the reference, so a sandbox setting). Meaning per endpoint:
# paged endpoints cost this much per call; `/tt/user/posts*` cost this much per unit of `depth` requested;
# the "full" searches cost this much per started block of FULL_SEARCH_BLOCK posts returned (at least one
# block) — twice what paging them yourself would cost, the price of one call instead of many.
DEFAULT_PRICES: dict[str, int] = {
    "/tt/hashtag/posts": 1,
    "/tt/hashtag/recent-posts": 2,
    "/tt/keyword/search": 1,
    "/tt/keyword/full-search": 2,
    "/tt/user/posts": 1,
    "/tt/user/posts-from-secuid": 1,
    "/tt/user/info": 1,
    "/tt/user/info-from-secuid": 1,
    "/tt/user/search": 1,
    "/tt/user/liked-posts": 1,
    "/tt/user/followers": 1,
    "/tt/user/followings": 1,
    "/tt/post/info": 1,
    "/tt/post/multi-info": 1,
    "/tt/post/comments": 1,
    "/tt/post/comments-replies": 1,
    "/tt/music/info": 1,
    "/tt/music/posts": 1,
    "/tt/music/details": 1,
    "/tt/live/search": 1,
    "/customer/get-used-units": 0,
    "/customer/get-history": 0,
}
FULL_SEARCH_BLOCK = 20

SECUID_PREFIX = "MS4wLjABAAAA"

# How the customer endpoints learn the server's unit counters: a callable day -> units used that day.
UsageFn = Callable[[date], int]


@dataclass(frozen=True)
class Ctx:
    cat: Catalog
    now: int
    prices: Mapping[str, int] = field(default_factory=lambda: DEFAULT_PRICES)
    usage: UsageFn | None = None

    @property
    def world(self) -> Any:
        return self.cat.world

    def price(self, path: str) -> int:
        return int(self.prices.get(path, DEFAULT_PRICES.get(path, 1)))


@dataclass(frozen=True)
class Reply:
    """A success: the whole JSON body (with its top-level `data`) and the units it costs."""

    body: dict[str, Any]
    units: int


def offset_reply(ctx: Ctx, path: str, payload: dict[str, Any], following: int | None) -> Reply:
    """An offset-paged answer: ``payload`` inside ``data``, with ``nextCursor`` while more follow."""
    if following is not None:
        payload["nextCursor"] = following
    return Reply({"data": payload}, ctx.price(path))


def _found(account: Any) -> int:
    """The index of a looked-up account; 473 when the lookup found none."""
    if account is None:
        raise EdError(473, "User not found")
    return account.index


def account_by_username(ctx: Ctx, name: str) -> int:
    """Index of the account; 463 for a malformed name, 473 for an unknown one."""
    name = name.strip().removeprefix("@")
    if not name or any(ch.isspace() or ch in "/?#&" for ch in name):
        raise EdError(463, "Invalid user")
    check_user(name)  # documented restricted names (restricted.py): 471 / 474
    return _found(ctx.world.account_by_username(name))


def account_by_secuid(ctx: Ctx, sec_uid: str) -> int:
    if not sec_uid.startswith(SECUID_PREFIX) or len(sec_uid) <= len(SECUID_PREFIX):
        raise EdError(463, "Invalid user")
    return _found(ctx.world.account_by_sec_uid(sec_uid))


def account_by_ids(ctx: Ctx, p: Params) -> int:
    """Followers/followings take both `id` (uid) and `secUid`; either alone is enough, both must agree."""
    uid_raw, sec_uid = p.get("id"), p.get("secUid")
    if not uid_raw and not sec_uid:
        raise EdError(422, "Missing required parameter 'id'")
    by_sec = account_by_secuid(ctx, sec_uid) if sec_uid else None
    by_uid = None
    if uid_raw:
        if not uid_raw.isdigit():
            raise EdError(463, "Invalid user")
        by_uid = _found(ctx.world.account_by_uid(int(uid_raw)))
    if by_sec is not None and by_uid is not None and by_sec != by_uid:
        raise EdError(463, "Invalid user: 'id' and 'secUid' name different users")
    index = by_sec if by_sec is not None else by_uid
    assert index is not None
    return index


def require_public(ctx: Ctx, account_index: int, what: str = "") -> None:
    if ctx.cat.is_private(account_index):
        raise EdError(472, f"Private user{what}")
