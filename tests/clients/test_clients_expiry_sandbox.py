"""Resume after an expired search_id and token over real HTTP: two pages of a long search, three sandbox hours
(both the 2-hour token and the 2-hour search_id expire), then the same iterator to its end.

What the client must do (clients/research.py, transport.py): the stale token gets 401 access_token_invalid
→ one refresh and a replay; the replay's search_id is rejected ("invalid or expired") → the growing-wait
retries of RetryPolicy.search_id_attempts, then the search restarts narrowed to `video_id LT <oldest seen>`
(exact resume granularity: no video is served again, so no page is either)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.research import parse_query, run_search
from tiktok_assets.sandbox.server.limits import Limits
from tiktok_assets.sandbox.world import World, day_start

QUERY = {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "GB", "DE", "FR"]}]}
START, END = "20260401", "20260430"
PAGE = 100
VQ = "research /v2/research/video/query/"
TOKEN = "research /v2/oauth/token/"
RESUMED_AT = day_start(date(2026, 6, 15)) + 15 * 3600  # the fixture's 12:00 plus 3 hours
LAG = Limits().archive_lag_seconds


def _codes(stats: dict[str, Any], endpoint: str) -> dict[str, int]:
    return {str(k): v for k, v in stats["requests"].get(endpoint, {}).items()}


def test_resume_after_search_id_and_token_expiry(sandbox: Any) -> None:
    body = {"query": QUERY, "start_date": START, "end_date": END, "max_count": PAGE}
    truth_before = sandbox.truth("research", "video/query/", body)
    sandbox.advance(3 * 3600)
    truth = sandbox.truth("research", "video/query/", body)
    sandbox.set_clock(now="2026-06-15T12:00:00Z")
    assert truth == truth_before  # nothing in the window changes in those 3 hours: one exact answer
    n = len(truth)
    assert n > 4 * PAGE  # long enough that most of it is read after the expiry

    policy = RetryPolicy.fast()
    client = ResearchClient(sandbox.client_key, sandbox.client_secret, sandbox.research_url, policy=policy)
    try:
        pages = client.iter_videos(QUERY, START, END, fields=["id", "create_time"], max_count=PAGE)
        got = [next(pages), next(pages)]
        sandbox.advance(3 * 3600)  # > token_ttl and > search_ttl (both 7,200 s)
        got.extend(pages)
        token_fetches = client.token_fetches
    finally:
        client.close()

    ids = [str(r["id"]) for p in got for r in p.records]
    assert ids == truth  # same order (newest first): no gap, no duplicate
    assert sum(p.skipped for p in got) == 0  # exact resume: nothing re-served to be dropped

    stats = sandbox.stats()
    assert token_fetches == 2
    assert _codes(stats, TOKEN) == {"200": 2}
    # 200s: 2 pages of the first search, then the narrowed search (`video_id LT` the oldest id kept so far) in
    # pages of PAGE candidates. Pages can be short (deleted/private videos are dropped after paging, doc), so
    # the candidate lists come from the same pure search the server runs, at the resume time.
    oldest = min(int(r["id"]) for p in got[:2] for r in p.records)
    candidates = run_search(
        World(7), parse_query(QUERY), date(2026, 4, 1), date(2026, 4, 30), RESUMED_AT, LAG
    )
    expected_pages = 2 + math.ceil(sum(v.id < oldest for v in candidates) / PAGE)
    assert len(got) == expected_pages
    assert _codes(stats, VQ) == {
        "200": expected_pages,
        "401": 1,  # the stale token, once, then refreshed
        "400": policy.search_id_attempts,  # the expired search_id, retried with a growing wait, then resumed
    }
    assert stats["records"][VQ] == n  # every video served exactly once


def test_a_search_that_expires_before_it_kept_any_video_starts_again(sandbox_factory: Any) -> None:
    """The first page holds nothing (a private account's videos, dropped after paging) but says has_more; the
    search_id then expires. Nothing was kept, so starting the search again is exact: it used to fail."""
    from datetime import UTC, datetime

    now = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
    world = World(7, "small")
    may = (date(2026, 5, 1), date(2026, 5, 31))
    private = next(
        a for a in world.accounts if a.is_private and len(list(world.account_videos(a.index, now))) >= 3
    )
    hidden = sorted((v for v in world.account_videos(private.index, now)
                     if may[0] <= datetime.fromtimestamp(v.create_time, UTC).date() <= may[1]), key=lambda v: -v.id)  # fmt: skip
    public = [
        v
        for v in world.videos_on(may[0])
        if not world.accounts[v.author_index].is_private and v.deleted_time is None
    ]
    oldest = min(public, key=lambda v: v.id)
    newer_hidden = [v for v in hidden if v.id > oldest.id][:3]
    assert newer_hidden, "the world has private videos newer than the public one: the first page is empty"
    query = {"and": [{"operation": "IN", "field_name": "video_id",
                      "field_values": [str(v.id) for v in newer_hidden] + [str(oldest.id)]}]}  # fmt: skip
    sb = sandbox_factory(per_minute=1_000_000, search_ttl_seconds=60)
    truth = sb.truth(
        "research", "video/query/", {"query": query, "start_date": "20260501", "end_date": "20260531"}
    )
    assert truth == [str(oldest.id)]
    client = ResearchClient(
        sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.named("sandbox")
    )
    got: list[str] = []
    for i, page in enumerate(client.iter_videos(query, "20260501", "20260531", max_count=1)):
        got += [str(r["id"]) for r in page.records]
        if i == 0:
            assert not page.records and page.has_more  # nothing kept yet
            sb.advance(120)  # the search_id expires before the next page
    client.close()
    assert got == truth
