"""The world's vocabulary of types, id-layout constants and small pure helpers (no state)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

import numpy as np

from tiktok_assets.sandbox.world import vocab

DAY = 86_400
YEAR = 365 * DAY
PLAYLIST_BASE = 7_200_000_000_000_000_000
MUSIC_BASE = 7_000_000_000_000_000_000
MAX_ACCOUNTS = 1 << 13  # the comment-id layout holds 13 bits of author index
MAX_PER_ACCOUNT_DAY = 31  # ... and 5 bits of sequence
MAX_TOP_COMMENTS = (1 << 13) - 1  # ... and 13 bits of comment index
_INV53 = 1.0 / float(1 << 53)
_INV16 = 1.0 / 65_536
_INV11 = 1.0 / 2_048

# Stream tags: keep the hash streams of different properties independent.
_K_ACCOUNT, _K_COUNT, _K_VIDEOS, _K_STATS, _K_COMMENTS, _K_REPLIES = 1, 2, 3, 4, 5, 6
_K_EDGE, _K_EDGE_T, _K_LIKE, _K_REPOST, _K_PIN, _K_PLAYLIST, _K_MUSIC, _K_EFFECT = 7, 8, 9, 10, 11, 12, 13, 14


class Account(NamedTuple):
    index: int
    uid: int
    username: str
    display_name: str
    sec_uid: str
    bio: str
    bio_url: str
    avatar_url: str
    verified: bool
    region: str
    created_time: int
    is_private: bool
    likes_public: bool
    following_public: bool
    # Extra to the contract: the Research API refuses a few accounts ("API cannot return this user's information").
    api_refused: bool = False


class Video(NamedTuple):
    id: int
    create_time: int
    author_index: int
    username: str
    description: str
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    music_id: int
    effect_ids: tuple[str, ...]
    duration: int
    region: str
    playlist_id: int | None
    deleted_time: int | None
    voice_to_text: str
    sticker_texts: tuple[str, ...]
    labels: tuple[str, ...]


class Stats(NamedTuple):
    views: int
    likes: int
    comments: int
    shares: int
    favorites: int


class Comment(NamedTuple):
    id: int
    video_id: int
    parent_comment_id: int
    text: str
    like_count: int
    reply_count: int
    create_time: int
    author_index: int


class Edge(NamedTuple):
    follower_index: int
    followee_index: int
    create_time: int


class Playlist(NamedTuple):
    id: int
    name: str
    video_ids: tuple[int, ...]
    last_updated: int


class Music(NamedTuple):
    id: int
    title: str
    author: str
    duration: int
    original: bool


class Effect(NamedTuple):
    id: str
    name: str
    photo_url: str


@dataclass(frozen=True)
class SizeSpec:
    accounts: int
    videos_per_day: float
    start: date
    music: int
    effects: int
    mean_followers: float
    day_cache: int  # days of videos kept in memory (bounds RSS for the large world)


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(100, 50.0, date(2026, 1, 1), 300, 60, 12.0, 400),
    # >= 2,000,000 videos over the two years before 2026-11-01 (3,000/day x 730 days ~ 2.19M).
    "large": SizeSpec(5_000, 3_000.0, date(2024, 11, 1), 20_000, 400, 60.0, 48),
}


def video_length_bucket(duration: int) -> str:
    """The Research API's buckets: SHORT <15 s, MID 15-60 s, LONG 1-5 min, EXTRA_LONG >5 min."""
    if duration < 15:
        return "SHORT"
    if duration <= 60:
        return "MID"
    if duration <= 300:
        return "LONG"
    return "EXTRA_LONG"


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def day_of(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


_TAG_COUNTS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 6)


def _np_mix(x: np.ndarray | np.uint64) -> np.ndarray:
    """SplitMix64 finalizer over uint64 arrays (wrapping arithmetic, like the scalar one)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _poisson(lam: float, u: float, cap: int) -> int:
    """Inverse-CDF Poisson draw from a given uniform (cheap for the small rates used here)."""
    p = math.exp(-lam)
    cdf = p
    k = 0
    while u > cdf and k < cap:
        k += 1
        p *= lam / k
        cdf += p
    return k


def _pareto(u: float, alpha: float) -> float:
    return (1.0 - u) ** (-1.0 / alpha)


def _syllable_name(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(vocab.SYLLABLES) for _ in range(rng.randint(lo, hi)))
