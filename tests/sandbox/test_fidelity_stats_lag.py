"""Research API statistics lag (reference: "statistics can lag up to 10 days"; research.render.stats_time):
over HTTP, a recent video's counts are never above the world's live counts, never older than 10 days, and
never decrease as the sandbox clock moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tiktok_assets.sandbox.research import STATS_LAG_MAX
from tiktok_assets.sandbox.testing import ResearchRaw, SandboxHandle
from tiktok_assets.sandbox.world import Stats, World, day_start

WORLD = World(7, "small")
NOW = day_start(date(2026, 6, 15)) + 12 * 3600
DAY = 86_400
COUNTS = {
    "view_count": "views",
    "like_count": "likes",
    "comment_count": "comments",
    "share_count": "shares",
    "favorites_count": "favorites",
}
FIELDS = "id,create_time," + ",".join(COUNTS)


def _counts(research: ResearchRaw, author: str, day: date) -> dict[int, dict[str, int]]:
    body = {
        "query": {"and": [{"operation": "EQ", "field_name": "username", "field_values": [author]}]},
        "start_date": day.strftime("%Y%m%d"),
        "end_date": day.strftime("%Y%m%d"),
        "max_count": 100,
    }
    data = research.data("video/query/", body, FIELDS)
    assert not data["has_more"]
    return {int(v["id"]): {k: v[k] for k in COUNTS} for v in data["videos"]}


def _as_api(st: Stats) -> dict[str, int]:
    return {k: getattr(st, attr) for k, attr in COUNTS.items()}


def test_recent_counts_lag_live_counts_and_never_decrease(
    sandbox: SandboxHandle, research: ResearchRaw
) -> None:
    day = date(2026, 6, 11)  # 4 days old at NOW: searchable (48 h), younger than the 10-day lag bound
    author = WORLD.videos_on(day)[0].username
    videos = {v.id: v for v in WORLD.videos_on(day) if v.username == author and v.deleted_time is None}
    history: list[dict[int, dict[str, int]]] = []
    lagged = 0
    for step in (0, 3600, DAY, 3 * DAY, 9 * DAY, 12 * DAY):
        at = NOW + step
        sandbox.set_clock(now=datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        research.refresh()  # a 2-hour token does not survive the jumps
        seen = _counts(research, author, day)
        assert seen and set(seen) <= set(videos)
        for vid, counts in seen.items():
            live = _as_api(WORLD.stats(videos[vid], at))
            floor = _as_api(WORLD.stats(videos[vid], at - STATS_LAG_MAX))
            for k in COUNTS:
                assert floor[k] <= counts[k] <= live[k], (vid, k, at)
            lagged += counts != live
        history.append(seen)
    assert lagged  # the lag is visible, not only allowed
    for before, after in zip(history, history[1:], strict=False):
        for vid in before.keys() & after.keys():
            assert all(before[vid][k] <= after[vid][k] for k in COUNTS), vid


def test_lag_bound_is_ten_days() -> None:
    assert STATS_LAG_MAX == 10 * DAY
    assert timedelta(seconds=STATS_LAG_MAX).days == 10
