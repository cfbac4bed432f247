"""The sandbox world: a deterministic synthetic TikTok, a pure function of ``(seed, size)``.

Nothing here reads a clock or does I/O. A day's content is generated per (account, day) from the seed, so
what happened on a day never depends on when (or in which order) it is asked. Callers filter by the sandbox
clock themselves (``at`` parameters are Unix seconds).

Id layout (64 bits, decodable without an index):
- video:   ``create_time << 32 | author_index << 8 | seq``            (19 digits, ``id >> 32 == create_time``)
- comment: ``video_create_time << 32 | 1 << 31 | author << 18 | seq << 13 | i`` (top-level; decodes to its video)
- reply:   ``reply_time << 32 | 1 << 30 | hash`` (never looked up by id)
- playlist: ``PLAYLIST_BASE + author_index * 100_000 + k``; music ids come from a catalog.
"""

from __future__ import annotations

import base64
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import Literal

import numpy as np

from tiktok_assets.sandbox import _vocab as vocab
from tiktok_assets.sandbox._hash import h64, mix64, str_key, unit
from tiktok_assets.sandbox._lru import Lru

# The contract's types live in _world_base; importing them from here is the public way.
from tiktok_assets.sandbox._world_base import (
    _K_ACCOUNT,
    _K_COUNT,
    _K_EFFECT,
    _K_MUSIC,
    _K_PLAYLIST,
    _K_STATS,
    _K_VIDEOS,
    _TAG_COUNTS,
    DAY,
    MAX_ACCOUNTS,
    MAX_PER_ACCOUNT_DAY,
    MAX_TOP_COMMENTS,
    MUSIC_BASE,
    PLAYLIST_BASE,
    SIZES,
    YEAR,
    Account,
    Comment,
    Edge,
    Effect,
    Music,
    Playlist,
    SizeSpec,
    Stats,
    Video,
    _np_mix,
    _pareto,
    _syllable_name,
    day_of,
    day_start,
    video_length_bucket,
)
from tiktok_assets.sandbox._world_engagement import Engagement
from tiktok_assets.sandbox._world_social import Social

__all__ = [
    "Account",
    "Comment",
    "DAY",
    "Edge",
    "Effect",
    "MAX_ACCOUNTS",
    "MAX_PER_ACCOUNT_DAY",
    "MAX_TOP_COMMENTS",
    "MUSIC_BASE",
    "Music",
    "PLAYLIST_BASE",
    "Playlist",
    "SIZES",
    "SizeSpec",
    "Stats",
    "Video",
    "World",
    "YEAR",
    "day_of",
    "day_start",
    "video_length_bucket",
]


