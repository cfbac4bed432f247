"""The EnsembleData forecast (``forecast.ensembledata.forecast``): one line per asset, units, the model's
arithmetic on a known monitoring.yaml, and what changes it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tiktok_assets.config import parse_monitoring
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.forecast.ensembledata import forecast

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["a1", "a2", "a3"],
    "hashtags": ["cat"],
    "keywords": ["recipe", "cooking"],
    "queries": {"a": {"from": "accounts"}},
    "ensembledata": {
        "music": [1, 2],
        "post_urls": ["https://www.tiktok.com/@a1/video/1"],
        "sec_uids": {"a1": "MS4wLjABAAAAabc"},
        "posts_per_day": 2,
        "refresh_days": 5,
        "comments": {"max_videos_per_day": 4, "replies": False},
    },
}


def lines(raw: dict, start: date, end: date, snapshots: int = 1, now: datetime = NOW) -> dict[str, int]:
    monitoring = parse_monitoring(raw, "m.yaml", today=date(2026, 6, 15))
    out = forecast(monitoring, start, end, snapshots=snapshots, now=now)
    assert all(line.api == "ensembledata" and line.unit == "units" and line.basis for line in out)
    assert all(line.spread == 0 for line in out)  # no history: no range is known
    return {line.asset: line.amount for line in out}


def test_one_line_per_asset_with_the_model_s_arithmetic() -> None:
    got = lines(RAW, date(2026, 1, 5), date(2026, 2, 18))  # 45 days, one backfill run, one snapshot
    assert set(got) == {f"ensembledata/{e.asset_name}" for e in ed.ENDPOINTS}
    # 2 posts/day: one walk of 90 posts, +1 overshoot; and, the window being months old, one call from the top
    # an account for its pinned posts (a window of the last 7 days starts at the top: no such call)
    assert got["ensembledata/user_posts"] == 3 * (9 + 1) + 3
    recent = lines(RAW, date(2026, 1, 5), date(2026, 2, 18), now=datetime(2026, 2, 20, tzinfo=UTC))
    assert recent["ensembledata/user_posts"] == 3 * (9 + 1)
    assert got["ensembledata/comments"] == 45 * 4 * 3
    assert got["ensembledata/user_info"] == 3
    assert got["ensembledata/music_details"] == 2
    assert got["ensembledata/post_stats"] == 1 + 1  # 3 x 2 x 5 = 30 posts: one call, + one URL
    assert got["ensembledata/units"] == 0
    assert got["ensembledata/hashtag_posts"] == 250  # the API's 5,000-post cap / 20
    assert got["ensembledata/followers"] == 5 * 3 + 2  # 5 pages x 3 accounts + 2 secUid lookups


def test_live_and_about_x_assets_scale_with_snapshots_day_assets_with_days() -> None:
    one = lines(RAW, date(2026, 1, 5), date(2026, 2, 18))
    weekly = lines(RAW, date(2026, 1, 5), date(2026, 2, 18), snapshots=7)  # the weekly schedule's 7 Mondays
    for asset, amount in one.items():
        day_asset = asset in ("ensembledata/user_posts", "ensembledata/comments")
        assert weekly[asset] == (amount if day_asset else 7 * amount), asset


def test_settings_move_the_forecast() -> None:
    base = lines(RAW, date(2026, 3, 2), date(2026, 3, 31))
    busier = lines({**RAW, "ensembledata": {**RAW["ensembledata"], "posts_per_day": 10,
                                            "comments": {"replies": True, "max_videos_per_day": 4}}},
                   date(2026, 3, 2), date(2026, 3, 31))  # fmt: skip
    assert busier["ensembledata/user_posts"] > base["ensembledata/user_posts"]
    assert busier["ensembledata/comments"] > base["ensembledata/comments"]
    longer = lines(RAW, date(2026, 1, 1), date(2026, 3, 31))
    assert all(longer[k] >= v for k, v in base.items())
