"""The search index (OR / IN over usernames or video ids) answers exactly what a scan of every video does.

The reference is ``run_search(..., use_index=False)``: every video of the window, filtered by the query. The
served answer (real HTTP, several pages) must be that list, page by page: same ids, same order, same
cursors, same ``has_more``. And the index must be what answered: an indexed search generates no whole day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tiktok_assets.sandbox.research.query import parse_query
from tiktok_assets.sandbox.research.search import run_search
from tiktok_assets.sandbox.server.limits import Limits
from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

NOW = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())  # the sandbox fixture's clock
WORLD = World(7, "small")
START, END = date(2026, 5, 1), date(2026, 5, 31)  # a full 31-day window
LAG = Limits().archive_lag_seconds
NAMES = [a.username for a in WORLD.accounts[:40]]
PRIVATE = next(a.username for a in WORLD.accounts if a.is_private)


def cond(op: str, field: str, *values: str) -> dict[str, Any]:
    return {"operation": op, "field_name": field, "field_values": list(values)}


def some_ids() -> list[str]:
    return [str(v.id) for v in WORLD.videos_on(date(2026, 5, 3))[:5] + WORLD.videos_on(date(2026, 5, 20))[:5]]


QUERIES: dict[str, dict[str, Any]] = {
    "or of EQ usernames": {"or": [cond("EQ", "username", n) for n in NAMES]},
    "or of IN usernames": {"or": [cond("IN", "username", *NAMES[:20]), cond("IN", "username", *NAMES[15:])]},
    "or of usernames, unknown and private ones among them": {
        "or": [cond("EQ", "username", n) for n in [*NAMES[:5], "no_such_user_xyz", PRIVATE]]
    },
    "or of usernames and an and condition": {
        "and": [cond("IN", "region_code", "US", "BR", "GB", "DE")],
        "or": [cond("IN", "username", *NAMES)],
    },
    "and IN narrowed by an or": {
        "and": [cond("IN", "username", *NAMES[:25])],
        "or": [cond("IN", "username", *NAMES[10:40])],
        "not": [cond("EQ", "video_length", "SHORT")],
    },
    "or of usernames and a hashtag (no index)": {
        "or": [cond("IN", "username", *NAMES[:10]), cond("EQ", "hashtag_name", "fyp")]
    },
    "or of video ids": {"or": [cond("EQ", "video_id", i) for i in some_ids()]},
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_indexed_answer_equals_the_scan_page_by_page(research: ResearchRaw, name: str) -> None:
    raw = QUERIES[name]
    q = parse_query(raw)
    scan = run_search(WORLD, q, START, END, NOW, LAG, use_index=False)
    assert len(scan) > 0
    assert [v.id for v in run_search(WORLD, q, START, END, NOW, LAG)] == [v.id for v in scan]
    gone = {
        v.id
        for v in scan
        if WORLD.accounts[v.author_index].is_private or (v.deleted_time is not None and v.deleted_time <= NOW)
    }
    body = {"query": raw, "start_date": f"{START:%Y%m%d}", "end_date": f"{END:%Y%m%d}", "max_count": 37}
    cursor, pages = 0, 0
    while True:
        data = research.data("video/query/", body, "id")
        chunk = scan[cursor : cursor + 37]
        assert [v["id"] for v in data["videos"]] == [v.id for v in chunk if v.id not in gone]
        cursor += len(chunk)
        assert (data["cursor"], data["has_more"]) == (cursor, cursor < len(scan))
        pages += 1
        if not data["has_more"]:
            break
        body.update(cursor=data["cursor"], search_id=data["search_id"])
    assert cursor == len(scan) and pages == -(-len(scan) // 37)


def test_or_of_usernames_reads_only_those_accounts() -> None:
    """The index is what answers: no whole day is generated for an OR of usernames, the scan generates each."""
    q = parse_query(QUERIES["or of EQ usernames"])
    indexed_world, scanning_world = World(7, "small"), World(7, "small")
    run_search(indexed_world, q, START, END, NOW, LAG)
    assert len(indexed_world._day_cache) == 0 and len(indexed_world._acct_day_cache) > 0
    run_search(scanning_world, q, START, END, NOW, LAG, use_index=False)
    assert len(scanning_world._day_cache) == (END - START).days + 1
    # A hashtag among the or-conditions could match any account: no index, every day is read.
    mixed = World(7, "small")
    run_search(mixed, parse_query(QUERIES["or of usernames and a hashtag (no index)"]), START, END, NOW, LAG)
    assert len(mixed._day_cache) == (END - START).days + 1


def test_first_page_reads_one_day_and_paging_finds_the_whole_answer() -> None:
    """A search runs only as far as its pages reach (plus one match for has_more), day by day, newest first."""
    from tiktok_assets.sandbox.research.context import Ctx
    from tiktok_assets.sandbox.research.search import video_query
    from tiktok_assets.sandbox.research.search_store import SearchStore

    world = World(7, "small")
    ctx = Ctx(world=world, now=NOW, limits=Limits(), searches=SearchStore(world.seed), fields_raw="id")
    raw = {"and": [cond("IN", "region_code", "US", "BR", "GB", "DE", "FR", "JP")]}
    body: dict[str, Any] = {"query": raw, "start_date": "20260501", "end_date": "20260531", "max_count": 20}
    page = video_query(ctx, dict(body))
    assert len(world._day_cache) == 1  # the newest searchable day holds more than 21 matches
    scan = run_search(WORLD, parse_query(raw), START, END, NOW, LAG, use_index=False)
    cursors = [page.data["cursor"]]
    while page.data["has_more"]:
        body.update(cursor=page.data["cursor"], search_id=page.data["search_id"])
        page = video_query(ctx, dict(body))
        cursors.append(page.data["cursor"])
    assert cursors == [*range(20, len(scan), 20), len(scan)]
    assert len(world._day_cache) == (END - START).days + 1  # paged to the end: every day was read once
