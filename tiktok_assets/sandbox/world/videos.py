"""The world's videos: how many each account posts a day, and the videos themselves (a mixin of World).

A day's videos are generated per (account, day) from the seed, so any day can be asked for in any order and
a video id decodes to the account-day that holds it (see ``core`` for the id layout).
"""

from __future__ import annotations

import math
from _random import Random as CRandom
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from tiktok_assets.sandbox.world import vocab
from tiktok_assets.sandbox.world.hashing import mix64
from tiktok_assets.sandbox.world.lru import Lru
from tiktok_assets.sandbox.world.model import (
    _TAG_COUNTS,
    DAY,
    MAX_PER_ACCOUNT_DAY,
    Account,
    Effect,
    Video,
    _np_mix,
    day_of,
    day_start,
)


class Videos:
    """Per-(account, day) counts (vectorised over accounts) and video generation, cached by day."""

    accounts: Sequence[Account]
    hashtags: tuple[str, ...]
    music_ids: tuple[int, ...]
    _start_ord: int
    _topic_cum: list[float]
    _favs: list[tuple[int, ...]]
    _music_cum: list[float]
    _effects: list[Effect]
    _effect_cum: list[float]
    _count_keys: np.ndarray
    _count_salt: np.uint64
    _rate_np: np.ndarray
    _counts_cache: Lru[int, bytes]
    _video_keys: list[int]
    _day_cache: Lru[int, list[Video]]
    _acct_day_cache: Lru[tuple[int, int], list[Video]]

    if TYPE_CHECKING:  # provided by the Playlists mixin

        def _active_playlist(self, a: int, ordinal: int) -> int | None: ...

    def _day_counts(self, ordinal: int) -> bytes:
        """Videos per account on a day, for all accounts at once (vectorized: the hot path of a search).

        Per-(account, day) draws: a 64-bit hash of (seed, account, day) -> uniform -> Poisson(rate).
        Both ``videos_on`` and ``account_videos_on`` read this one array, so they always agree.
        """

        def make() -> bytes:
            if ordinal < self._start_ord:
                return bytes(len(self.accounts))
            with np.errstate(over="ignore"):
                x = _np_mix(self._count_keys ^ np.uint64(_np_mix(np.uint64(ordinal) ^ self._count_salt)))
            u = (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
            lam = self._rate_np
            p = np.exp(-lam)
            cdf = p.copy()
            k = np.zeros(len(lam), dtype=np.uint8)
            for i in range(1, MAX_PER_ACCOUNT_DAY + 1):
                more = u > cdf
                if not more.any():
                    break
                k += more.astype(np.uint8)
                p = p * lam / i
                cdf = cdf + p
            return k.tobytes()

        return self._counts_cache.get_or_make(ordinal, make)

    def _count(self, a: int, ordinal: int) -> int:
        return self._day_counts(ordinal)[a]

    def video_count_on(self, account_index: int, day: date) -> int:
        """How many videos the account created that day (cheap: no generation)."""
        return self._count(account_index, day.toordinal())

    def account_videos_on(self, account_index: int, day: date) -> list[Video]:
        """The account's videos created that UTC day, id descending."""
        key = (account_index, day.toordinal())
        return self._acct_day_cache.get_or_make(key, lambda: self._generate(*key))

    def videos_on(self, day: date) -> list[Video]:
        """Every video created that UTC day, id descending."""
        ordinal = day.toordinal()
        return self._day_cache.get_or_make(ordinal, lambda: self._generate_day(ordinal))

    def _generate_day(self, ordinal: int) -> list[Video]:
        out: list[Video] = []
        counts = self._day_counts(ordinal)
        t0 = day_start(date.fromordinal(ordinal))
        for a, n in enumerate(counts):
            if n:
                out.extend(self._generate(a, ordinal, n, t0))
        out.sort(key=lambda v: v.id, reverse=True)
        return out

    def _generate(self, a: int, ordinal: int, n: int | None = None, t0: int | None = None) -> list[Video]:
        if n is None:
            n = self._count(a, ordinal)
        if not n:
            return []
        acct = self.accounts[a]
        # One cheap mix of a per-account key (not h64 over four parts): this runs per account-day.
        # The C generator seeded directly: the same stream as random.Random(seed) for an int seed, without the
        # Python-level seed() wrapper (seeding runs about once a video on the large world).
        rnd = CRandom(mix64(self._video_keys[a] ^ ordinal)).random
        if t0 is None:
            t0 = day_start(date.fromordinal(ordinal))
        times = sorted(t0 + int(rnd() * DAY) for _ in range(n))
        playlist = self._active_playlist(a, ordinal)
        videos = [self._make_video(rnd, acct, seq, t, playlist) for seq, t in enumerate(times)]
        videos.reverse()  # id descending
        return videos

    def _make_video(
        self, rnd: Callable[[], float], acct: Account, seq: int, ct: int, playlist: int | None
    ) -> Video:
        # Draws use rnd() and indexing only: rng.choice/randint cost several times more (the hot path).
        a = acct.index
        favs = self._favs[a]
        hashtags, topic_cum, topic_total = self.hashtags, self._topic_cum, self._topic_cum[-1]
        tags: list[str] = []
        for _ in range(_TAG_COUNTS[int(rnd() * 10)]):
            t = favs[int(rnd() * 3)] if rnd() < 0.5 else bisect_right(topic_cum, rnd() * topic_total)
            tag = hashtags[t]
            if tag not in tags:
                tags.append(tag)
        filler = vocab.FILLER
        words = [
            hashtags[bisect_right(topic_cum, rnd() * topic_total)]
            if rnd() < 0.4
            else filler[int(rnd() * len(filler))]
            for _ in range(1 + int(rnd() * 7))
        ]
        mentions: tuple[str, ...] = ()
        if rnd() < 0.1:
            other = self.accounts[int(rnd() * len(self.accounts))].username
            mentions = (other,)
            words.append("@" + other)
        if rnd() < 0.3:
            words.append(vocab.EMOJI[int(rnd() * len(vocab.EMOJI))])
        words.extend("#" + t for t in tags)
        description = " ".join(words)
        if rnd() < 0.3:
            description += " "
        if rnd() < 0.005:
            description += "\x00"  # NUL bytes occur in real payloads
        music_id = self.music_ids[bisect_right(self._music_cum, rnd() * self._music_cum[-1])]
        effect_ids: tuple[str, ...] = ()
        r = rnd()
        if r < 0.25:
            cum, total = self._effect_cum, self._effect_cum[-1]
            effect_ids = tuple(
                self._effects[bisect_right(cum, rnd() * total)].id for _ in range(1 if r < 0.2 else 2)
            )
        r = rnd()
        if r < 0.35:
            duration = 3 + int(rnd() * 12)
        elif r < 0.75:
            duration = 15 + int(rnd() * 46)
        elif r < 0.95:
            duration = 61 + int(rnd() * 240)
        else:
            duration = 301 + int(rnd() * 900)
        region = acct.region if rnd() < 0.95 else vocab.REGIONS[int(rnd() * len(vocab.REGIONS))]
        in_playlist = playlist if playlist is not None and rnd() < 0.6 else None
        deleted = ct + 60 + int(-math.log(1.0 - rnd()) * 5 * DAY) if rnd() < 0.04 else None
        voice = (
            " ".join(filler[int(rnd() * len(filler))] for _ in range(3 + int(rnd() * 7)))
            if rnd() < 0.3
            else ""
        )
        stickers = (vocab.STICKERS[int(rnd() * len(vocab.STICKERS))],) if rnd() < 0.1 else ()
        labels = (vocab.LABELS[int(rnd() * len(vocab.LABELS))],) if rnd() < 0.02 else ()
        return Video(
            (ct << 32) | (a << 8) | seq,
            ct,
            a,
            acct.username,
            description,
            tuple(tags),
            mentions,
            music_id,
            effect_ids,
            duration,
            region,
            in_playlist,
            deleted,
            voice,
            stickers,
            labels,
        )

    def video(self, video_id: int) -> Video | None:
        """Decode the id and regenerate its account-day; None if no such video."""
        try:
            video_id = int(video_id)
        except (TypeError, ValueError):
            return None
        if video_id <= 0 or video_id >= 1 << 63:
            return None
        ct, a = video_id >> 32, (video_id & 0xFFFFFFFF) >> 8
        if a >= len(self.accounts):
            return None
        for v in self.account_videos_on(a, day_of(ct)):
            if v.id == video_id:
                return v
        return None

    def account_video_days(self, account_index: int, until: int) -> list[date]:
        """Days (newest first) on which the account posted, from the start up to ``until``."""
        last = day_of(until).toordinal()
        return [
            date.fromordinal(o) for o in range(last, self._start_ord - 1, -1) if self._count(account_index, o)
        ]

    def account_videos(self, account_index: int, at: int) -> list[Video]:
        """All the account's videos created at or before ``at`` (deleted ones included), newest first."""
        out: list[Video] = []
        for d in self.account_video_days(account_index, at):
            out.extend(v for v in self.account_videos_on(account_index, d) if v.create_time <= at)
        return out
