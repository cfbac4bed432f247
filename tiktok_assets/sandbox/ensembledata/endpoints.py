"""The EnsembleData endpoint table (path -> handler, key collector), `handle` and `truth`.

`handle` is pure (request, world, now) -> EdResult; the server checks the token (491), the daily unit budget
(495) and faults, sets the `units_charged` header from `EdResult.units`, and counts stats. Errors are
`{"detail": "..."}` with the reference's status codes and cost no units. `truth` lists the keys a perfect
client paging a request to its end would collect — computed from the same selections the handlers page.

Keys per endpoint: posts → `aweme_id`; comments/replies → `cid`; users (info, search, followers,
followings) → `uid`; music search/details → music id. All strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tiktok_assets.sandbox.ensembledata import comments, customer, music, users, videos
from tiktok_assets.sandbox.ensembledata.context import DEFAULT_PRICES, Ctx, Reply, UsageFn
from tiktok_assets.sandbox.ensembledata.params import EdError, Params
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.world.catalog import catalog, epoch

Serve = Callable[[Params, Ctx], Reply]
Keys = Callable[[Params, Ctx], list[str]]


@dataclass(frozen=True)
class Endpoint:
    serve: Serve
    keys: Keys | None = None  # None: nothing to collect (usage endpoints)


ENDPOINTS: dict[str, Endpoint] = {
    "/tt/hashtag/posts": Endpoint(videos.hashtag_posts, videos.hashtag_posts_keys),
    "/tt/hashtag/recent-posts": Endpoint(videos.hashtag_recent, videos.hashtag_recent_keys),
    "/tt/keyword/search": Endpoint(videos.keyword_search, videos.keyword_search_keys),
    "/tt/keyword/full-search": Endpoint(videos.keyword_full, videos.keyword_full_keys),
    "/tt/user/posts": Endpoint(videos.user_posts, videos.user_posts_keys),
    "/tt/user/posts-from-secuid": Endpoint(videos.user_posts_secuid, videos.user_posts_secuid_keys),
    "/tt/user/info": Endpoint(users.user_info, users.user_info_keys),
    "/tt/user/info-from-secuid": Endpoint(users.user_info_secuid, users.user_info_secuid_keys),
    "/tt/user/search": Endpoint(users.user_search, users.user_search_keys),
    "/tt/user/liked-posts": Endpoint(users.liked_posts, users.liked_posts_keys),
    "/tt/user/followers": Endpoint(users.user_followers, users.user_followers_keys),
    "/tt/user/followings": Endpoint(users.user_followings, users.user_followings_keys),
    "/tt/post/info": Endpoint(videos.post_info, videos.post_info_keys),
    "/tt/post/multi-info": Endpoint(videos.multi_info, videos.multi_info_keys),
    "/tt/post/comments": Endpoint(comments.post_comments, comments.post_comments_keys),
    "/tt/post/comments-replies": Endpoint(comments.comment_replies, comments.comment_replies_keys),
    "/tt/music/info": Endpoint(music.music_search, music.music_search_keys),
    "/tt/music/posts": Endpoint(videos.music_posts, videos.music_posts_keys),
    "/tt/music/details": Endpoint(music.music_details, music.music_details_keys),
    "/tt/live/search": Endpoint(videos.live_search, videos.live_search_keys),
    "/customer/get-used-units": Endpoint(customer.used_units),
    "/customer/get-history": Endpoint(customer.usage_history),
}


@dataclass(frozen=True)
class EdResult:
    response: SandboxResponse
    units: int


_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """`/apis//tt/user/info/` → `/tt/user/info`: the Node client doubles the slash (client); the `/apis`
    mount prefix is optional so the server may strip it or not."""
    path = _SLASHES.sub("/", path.split("?", 1)[0])
    if path == "/apis" or path.startswith("/apis/"):
        path = path[len("/apis") :]
    return path.rstrip("/") or "/"


def _error(status: int, detail: str) -> EdResult:
    return EdResult(SandboxResponse.json(status, {"detail": detail}), 0)


def handle(
    request: SandboxRequest,
    world: Any,
    now: Any,
    *,
    prices: Mapping[str, int] | None = None,
    usage: UsageFn | None = None,
) -> EdResult:
    """Answer one EnsembleData request at observation time `now` (Unix seconds or datetime).

    `prices` overrides DEFAULT_PRICES per path; `usage(day) -> units` lets `/customer/*` report the server's
    unit counters (without it they report 0).
    """
    endpoint = ENDPOINTS.get(normalize_path(request.path))
    if endpoint is None:
        return _error(404, "Not Found")
    if request.method.upper() not in ("GET", "HEAD"):
        return _error(405, "Method Not Allowed")
    ctx = Ctx(catalog(world), epoch(now), {**DEFAULT_PRICES, **(prices or {})}, usage)
    try:
        reply = endpoint.serve(Params.from_query(request.query), ctx)
    except EdError as exc:
        return _error(exc.status, exc.detail)
    return EdResult(SandboxResponse.json(200, reply.body), reply.units)


def truth(path: str, params: Mapping[str, Any], world: Any, now: Any) -> list[str]:
    """Keys a perfect client collects by paging this request (same params, cursors followed) to its end.

    A request the API would refuse (4xx) collects nothing: [].
    """
    endpoint = ENDPOINTS.get(normalize_path(path))
    if endpoint is None:
        raise KeyError(f"unknown EnsembleData path: {path}")
    if endpoint.keys is None:
        return []
    flat = {
        k: ";".join(map(str, v))
        if isinstance(v, list | tuple) and k == "ids"
        else (str(v[0]) if isinstance(v, list | tuple) else str(v).lower() if isinstance(v, bool) else str(v))
        for k, v in params.items()
        if v is not None
    }
    try:
        return endpoint.keys(Params(flat), Ctx(catalog(world), epoch(now)))
    except EdError:
        return []
