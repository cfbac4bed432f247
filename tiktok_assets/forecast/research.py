"""The Research API forecast: what collecting monitoring.yaml over ``[start, end]`` costs, asset by asset, in
requests of each quota bucket (``video`` = video/query + comments, 1,000 a day; ``follow``; ``other``).

The model, per line (a request returns at most ``PAGE`` = 100 records):
- ``videos_<query>``: per ≤31-day window (the assets' cut), ``max(1, ceil(videos / 100))``. Videos: the probe's
  exact requests when probed; else the days stored in the lake and, for days not stored, the query's mean
  over stored days; else ``DEFAULT_VIDEOS_PER_VALUE`` a day per monitored value (``--videos-per-day``).
- ``comments``: per day, the videos the collection chooses (``CommentSettings.choose`` over the day's videos,
  all queries), each ``max(1, ceil(min(comment_count, 1,000) / 100))`` pages; with replies on, reply pages per
  top-level comment from the lake's history (else ``DEFAULT_REPLY_REQUESTS_PER_COMMENT``). Days whose videos
  are unknown: the mean of known days; else ``max_videos_per_day`` requests.
- ``playlists``: one request per distinct playlist of the day's videos; unknown days as above, else 1.
- ``user_info``: one request per account and snapshot run.
- ``followers`` / ``following``: per account and snapshot, ``max(1, ceil(min(count, 5,000) / 100))`` from its
  profile (a private or refused account still costs the request that says so); else the latest stored
  snapshot's rows; else 1. ``liked_videos`` / ``reposted_videos``: the latest stored snapshot's rows, else 1
  page; ``pinned_videos``: 1.
Live endpoints (profiles and account lists) cannot be backfilled: ``snapshots`` says how many runs of them
the period holds (default 1, what a backfill plus one snapshot costs, as ``tiktok-assets demo`` does).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from tiktok_assets.clients.planner import split_windows
from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.clients.research_endpoints import endpoint_for
from tiktok_assets.config import Monitoring, VideoQuery
from tiktok_assets.endpoints import research as endpoints
from tiktok_assets.endpoints.spec import Endpoint, Paging
from tiktok_assets.forecast import research_evidence as evidence_mod
from tiktok_assets.forecast.line import ForecastLine
from tiktok_assets.forecast.research_evidence import PAGE, DayVideos, Evidence, Profile
from tiktok_assets.lake.storage import lake_url, storage_for

API = "research"
COMMENTS_REACHABLE = 1_000  # the API serves the first 1,000 comments of a video (reference)
FOLLOWS_REACHABLE = 5_000  # about 5,000 followers / followings are reachable (reference)
DEFAULT_VIDEOS_PER_VALUE = 5.0  # no evidence: videos a day per monitored account / hashtag / keyword
DEFAULT_REPLY_REQUESTS_PER_COMMENT = 0.5  # no history: reply pages per top-level comment


def forecast(
    monitoring: Monitoring, start: date, end: date, *, lake: Path | str | None = None,
    client: ResearchApi | None = None, snapshots: int = 1, videos_per_day: float | None = None,
    evidence: Evidence | None = None,
) -> list[ForecastLine]:  # fmt: skip
    """Every research asset's requests over ``[start, end]``.

    Evidence: the lake at ``lake`` (a path or URL; default ``lake_url()``) and, given a ``client``, a probe of the
    range (it spends the video searches' requests once: ``evidence.probe_spent``). Pass ``evidence`` to reuse
    one. ``videos_per_day`` replaces every query's rate where the evidence has none.
    """
    if evidence is None:
        evidence = gather(monitoring, start, end, lake=lake, client=client)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    lines = [_videos(q, days, evidence, videos_per_day) for q in monitoring.queries]
    lines += [_comments(monitoring, days, evidence), _playlists(days, evidence)]
    lines.append(_line(endpoints.USER_INFO, len(monitoring.accounts) * snapshots,
                       f"{len(monitoring.accounts)} accounts × {snapshots} snapshot run(s), 1 request each"))  # fmt: skip
    lines += [_account_list(e, monitoring, evidence, snapshots) for e in endpoints.ACCOUNT_ENDPOINTS]
    return lines


def gather(
    monitoring: Monitoring, start: date, end: date, *, lake: Path | str | None = None,
    client: ResearchApi | None = None,
) -> Evidence:  # fmt: skip
    """The lake's history, overlaid by a probe of the range when a client is given."""
    found = evidence_mod.from_lake(storage_for(lake or lake_url()), monitoring)
    return found.merge(evidence_mod.probe(client, monitoring, start, end)) if client is not None else found


def _line(endpoint: Endpoint, amount: float, basis: str, **names: str) -> ForecastLine:
    return ForecastLine(
        asset=f"{API}/{endpoint.asset_name.format(**names)}", api=API, unit="requests",
        amount=int(math.ceil(amount - 1e-9)), basis=basis, bucket=endpoint_for(endpoint.path).bucket,
    )  # fmt: skip


def _pages(records: float, cap: int | None = None) -> int:
    """Requests to page through ``records`` (an empty answer still costs the request that says so)."""
    return max(1, math.ceil(min(records, cap if cap is not None else records) / PAGE - 1e-9))


def _values(query: VideoQuery) -> int:
    """Monitored values in a query's ``IN`` conditions (the scale of the no-evidence default)."""
    conditions = [c for part in query.query.values() for c in part if c.get("operation") == "IN"]
    return max(1, sum(len(c.get("field_values", [])) for c in conditions if c["field_name"] != "region_code"))


def _videos(query: VideoQuery, days: list[date], evidence: Evidence, rate: float | None) -> ForecastLine:
    endpoint = endpoints.VIDEO_QUERY
    if query.name in evidence.query_requests:
        found = sum(evidence.query_videos.get(query.name, {}).values())
        return _line(endpoint, evidence.query_requests[query.name],
                     f"probe: the same ≤31-day searches, {found:,} videos", query=query.name)  # fmt: skip
    stored = evidence.query_videos.get(query.name, {})
    known = [d for d in days if d in stored]
    if rate is not None:
        mean, why = rate, f"{rate:g} videos/day (given)"
    elif len(known) == len(days):
        mean, why = 0.0, f"{len(days)} days stored in the lake, {sum(stored[d] for d in days):,} videos"
    elif stored:
        mean = sum(stored.values()) / len(stored)
        why = f"{len(known)} of {len(days)} days stored; others at {mean:.1f} videos/day over {len(stored)} stored days"
    else:
        mean = DEFAULT_VIDEOS_PER_VALUE * _values(query)
        why = (
            f"no evidence: assumed {DEFAULT_VIDEOS_PER_VALUE:g} videos/day per monitored value ({mean:g}/day)"
        )
    requests = 0
    for window in split_windows(days[0], days[-1]):
        span = [window.start + timedelta(days=i) for i in range(window.days)]
        requests += _pages(sum(stored[d] if d in stored and rate is None else mean for d in span))
    return _line(
        endpoint, requests, f"{len(split_windows(days[0], days[-1]))} window(s); {why}", query=query.name
    )


def _per_day(
    days: list[date], evidence: Evidence, cost: Callable[[DayVideos], float],
    fallback: float, what: str,
) -> tuple[float, str]:  # fmt: skip
    """Sum of ``cost(day's videos)`` over ``days``: known days exactly, the others at the known days' mean."""
    known = {d: cost(v) for d, v in evidence.videos.items()}
    in_range = [d for d in days if d in known]
    mean = sum(known.values()) / len(known) if known else fallback
    total = sum(known[d] for d in in_range) + mean * (len(days) - len(in_range))
    source = "probe" if evidence.probed else "lake"
    if len(in_range) == len(days):
        basis = f"{what} of every day's videos ({source})"
    elif known:
        basis = f"{what}: {len(in_range)} of {len(days)} days known ({source}), others at {mean:.1f}/day"
    else:
        basis = f"no evidence: assumed {fallback:g} requests/day"
    return total, basis


def _comments(monitoring: Monitoring, days: list[date], evidence: Evidence) -> ForecastLine:
    chosen_by = monitoring.comments
    if not chosen_by.enabled:
        return _line(endpoints.COMMENTS, 0, "comments.enabled is false")
    replies = 0.0
    if chosen_by.replies:
        replies = evidence.reply_requests_per_comment or DEFAULT_REPLY_REQUESTS_PER_COMMENT

    def cost(videos: DayVideos) -> float:
        chosen = chosen_by.choose({vid: facts[0] for vid, facts in videos.items()})
        total = 0.0
        for vid in chosen:
            reachable = min(videos[vid][0], COMMENTS_REACHABLE)
            total += _pages(reachable) + replies * reachable
        return total

    total, basis = _per_day(days, evidence, cost, float(chosen_by.max_videos_per_day),
                            f"top {chosen_by.max_videos_per_day}/day by comment_count, ceil(min(count, 1,000)/100) pages")  # fmt: skip
    if chosen_by.replies:
        basis += f"; replies at {replies:.2f} requests per comment"
    return _line(endpoints.COMMENTS, total, basis)


def _playlists(days: list[date], evidence: Evidence) -> ForecastLine:
    def cost(videos: DayVideos) -> float:
        return float(len({p for _c, p in videos.values() if p is not None}))

    total, basis = _per_day(days, evidence, cost, 1.0, "one request per distinct playlist")
    return _line(endpoints.PLAYLISTS, total, basis)


def _account_list(
    endpoint: Endpoint, monitoring: Monitoring, evidence: Evidence, snapshots: int
) -> ForecastLine:
    name = endpoint.dataset.name
    stored = evidence.list_rows.get(name, {})
    per_account, sources = [], set()
    for account in monitoring.accounts:
        count = _profile_count(evidence.profiles.get(account), name)
        if count is not None:
            sources.add("profile")
        elif account in stored:
            count = stored[account]
            sources.add("latest snapshot")
        single = endpoint.paging is Paging.SINGLE
        per_account.append(1 if single else _pages(count or 0, FOLLOWS_REACHABLE))
    known = " / ".join(sorted(sources)) or "no evidence: 1 page each"
    return _line(endpoint, sum(per_account) * snapshots,
                 f"{len(per_account)} accounts × {snapshots} snapshot(s); pages by {known}")  # fmt: skip


def _profile_count(profile: Profile | None, dataset: str) -> int | None:
    """Followers / followings a profile reports (0 when the API refused it: one request says so)."""
    if profile is None or dataset not in ("followers", "following"):
        return None
    if profile.status != "ok":
        return 0
    return profile.follower_count if dataset == "followers" else profile.following_count
