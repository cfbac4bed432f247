"""What the Research forecast knows about a collection's volumes, and where it learned it.

Two sources, both optional; each forecast line says which one it used:
- **the lake** (``from_lake``, free): what earlier collections stored — each stored day's videos per query
  (ids, comment counts, playlists), the replies the stored comments report, and each account's latest
  profile and list snapshots.
- **a probe** (``probe``): the range's own video searches, asking four fields, cut into the same ≤31-day
  windows the video assets use — so they cost exactly the requests the video assets will spend, which the
  probe reports — and one ``user/info`` per monitored account (the "other" bucket, which has no documented
  quota). It makes the comments and playlists forecast exact up to what the API's lagging counts hide.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pyarrow.compute as pc

from tiktok_assets.clients.planner import split_windows
from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.config import Monitoring
from tiktok_assets.lake import reader
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.storage import LakeStorage

PROBE_VIDEO_FIELDS = ("id", "create_time", "comment_count", "playlist_id")
PROFILE_FIELDS = ("follower_count", "following_count")
PAGE = 100  # records per request the Research API allows
LISTS = (rds.FOLLOWERS, rds.FOLLOWING, rds.LIKED_VIDEOS, rds.REPOSTED_VIDEOS, rds.PINNED_VIDEOS)
# A day's videos: id → (comment_count, playlist_id), what the comments and playlists forecasts need.
DayVideos = dict[int, tuple[int, int | None]]


@dataclass(frozen=True)
class Profile:
    status: str  # "ok" | "private" | "not_found" | "refused"
    follower_count: int | None = None
    following_count: int | None = None


@dataclass
class Evidence:
    """Volumes by day and account. ``videos[day]`` holds the day's videos across every named query (id →
    (comment_count, playlist_id)); a day is in it only when every query's videos of that day are known."""

    videos: dict[date, DayVideos] = field(default_factory=dict)
    query_videos: dict[str, dict[date, int]] = field(default_factory=dict)  # query → day → videos
    query_requests: dict[str, int] = field(default_factory=dict)  # probe: query → requests over the range
    profiles: dict[str, Profile] = field(default_factory=dict)
    list_rows: dict[str, dict[str, int]] = field(default_factory=dict)  # list dataset → account → rows
    reply_requests_per_comment: float | None = None  # history: reply pages per top-level comment
    probed: bool = False
    probe_spent: dict[str, int] = field(default_factory=dict)  # quota bucket → requests the probe spent
    lake_days: int = 0  # days of history the lake gave

    def merge(self, other: Evidence) -> Evidence:
        """``other`` (a probe) over ``self`` (the lake): the newer, more specific figures win."""
        queries = {q: {**self.query_videos.get(q, {}), **days} for q, days in other.query_videos.items()}
        return Evidence(
            videos={**self.videos, **other.videos},
            query_videos={**self.query_videos, **queries},
            query_requests={**self.query_requests, **other.query_requests},
            profiles={**self.profiles, **other.profiles},
            list_rows={**self.list_rows, **other.list_rows},
            reply_requests_per_comment=other.reply_requests_per_comment or self.reply_requests_per_comment,
            probed=self.probed or other.probed,
            probe_spent={**self.probe_spent, **other.probe_spent},
            lake_days=self.lake_days,
        )


def _day_union(per_query: dict[str, dict[date, DayVideos]], queries: Iterable[str]) -> dict[date, DayVideos]:
    """Days every query covers → the union of their videos."""
    names = list(queries)
    if not names:
        return {}
    days = set.intersection(*(set(per_query.get(q, {})) for q in names))
    return {d: {vid: facts for q in names for vid, facts in per_query[q][d].items()} for d in sorted(days)}


