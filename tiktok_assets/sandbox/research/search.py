"""``video/query``: the video search (``run_search``) and the endpoint paging its results by ``search_id``.

A search starts when a page comes without a search_id; its matches are kept in the ``SearchStore`` and
the next pages slice them (the world does not move under a search: it runs at its creation's clock). It
runs day by day, newest first, only as far as the pages asked reach. ``is_random`` answers a sample instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain
from typing import Any

import orjson

from tiktok_assets.sandbox.research import params
from tiktok_assets.sandbox.research.context import Ctx, Page, invalid, is_gone, video_page
from tiktok_assets.sandbox.research.query import Query, QueryError, matches, parse_query
from tiktok_assets.sandbox.research.render import VideoRenderer, stats_time
from tiktok_assets.sandbox.research.search_store import Search
from tiktok_assets.sandbox.world import Video, World, day_start
from tiktok_assets.sandbox.world.hashing import h64, str_key


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


def search_key(body: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"q": body.get("query"), "s": body.get("start_date"), "e": body.get("end_date")},
        option=orjson.OPT_SORT_KEYS,
    )


def run_search(
    world: World, q: Query, start: date, end: date, now: int, archive_lag: int, use_index: bool = True
) -> list[Video]:
    """Every video matching ``q`` created on [start, end] (UTC days) and at least ``archive_lag`` old, id desc.

    The index: a query whose every match must have one of a few video ids or usernames (``and`` EQ/IN, or an
    ``or`` made only of those) reads just those videos or accounts' days. ``use_index=False`` scans every
    video of the window instead: the reference the indexed answer must equal (tests compare them).
    """
    return list(chain.from_iterable(search_by_day(world, q, start, end, now, archive_lag, use_index)))


def search_by_day(
    world: World, q: Query, start: date, end: date, now: int, archive_lag: int, use_index: bool = True
) -> Iterator[list[Video]]:
    """``run_search``'s answer in consecutive parts, one per day, newest day first, each id descending.

    Their concatenation is the whole answer in order: a video id starts with its create_time, so every id of a
    day is above every id of the day before. A search's first page reads one day, not the whole window.
    """
    cutoff = now - archive_lag
    if day_start(start) > cutoff:
        return

    def stats(v: Video) -> Any:
        return world.stats(v, stats_time(world, v, now))

    def found(cands: Iterable[Video]) -> list[Video]:
        out = [v for v in cands if v.create_time <= cutoff and matches(q, v, stats)]
        out.sort(key=lambda v: v.id, reverse=True)
        return out

    days = [d for d in reversed(world.days(start, end)) if day_start(d) <= cutoff]
    ids, names = (q.video_ids(), q.usernames()) if use_index else (None, None)
    if ids is not None:
        yield found(v for v in (world.video(i) for i in ids) if v is not None and start <= _day(v) <= end)
        return
    accts = (
        [a for a in (world.account_by_username(n) for n in names) if a is not None]
        if names is not None
        else []
    )
    for d in days:
        if names is not None:
            yield found(v for a in accts for v in world.account_videos_on(a.index, d))
        else:
            yield found(world.videos_on(d))


def _day(v: Video) -> date:
    return date.fromordinal(719_163 + v.create_time // 86_400)  # 719163 = date(1970, 1, 1).toordinal()


def video_query(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
    fields = params.video_fields(ctx)
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
    max_count = params.max_count(body, 20)
    cursor = params.cursor(body)
    is_random = params.optional(body, "is_random", False)
    if not isinstance(is_random, bool):
        raise invalid("Invalid is_random: expected a boolean")
    sid = params.optional(body, "search_id")
    if sid is not None and not isinstance(sid, str | int):
        raise invalid("Invalid search_id")
    key = search_key(body)
    render = VideoRenderer(ctx.world, fields, ctx.now)

    if is_random:
        # 1-100 matching videos in random order, no paging (doc).
        found = [v for v in _fresh(ctx, q, start, end) if not is_gone(ctx, v)]
        rng = random.Random(h64(ctx.random_seed, str_key(key.decode()), ctx.now))
        sample = rng.sample(found, min(max_count, len(found)))
        return video_page(
            render, "videos", sample, cursor=len(sample), has_more=False, search_id=ctx.searches.new_id()
        )

    if sid is not None:
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
        found = search_by_day(ctx.world, q, start, end, ctx.now, ctx.limits.archive_lag_seconds)
        search = Search(ctx.searches.new_id(), key, [], ctx.now, ctx.wall(), rest=found)
        ctx.searches.put(search)

    # One match beyond the page tells has_more without reading the rest of the window.
    videos = search.upto(cursor + max_count + 1)
    chunk = videos[cursor : cursor + max_count]
    kept = [v for v in chunk if not is_gone(ctx, v)]
    next_cursor = cursor + len(chunk)
    return video_page(
        render,
        "videos",
        kept,
        cursor=next_cursor,
        has_more=next_cursor < len(videos),
        search_id=search.search_id,
    )


def _fresh(ctx: Ctx, q: Query, start: date, end: date) -> list[Video]:
    return run_search(ctx.world, q, start, end, ctx.now, ctx.limits.archive_lag_seconds)
