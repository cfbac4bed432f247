"""Helpers for the client tests against the sandbox (tests/conftest.py provides `sandbox`/`sandbox_factory`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)  # the sandbox fixture's fixed clock


@dataclass(frozen=True)
class Subjects:
    """Accounts, videos, … of the small world (seed 7) that exercise paging; chosen from the world itself so
    the tests follow the world's generator instead of hard-coding its ids."""

    account: str  # public; most followers with a pinned video
    account_uid: str
    account_secuid: str
    account_video: int
    liker: str  # public likes; most liked videos
    liker_secuid: str
    private: str
    refused: str | None
    video_with_comments: int
    comment_with_replies: int
    playlist: int
    music: int


@cache
def subjects() -> Subjects:
    from tiktok_assets.sandbox.world import World

    w = World(7, "small")
    now = int(NOW.timestamp())
    public = [a for a in w.accounts if not a.is_private and not getattr(a, "api_refused", False)]
    acct = max(
        (a for a in public if w.pinned(a.index) and a.following_public),
        key=lambda a: len(w.followers(a.index, now)),
    )
    liker = max(
        (a for a in public if a.likes_public and w.reposted(a.index, now)),
        key=lambda a: len(w.liked(a.index, now)),
    )
    own = [v for v in w.account_videos(acct.index, now) if v.deleted_time is None]
    video = comment = playlist = None
    music: Counter[int] = Counter()
    for day in (date(2026, 5, 1) + timedelta(days=i) for i in range(20)):
        for v in w.videos_on(day):
            if w.accounts[v.author_index].is_private or v.deleted_time is not None:
                continue
            music[v.music_id] += 1
            if video is None:
                cs = w.comments(v, now)
                rich = [c for c in cs if c.reply_count >= 5]
                if len(cs) > 100 and rich:
                    video, comment = v.id, rich[0].id
            if playlist is None and v.playlist_id:
                pl = w.playlist(v.playlist_id)
                if pl is not None and len(pl.video_ids) > 3:
                    playlist = v.playlist_id
    assert video and comment and playlist, "the small world lacks a subject the client tests need"
    refused = next((a.username for a in w.accounts if getattr(a, "api_refused", False)), None)
    return Subjects(
        acct.username,
        str(acct.uid),
        acct.sec_uid,
        own[0].id,
        liker.username,
        liker.sec_uid,
        next(a.username for a in w.accounts if a.is_private),
        refused,
        video,
        comment,
        playlist,
        music.most_common(1)[0][0],
    )


def sandbox_clock(sb: Any) -> Callable[[], float]:
    """The sandbox's controllable clock as the client's clock (quota day and reset time follow it)."""

    def now() -> float:
        return datetime.fromisoformat(sb.clock()["now"].replace("Z", "+00:00")).timestamp()

    return now


def fast_policy() -> RetryPolicy:
    """Production attempt counts, millisecond backoff; the search_id wait stays real (the lag is wall time)."""
    p = RetryPolicy.fast()
    p.search_id_wait = 0.05
    p.search_id_attempts = 8
    return p


def data_requests(stats: dict[str, Any], api: str) -> int:
    return sum(
        n
        for ep, codes in stats["requests"].items()
        if ep.startswith(api) and "oauth" not in ep
        for n in codes.values()
    )


@pytest.fixture
def research_factory() -> Any:
    made: list[ResearchClient] = []

    def make(sb: Any, **kw: Any) -> ResearchClient:
        kw.setdefault("policy", fast_policy())
        c = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def ed_factory() -> Any:
    made: list[EnsembleDataClient] = []

    def make(sb: Any, **kw: Any) -> EnsembleDataClient:
        kw.setdefault("policy", fast_policy())
        c = EnsembleDataClient(sb.ed_token, sb.ensembledata_url, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
