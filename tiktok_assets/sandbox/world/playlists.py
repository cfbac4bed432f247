"""The world's playlists: an account's videos of some two-week windows, by a decodable id (a mixin of World).

30% of accounts keep playlists; playlist k of an account collects (most of) its videos posted on the days
of window k, so whether a video is in a playlist is known while it is generated.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from tiktok_assets.sandbox.world.hashing import h64
from tiktok_assets.sandbox.world.model import _K_PLAYLIST, PLAYLIST_BASE, Account, Playlist, Video


class Playlists:
    """Playlist windows per account (``_playlist_phase`` is set by ``World.__init__``)."""

    seed: int
    accounts: Sequence[Account]
    hashtags: tuple[str, ...]
    _start_ord: int
    _favs: list[tuple[int, ...]]
    _playlist_phase: list[int]

    if TYPE_CHECKING:  # provided by the Videos mixin

        def account_videos_on(self, account_index: int, day: date) -> list[Video]: ...

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
