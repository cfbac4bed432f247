"""Run a compiled VCE query against the world at a snapshot time: candidates per category, filter, limit.

Like the Research API, only public accounts' content that exists at the snapshot (created, not deleted)
is queryable. Candidates are narrowed from must-hold conditions (id, username, create_time, video_id) so a
query over a few accounts or days never scans the whole world.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tiktok_assets.sandbox.vce import fields as f
from tiktok_assets.sandbox.vce.query import Query, QueryError
from tiktok_assets.sandbox.world.catalog import Catalog, utc_day


def _accounts(cat: Catalog, names: set[str]) -> list[int]:
    by_name = cat.memo("vce_usernames", lambda: {a.username.casefold(): a.index for a in cat.world.accounts})
    return sorted(by_name[n] for n in names if n in by_name)


def _one_account(cat: Catalog, query: Query) -> int:
    names = query.required("username") or set()
    found = _accounts(cat, names)
    if len(found) != 1:
        raise QueryError(f"{query.category.name}: no such user {sorted(names)}")
    return found[0]


def _public(cat: Catalog, index: int, what: str, hidden: bool = False) -> None:
    if cat.is_private(index) or hidden:
        raise QueryError(
            f"{what} of {cat.world.accounts[index].username} cannot be returned: the account is private"
        )


def _ok(cat: Catalog, video: Any, now: int) -> bool:
    return video is not None and cat.visible(video, now) and not cat.is_private(video.author_index)


def _videos(cat: Catalog, query: Query, now: int) -> Iterator[Any]:
    world = cat.world
    ids = query.required("id")
    if ids is not None:
        found = (world.video(int(i)) for i in ids if i.isdigit())
        yield from sorted((v for v in found if _ok(cat, v, now)), key=lambda v: -v.id)
        return
    lo, hi = query.bounds("create_time")
    hi = now if hi is None else min(hi, now)
    names = query.required("username")
    if names is not None:
        videos = [v for i in _accounts(cat, names) for v in world.account_videos(i, hi) if _ok(cat, v, now)]
        yield from sorted((v for v in videos if lo is None or v.create_time >= lo), key=lambda v: -v.id)
        return
    day, first = utc_day(hi), world.start_date if lo is None else max(world.start_date, utc_day(max(lo, 0)))
    while day >= first:
        for v in world.videos_on(day):
            if v.create_time <= hi and (lo is None or v.create_time >= lo) and _ok(cat, v, now):
                yield v
        day -= timedelta(days=1)


def _comments(cat: Catalog, query: Query, now: int) -> Iterator[Any]:
    for vid in sorted((int(i) for i in query.required("video_id") or () if i.isdigit()), reverse=True):
        video = cat.world.video(vid)
        if not _ok(cat, video, now):
            continue
        for c in cat.world.comments(video, now):
            yield c
            if c.reply_count:
                yield from cat.world.replies(video, c.id, now)


def _playlists(cat: Catalog, query: Query, now: int) -> Iterator[tuple[Any, str]]:
    world = cat.world
    ids = query.required("playlist_id")
    if ids is None:
        ids = set()
        for index in _accounts(cat, query.required("username") or set()):
            if not cat.is_private(index):
                ids |= {
                    str(v.playlist_id) for v in cat.account_videos(index, now) if v.playlist_id is not None
                }
    for pid in sorted((int(i) for i in ids if i.isdigit()), reverse=True):
        playlist = world.playlist(pid, now)
        if playlist is not None:
            owner = world.video(playlist.video_ids[0]).author_index
            if not cat.is_private(owner):
                yield playlist, world.accounts[owner].username


def rows(cat: Catalog, query: Query, now: int) -> Iterator[Any]:
    """Candidate rows of the query's category, in result order (videos newest first)."""
    world, name = cat.world, query.category.name
    if name == "video":
        return (f.video_row(cat, v, now) for v in _videos(cat, query, now))
    if name == "comment":
        return (f.comment_row(cat, c) for c in _comments(cat, query, now))
    if name == "profile":
        names = query.required("username")
        indexes = _accounts(cat, names) if names is not None else range(len(world.accounts))
        return (f.profile_row(cat, i, now) for i in indexes)
    if name == "playlists":
        return (f.playlist_row(p, owner) for p, owner in _playlists(cat, query, now))
    index = _one_account(cat, query)
    account = world.accounts[index]
    if name == "followers_list":
        _public(cat, index, "followers")
        return (f.user_row(cat, e.follower_index) for e in world.followers(index, now))
    if name == "following_list":
        _public(cat, index, "following", hidden=not account.following_public)
        return (f.user_row(cat, e.followee_index) for e in world.following(index, now))
    if name == "liked_videos":
        _public(cat, index, "liked videos", hidden=not account.likes_public)
        videos = [v for v, _ in world.liked(index, now)]
    elif name == "reposted_videos":
        _public(cat, index, "reposted videos")
        videos = [v for v, _ in world.reposted(index, now)]
    else:  # pinned_videos
        _public(cat, index, "pinned videos")
        videos = world.pinned(index)
    return (f.video_row(cat, v, now) for v in videos if _ok(cat, v, now))


def execute(
    cat: Catalog, query: Query, now: int, limit: int, sample_seed: int | None, min_followers: int = 0
) -> list[dict[str, Any]]:
    """Matching records projected on the query's fields: the first `limit` in order, or — when
    `sample_seed` is given (test stage) — a seeded random sample of `limit` of all matches, in order.
    `min_followers` keeps only videos whose creator has at least that many followers."""
    # In the per-user categories the one condition (username EQ) names whose list it is, not a row filter.
    owner_only = query.category.name in f.EQ_ONLY
    matched: Iterator[Any] = (row for row in rows(cat, query, now) if owner_only or query.matches(row))
    if min_followers and query.category.fields == f.VIDEO_FIELDS:

        def big(index: int) -> bool:
            return cat.memo(
                ("vce_big", index, now, min_followers),
                lambda: len(cat.world.followers(index, now)) >= min_followers,
            )

        matched = (row for row in matched if big(row["_author_index"]))
    if sample_seed is None:
        out = []
        for row in matched:
            out.append(query.project(row))
            if len(out) >= limit:
                break
        return out
    everything = list(matched)
    if len(everything) > limit:
        keep = sorted(random.Random(sample_seed).sample(range(len(everything)), limit))
        everything = [everything[i] for i in keep]
    return [query.project(row) for row in everything]
