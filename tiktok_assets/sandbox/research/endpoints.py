"""The Research API's endpoint table (path -> handler, quota bucket), and ``truth``: the same handlers paged
to the end, which is what a perfect client collects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiktok_assets.sandbox.research.comments import comment_list
from tiktok_assets.sandbox.research.context import Ctx, Page
from tiktok_assets.sandbox.research.playlists import playlist_info
from tiktok_assets.sandbox.research.search import video_query
from tiktok_assets.sandbox.research.search_store import SearchStore
from tiktok_assets.sandbox.research.users import (
    followers,
    following,
    liked_videos,
    pinned_videos,
    reposted_videos,
    user_info,
)
from tiktok_assets.sandbox.server.limits import Limits
from tiktok_assets.sandbox.world import World

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


def truth(path: str, body: dict[str, Any], world: World, now: int, limits: Limits | None = None) -> list[str]:
    """Keys (ids / usernames as strings) a perfect client collects paging ``body`` at ``path`` to its end.

    ``body`` may carry ``fields`` (ignored: keys do not depend on it). Errors (unknown user, bad query)
    raise ApiError, so the caller sees why there is no truth.
    """
    path = path.strip("/")
    path = path[len("v2/research/") :] if path.startswith("v2/research/") else path
    path += "/"
    handler, _ = ENDPOINTS[path]
    # is_random answers a sample; its truth is the population the sample is drawn from.
    body = {k: v for k, v in body.items() if k not in ("fields", "is_random")}
    if path in PAGED:
        body.setdefault("max_count", 100)
    ctx = Ctx(world=world, now=now, limits=limits or Limits(), searches=SearchStore(world.seed, maxsize=2))
    keys: list[str] = []
    for _ in range(1_000_000):
        page = handler(ctx, dict(body))
        keys.extend(page.keys)
        data = page.data
        if path not in PAGED or not data.get("has_more"):
            break
        body["cursor"] = data["cursor"]
        if "search_id" in data:
            body["search_id"] = data["search_id"]
    return keys