def from_lake(storage: LakeStorage, monitoring: Monitoring) -> Evidence:
    """Everything earlier collections of ``monitoring``'s queries and accounts left in the lake."""
    names = [q.name for q in monitoring.queries]
    per_query: dict[str, dict[date, DayVideos]] = defaultdict(dict)
    for part in reader.list_partitions(storage, rds.VIDEOS):
        if part["query"] not in names:
            continue
        table = reader.read_partition(storage, rds.VIDEOS, part, ["id", "comment_count", "playlist_id"])
        day = date.fromisoformat(part["date"])
        per_query[part["query"]][day] = {
            r["id"]: (r["comment_count"] or 0, r["playlist_id"]) for r in table.to_pylist()
        }
    videos = _day_union(per_query, names)
    return Evidence(
        videos=videos,
        query_videos={q: {d: len(v) for d, v in days.items()} for q, days in per_query.items()},
        profiles=_latest_profiles(storage, monitoring.accounts),
        list_rows=_latest_list_rows(storage, monitoring.accounts),
        reply_requests_per_comment=_reply_requests_per_comment(storage),
        lake_days=len(videos),
    )


def _latest_profiles(storage: LakeStorage, accounts: Iterable[str]) -> dict[str, Profile]:
    days = sorted(p["date"] for p in reader.list_partitions(storage, rds.USER_INFO))
    if not days:
        return {}
    table = reader.read_partition(storage, rds.USER_INFO, {"date": days[-1]})
    wanted = set(accounts)
    return {
        r["username"]: Profile(r["status"] or "ok", r["follower_count"], r["following_count"])
        for r in table.to_pylist()
        if r["username"] in wanted
    }


def _latest_list_rows(storage: LakeStorage, accounts: Iterable[str]) -> dict[str, dict[str, int]]:
    wanted = set(accounts)
    out: dict[str, dict[str, int]] = {}
    for dataset in LISTS:
        latest: dict[str, str] = {}
        for part in reader.list_partitions(storage, dataset):
            if part["account"] in wanted:
                latest[part["account"]] = max(latest.get(part["account"], ""), part["snapshot"])
        out[dataset.name] = {
            account: reader.partition_rows(storage, dataset, {"account": account, "snapshot": day}) or 0
            for account, day in latest.items()
        }
    return out


def _reply_requests_per_comment(storage: LakeStorage) -> float | None:
    """Reply pages per top-level comment over the stored comments (their ``reply_count``), or None."""
    comments = requests = 0
    for part in reader.list_partitions(storage, rds.COMMENTS):
        table = reader.read_partition(
            storage, rds.COMMENTS, part, ["video_id", "parent_comment_id", "reply_count"]
        )
        top = table.filter(pc.fill_null(pc.equal(table["parent_comment_id"], table["video_id"]), True))
        comments += top.num_rows
        counts = [c for c in top["reply_count"].to_pylist() if c]
        requests += sum(math.ceil(c / PAGE) for c in counts)
    return requests / comments if comments else None


def probe(client: ResearchApi, monitoring: Monitoring, start: date, end: date) -> Evidence:
    """The range's video searches (four fields, the assets' windows) and each account's profile."""
    per_query: dict[str, dict[date, DayVideos]] = {}
    requests: dict[str, int] = {}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    for query in monitoring.queries:
        found: dict[date, DayVideos] = {d: {} for d in days}
        spent = 0
        for window in split_windows(start, end):
            for page in client.iter_videos(
                query.query, window.start, window.end, fields=PROBE_VIDEO_FIELDS, max_count=PAGE
            ):
                spent += page.requests
                for v in page.records:
                    day = _utc_day(v.get("create_time"))
                    if day in found:
                        found[day][int(v["id"])] = (int(v.get("comment_count") or 0), v.get("playlist_id"))
        per_query[query.name], requests[query.name] = found, spent
    profiles, profile_requests = {}, 0
    for account in monitoring.accounts:
        result = client.user_info(account, fields=PROFILE_FIELDS, missing_ok=True)
        profile_requests += result.requests
        data = result.data or {}
        profiles[account] = Profile(result.status, data.get("follower_count"), data.get("following_count"))
    return Evidence(
        videos=_day_union(per_query, list(per_query)),
        query_videos={q: {d: len(v) for d, v in found.items()} for q, found in per_query.items()},
        query_requests=requests,
        profiles=profiles,
        probed=True,
        probe_spent={"video": sum(requests.values()), "other": profile_requests},
    )


def _utc_day(create_time: object) -> date | None:
    if create_time is None:
        return None
    if isinstance(create_time, datetime):
        return create_time.astimezone(UTC).date()
    return datetime.fromtimestamp(int(create_time), UTC).date()  # type: ignore[arg-type]
