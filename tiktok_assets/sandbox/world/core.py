"""The sandbox world: a deterministic synthetic TikTok, a pure function of ``(seed, size)``.

Nothing here reads a clock or does I/O. A day's content is generated per (account, day) from the seed, so
what happened on a day never depends on when (or in which order) it is asked. Callers filter by the sandbox
clock themselves (``at`` parameters are Unix seconds).

Id layout (64 bits, decodable without an index):
- video:   ``create_time << 32 | author_index << 8 | seq``            (19 digits, ``id >> 32 == create_time``)
- comment: ``video_create_time << 32 | 1 << 31 | author << 18 | seq << 13 | i`` (top-level; decodes to its video)
- reply:   ``reply_time << 32 | 1 << 30 | hash`` (never looked up by id)
- playlist: ``PLAYLIST_BASE + author_index * 100_000 + k``; music ids come from a catalog.

``World`` composes one mixin per concern (accounts, media, videos, playlists, engagement, social) and owns
the construction: every attribute and cache is set in ``__init__`` here, in one place.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import accumulate
from typing import Literal

import numpy as np

from tiktok_assets.sandbox.world import vocab
from tiktok_assets.sandbox.world.accounts import Accounts
from tiktok_assets.sandbox.world.engagement import Engagement
from tiktok_assets.sandbox.world.hashing import h64, str_key, unit
from tiktok_assets.sandbox.world.lru import Lru
from tiktok_assets.sandbox.world.media import Media
from tiktok_assets.sandbox.world.model import (
    _K_COUNT,
    _K_PLAYLIST,
    _K_STATS,
    _K_VIDEOS,
    MAX_ACCOUNTS,
    SIZES,
    Edge,
    Video,
    _np_mix,
    day_start,
)
from tiktok_assets.sandbox.world.playlists import Playlists
from tiktok_assets.sandbox.world.social import Social
from tiktok_assets.sandbox.world.videos import Videos


class World(Videos, Playlists, Accounts, Media, Engagement, Social):
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

        self._build_media()
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

    # ------------------------------------------------------------------ helpers for emulators
    def days(self, first: date, last: date) -> list[date]:
        """Inclusive list of days, clipped to the world's start."""
        first = max(first, self.start_date)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def string_seed(self, *parts: str | int) -> int:
        """A seed derived from the world seed and arbitrary parts (for emulators needing their own streams)."""
        return h64(self.seed, *(str_key(p) if isinstance(p, str) else p for p in parts))
