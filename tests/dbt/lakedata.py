"""A small, realistic lake written through the lake's own normalizer and writer (what the research assets do).

Three accounts over three days: videos found by two queries (one video by both), comments with replies and a
reply to a reply, daily profile snapshots, followers/following, a liked list seen on two snapshot days with
growing counts, and a playlist. ``pinned_videos`` and ``reposted_videos`` are left uncollected on purpose:
the dbt build must treat a dataset with no files as empty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tiktok_assets.lake import datasets
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter

ACCOUNTS = ("alice_creates", "bob.dances", "carol_cooks")
DAYS = (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))
COLLECTED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
TAGS = ("fyp", "cooking", "dance", "travel")


def _ts(day: date, hour: int, minute: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp())


def video_id(create_time: int, n: int) -> int:
    # Like TikTok's: id >> 32 == create_time, so ids grow with time.
    return (create_time << 32) + n


def videos_for(day: date) -> list[dict[str, Any]]:
    out = []
    for a, username in enumerate(ACCOUNTS):
        for k in range(a + 1 + day.day % 2):  # 1–4 videos per account-day
            ct = _ts(day, 8 + 3 * k + a, 5 * a)
            n = a * 10 + k
            out.append(
                {
                    "id": video_id(ct, n),
                    "create_time": ct,
                    "username": username,
                    "region_code": "US",
                    "video_description": f"video {n} #{TAGS[n % 4]} #{TAGS[(n + day.day) % 4]}",
                    "hashtag_names": sorted({TAGS[n % 4], TAGS[(n + day.day) % 4].upper()}),
                    "music_id": 7_000_000_000_000_000_000 + n,
                    "video_duration": 15 + n,
                    "view_count": 1000 * (n + 1) + day.day,
                    "like_count": 100 * (n + 1),
                    "comment_count": 3,
                    "share_count": 10 + n,
                    "favorites_count": 5,
                    "playlist_id": 42 if n == 0 else None,
                }
            )
    return out


def _write(
    lake: Path,
    dataset: str,
    partition: dict[str, str],
    records: list[dict],
    collected: datetime,
    window: tuple[Any, Any] | None = None,
) -> None:
    ds = datasets.get("research", dataset)
    with PartitionWriter(lake, ds, partition) as writer:
        writer.write(normalize(ds, records, collected, window))


def build_lake(lake: Path) -> dict[str, Any]:
    """Write the lake; return the raw records per day for hand computations in tests."""
    all_videos: dict[date, list[dict[str, Any]]] = {}
    for day in DAYS:
        videos = videos_for(day)
        all_videos[day] = videos
        window = (day, day)
        # Query "accounts" finds everyone's videos; query "tag_dance" finds the dance-tagged ones again.
        _write(lake, "videos", {"query": "accounts", "date": day.isoformat()}, videos, COLLECTED, window)
        dance = [v for v in videos if "dance" in [h.lower() for h in v["hashtag_names"]]]
        _write(lake, "videos", {"query": "tag_dance", "date": day.isoformat()}, dance, COLLECTED, window)
        comments: list[dict[str, Any]] = []
        for v in videos[:2]:
            top = v["id"] + 1_000
            reply = v["id"] + 2_000
            comments += [
                {
                    "id": top,
                    "video_id": v["id"],
                    "parent_comment_id": v["id"],
                    "text": "nice",
                    "like_count": 2,
                    "reply_count": 1,
                    "create_time": v["create_time"] + 60,
                },
                {
                    "id": reply,
                    "video_id": v["id"],
                    "parent_comment_id": top,
                    "text": "thanks",
                    "like_count": 1,
                    "reply_count": 1,
                    "create_time": v["create_time"] + 600,
                },
                {
                    "id": v["id"] + 3_000,
                    "video_id": v["id"],
                    "parent_comment_id": reply,
                    "text": "40******30",
                    "like_count": 0,
                    "reply_count": 0,
                    "create_time": v["create_time"] + 900,
                },
            ]
        _write(lake, "comments", {"date": day.isoformat()}, comments, COLLECTED, window)
        profiles = [
            {
                "username": u,
                "status": "ok",
                "display_name": u.title(),
                "is_verified": i == 0,
                "follower_count": 1000 * (i + 1) + 10 * day.day,
                "following_count": 50 + i,
                "likes_count": 5000 + day.day,
                "video_count": 20 + day.day,
            }
            for i, u in enumerate(ACCOUNTS)
        ]
        snap = datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC)
        _write(lake, "user_info", {"date": day.isoformat()}, profiles, snap)
    last = DAYS[-1].isoformat()
    _write(
        lake,
        "followers",
        {"account": ACCOUNTS[0], "snapshot": last},
        [{"username": ACCOUNTS[1], "display_name": "Bob"}, {"username": "fan_1", "display_name": "F"}],
        COLLECTED,
    )
    _write(
        lake,
        "following",
        {"account": ACCOUNTS[1], "snapshot": last},
        [{"username": ACCOUNTS[0], "display_name": "Alice"}, {"username": ACCOUNTS[2], "display_name": "C"}],
        COLLECTED,
    )
    # carol liked two of alice's day-1 videos; seen again a day later with more views (growth to attribute).
    liked = all_videos[DAYS[0]][:2]
    _write(lake, "liked_videos", {"account": ACCOUNTS[2], "snapshot": "2026-03-04"}, liked, COLLECTED)
    grown = [{**v, "view_count": v["view_count"] + 500, "like_count": v["like_count"] + 7} for v in liked]
    _write(lake, "liked_videos", {"account": ACCOUNTS[2], "snapshot": "2026-03-05"}, grown, LATER)
    _write(
        lake,
        "playlists",
        {"date": DAYS[0].isoformat()},
        [
            {
                "playlist_id": 42,
                "playlist_name": "Best of",
                "playlist_item_total": 1,
                "playlist_last_updated": COLLECTED - timedelta(days=1),
                "playlist_video_ids": [all_videos[DAYS[0]][0]["id"]],
            }
        ],
        COLLECTED,
    )
    return {"videos": all_videos}
