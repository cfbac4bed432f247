"""``plan --probe-posts``: the range's EnsembleData user posts, asked exactly as the ``user_posts`` asset asks
them in one backfill run (the same chains: ``defs/ensembledata/days``), so the probe costs what that line
forecasts, and says what it cost.

What it learns is each day's posts of the monitored accounts and their comment counts: the posts a day's
``comments`` run will choose (the same ``choose``) and the pages each takes, so the comments line is counted
instead of averaged from history. Nothing is stored: the collection asks again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tiktok_assets.clients.errors import ApiError, UserUnavailableError
from tiktok_assets.clients.protocols import EnsembleDataApi
from tiktok_assets.config import Monitoring
from tiktok_assets.defs.ensembledata.chains import follow
from tiktok_assets.defs.ensembledata.days import pinned_chain, user_posts_chain

# day → post id → comment count, for the posts created that day (pinned ones included)
DayPosts = dict[date, dict[int, int]]


@dataclass
class PostsProbe:
    posts: DayPosts = field(default_factory=dict)
    units: int = 0
    requests: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # account → why the API refused its posts


def probe(
    client: EnsembleDataApi, monitoring: Monitoring, start: date, end: date, now: datetime,
    found: PostsProbe | None = None,
) -> PostsProbe:  # fmt: skip
    """Every monitored account's posts of ``start``..``end`` (inclusive), walked as one backfill run walks them.
    ``found`` is filled as the walk goes, a failed call's attempts included, so a caller can say what a probe
    that stopped had spent."""
    found = PostsProbe() if found is None else found
    posts: DayPosts = defaultdict(dict)
    for username in monitoring.accounts:
        try:
            _walk_account(client, username, monitoring, start, end, now, found, posts)
        except UserUnavailableError as exc:  # a fact about the account; the refusal cost what was asked
            found.unavailable[username] = exc.reason
        except ApiError:
            found.posts = dict(posts)
            raise
    found.posts = dict(posts)
    return found


def _walk_account(
    client: EnsembleDataApi, username: str, monitoring: Monitoring, start: date, end: date, now: datetime,
    found: PostsProbe, posts: DayPosts,
) -> None:  # fmt: skip
    settings = monitoring.ensembledata
    pins = pinned_chain(username, settings, end, now)
    chains = [c for c in (pins, user_posts_chain(username, settings, start, end, now)) if c is not None]
    try:
        for chain in chains:
            for page, _following in follow(client, chain):
                found.units, found.requests = found.units + page.units, found.requests + page.requests
                for record in page.records:
                    if chain is pins and not record.get("is_top"):
                        continue  # the walk's own rows, as the asset keeps them
                    day = _day(record.get("create_time"))
                    if day is not None and start <= day <= end:
                        stats = record.get("statistics") or {}
                        posts[day][int(record["aweme_id"])] = int(stats.get("comment_count") or 0)
    except ApiError as exc:  # every attempt of the failed call is spent too
        found.units += exc.attempts.units
        found.requests += exc.attempts.requests
        raise


def _day(create_time: object) -> date | None:
    try:
        return datetime.fromtimestamp(int(create_time), UTC).date()  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None