class World(Engagement, Social):
    """See docs/architecture.md for the contract; every method is deterministic in ``(seed, size)``."""

    def __init__(
        self, seed: int, size: Literal["small", "large"] = "small", start: date | None = None
    ) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
        self.seed = int(seed)
        self.size = size
        self.spec = spec = SIZES[size]
        assert spec.accounts <= MAX_ACCOUNTS
        self.start_date: date = start or spec.start
        self._start_ord = self.start_date.toordinal()
        self._start_ts = day_start(self.start_date)

        self.hashtags: tuple[str, ...] = vocab.TOPIC_WORDS
        self.keywords: tuple[str, ...] = tuple(dict.fromkeys(vocab.TOPIC_WORDS + vocab.FILLER))
        # Zipf popularity over the vocabulary (rank 1 most popular).
        self._topic_cum = list(accumulate(1.0 / (r + 1) ** 1.05 for r in range(len(self.hashtags))))
        self._region_cum = list(accumulate(vocab.REGION_WEIGHTS))

        self._build_catalogs()
        self._build_accounts()

        # Per-account keys for the vectorized per-(account, day) count draws.
        with np.errstate(over="ignore"):
            self._count_keys = _np_mix(
                np.arange(len(self.accounts), dtype=np.uint64) ^ np.uint64(h64(self.seed, _K_COUNT))
            )
        self._count_salt = np.uint64(h64(self.seed, _K_COUNT, 1))
        self._rate_np = np.array(self._rate, dtype=np.float64)
        self._counts_cache: Lru[int, bytes] = Lru(8_192)
        self._stats_key = h64(self.seed, _K_STATS)
        self._video_keys = [h64(self.seed, _K_VIDEOS, a) for a in range(len(self.accounts))]
        # 30% of accounts keep playlists; -1 = none, else the day offset of their first playlist window.
        self._playlist_phase = [
            h64(self.seed, _K_PLAYLIST, a, 1) % 40 if unit(self.seed, _K_PLAYLIST, a) < 0.3 else -1
            for a in range(len(self.accounts))
        ]
        self._day_cache: Lru[int, list[Video]] = Lru(spec.day_cache)
        self._acct_day_cache: Lru[tuple[int, int], list[Video]] = Lru(50_000)
        self._edge_cache: Lru[tuple[str, int], list[Edge]] = Lru(4_096)
        self._activity_cache: Lru[tuple[int, int, int], list[tuple[Video, int]]] = Lru(2_048)

    # ------------------------------------------------------------------ catalogs
    def _build_catalogs(self) -> None:
        s = self.seed
        musics: list[Music] = []
        for i in range(self.spec.music):
            rng = random.Random(h64(s, _K_MUSIC, i))
            mid = MUSIC_BASE + (h64(s, _K_MUSIC, i, 1) % 999_999_999_999_999_999 // 1000 * 1000) + i
            original = rng.random() < 0.3
            words = " ".join(rng.choice(vocab.MUSIC_WORDS).title() for _ in range(rng.randint(1, 3)))
            title = f"original sound - {_syllable_name(rng, 2, 3)}" if original else words
            author = _syllable_name(rng, 2, 4).title()
            musics.append(Music(mid, title, author, rng.randint(8, 240), original))
        self._musics = musics
        self.music_ids: tuple[int, ...] = tuple(m.id for m in musics)
        self._music_by_id = {m.id: i for i, m in enumerate(musics)}
        self._music_cum = list(accumulate(1.0 / (r + 1) ** 1.1 for r in range(len(musics))))

        effects: list[Effect] = []
        for i in range(self.spec.effects):
            rng = random.Random(h64(s, _K_EFFECT, i))
            eid = str(100_000 + h64(s, _K_EFFECT, i, 1) % 900_000 * 1000 + i)
            name = f"{rng.choice(vocab.EFFECT_WORDS)} {i}"
            effects.append(Effect(eid, name, f"https://sandbox.tiktokcdn.example/effect/{eid}.png"))
        self._effects = effects
        self._effect_by_id = {e.id: e for e in effects}
        self._effect_cum = list(accumulate(1.0 / (r + 1) for r in range(len(effects))))

    # ------------------------------------------------------------------ accounts
    def _build_accounts(self) -> None:
        s, n = self.seed, self.spec.accounts
        accounts: list[Account] = []
        pop: list[float] = []
        act: list[float] = []
        rate: list[float] = []
        favs: list[tuple[int, ...]] = []
        seen: set[str] = set()
        for i in range(n):
            rng = random.Random(h64(s, _K_ACCOUNT, i))
            base = _syllable_name(rng, 2, 4)
            sep = rng.choice(("", "", "_", ".", "__"))
            username = base + sep + (str(rng.randint(1, 9999)) if rng.random() < 0.6 else "")
            if username in seen or len(username) < 3:
                username = f"{username}{i}"
            seen.add(username)
            display = base.title() + rng.choice(vocab.DISPLAY_DECOR)
            if rng.random() < 0.02:
                display += "\x00"  # the field has seen NUL bytes in names
            raw = h64(s, _K_ACCOUNT, i, 2).to_bytes(8, "big") * 5
            sec_uid = "MS4wLjABAAAA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")[:52]
            uid = 6_700_000_000_000_000_000 + h64(s, _K_ACCOUNT, i, 3) % 10**17 * 10 + i % 10
            region = vocab.REGIONS[bisect_right(self._region_cum, rng.random() * self._region_cum[-1])]
            fav = tuple(self._zipf_topic(rng) for _ in range(3))
            bio_words = " ".join(self.hashtags[t] for t in fav)
            bio = rng.choice(
                ("", f"{bio_words} ✨", f"I post about {bio_words}", "📍 " + region, "link below 👇")
            )
            has_url = rng.random() < 0.3
            accounts.append(
                Account(
                    index=i,
                    uid=uid,
                    username=username,
                    display_name=display,
                    sec_uid=sec_uid,
                    bio=bio,
                    bio_url=f"https://example.com/{username}" if has_url else "",
                    avatar_url=f"https://sandbox.tiktokcdn.example/avatar/{uid}.jpeg",
                    verified=rng.random() < 0.03,
                    region=region,
                    created_time=self._start_ts - rng.randint(30, 6 * 365) * DAY - rng.randrange(DAY),
                    is_private=rng.random() < 0.08,
                    likes_public=rng.random() < 0.6,
                    following_public=rng.random() < 0.8,
                    api_refused=rng.random() < 0.01,
                )
            )
            pop.append(min(_pareto(rng.random(), 1.5), 5_000.0))
            act.append(min(_pareto(rng.random(), 2.5), 50.0))
            rate.append(min(_pareto(rng.random(), 2.0), 40.0))
            favs.append(fav)
        # Normalize: the mean activity fits the size's videos/day; popularity and activity have mean 1.
        k_rate = self.spec.videos_per_day / sum(rate)
        k_pop, k_act = n / sum(pop), n / sum(act)
        self._rate = [r * k_rate for r in rate]
        self._pop = [p * k_pop for p in pop]
        self._act = [a * k_act for a in act]
        self._favs = favs
        self._pop_cum = list(accumulate(self._pop))
        self.accounts: Sequence[Account] = tuple(accounts)
        self._by_username = {a.username: a for a in accounts}
        self._by_sec_uid = {a.sec_uid: a for a in accounts}
        self._by_uid = {a.uid: a for a in accounts}

    def _zipf_topic(self, rng: random.Random) -> int:
        return bisect_right(self._topic_cum, rng.random() * self._topic_cum[-1])

    def account_by_username(self, name: str) -> Account | None:
        return self._by_username.get(name)

    def account_by_sec_uid(self, sec_uid: str) -> Account | None:
        return self._by_sec_uid.get(sec_uid)

    def account_by_uid(self, uid: int) -> Account | None:
        return self._by_uid.get(int(uid))

    # ------------------------------------------------------------------ videos
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
        rnd = random.Random(mix64(self._video_keys[a] ^ ordinal)).random
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

    # ------------------------------------------------------------------ playlists
    def _has_playlists(self, a: int) -> bool:
        return self._playlist_phase[a] >= 0

    def _playlist_window(self, a: int, k: int) -> tuple[int, int]:
        """Playlist k of account a collects the account's videos on days [first, last) (ordinal)."""
        first = self._start_ord + self._playlist_phase[a] + 45 * k
        return first, first + 14

    def _active_playlist(self, a: int, ordinal: int) -> int | None:
        phase = self._playlist_phase[a]
        if phase < 0:
            return None
        off = ordinal - self._start_ord - phase
        if off < 0 or off % 45 >= 14:
            return None
        return PLAYLIST_BASE + a * 100_000 + off // 45

    def playlist(self, playlist_id: int, at: int | None = None) -> Playlist | None:
        """The playlist (videos oldest first); ``at`` (extra to the contract) hides later videos."""
        try:
            rel = int(playlist_id) - PLAYLIST_BASE
        except (TypeError, ValueError):
            return None
        a, k = divmod(rel, 100_000)
        if rel < 0 or a >= len(self.accounts) or not self._has_playlists(a):
            return None
        first, last = self._playlist_window(a, k)
        vids = [
            v
            for o in range(first, last)
            for v in reversed(self.account_videos_on(a, date.fromordinal(o)))
            if v.playlist_id == playlist_id and (at is None or v.create_time <= at)
        ]
        if not vids:
            return None
        rng = random.Random(h64(self.seed, _K_PLAYLIST, a, k, 2))
        name = f"{self.hashtags[rng.choice(self._favs[a])]} part {k + 1}"
        return Playlist(int(playlist_id), name, tuple(v.id for v in vids), vids[-1].create_time)

    # ------------------------------------------------------------------ music and effects
    def music(self, music_id: int) -> Music | None:
        i = self._music_by_id.get(int(music_id))
        return None if i is None else self._musics[i]

    def music_usage(self, music_id: int, at: int) -> int:
        """Videos using the sound at ``at``.

        Counts TikTok-wide use (the world is a sample): a fixed use before the world's start plus the sound's
        expected share of the world's videos since; closed form so it is cheap, monotone in ``at``.
        """
        i = self._music_by_id.get(int(music_id))
        if i is None:
            return 0
        share = (self._music_cum[i] - (self._music_cum[i - 1] if i else 0.0)) / self._music_cum[-1]
        before = int(50_000 / (i + 1) ** 0.9)
        days = max(0.0, (at - self._start_ts) / DAY)
        return before + int(share * self.spec.videos_per_day * days)

    def music_videos(self, music_id: int, at: int, limit: int | None = None) -> list[Video]:
        """World videos using the sound created at or before ``at``, newest first (scans days backwards)."""
        out: list[Video] = []
        mid = int(music_id)
        o = day_of(at).toordinal()
        while o >= self._start_ord and (limit is None or len(out) < limit):
            out.extend(
                v for v in self.videos_on(date.fromordinal(o)) if v.music_id == mid and v.create_time <= at
            )
            o -= 1
        return out if limit is None else out[:limit]

    def effect(self, effect_id: str) -> Effect | None:
        return self._effect_by_id.get(str(effect_id))

    # ------------------------------------------------------------------ helpers for emulators
    def days(self, first: date, last: date) -> list[date]:
        """Inclusive list of days, clipped to the world's start."""
        first = max(first, self.start_date)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def popularity(self, account_index: int) -> float:
        """Relative popularity (mean 1, heavy-tailed): drives followers and views."""
        return self._pop[account_index]

    def string_seed(self, *parts: str | int) -> int:
        """A seed derived from the world seed and arbitrary parts (for emulators needing their own streams)."""
        return h64(self.seed, *(str_key(p) if isinstance(p, str) else p for p in parts))
