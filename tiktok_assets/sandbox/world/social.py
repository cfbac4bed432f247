"""The social graph: follows (power-law degrees), likes, reposts and pins (a mixin of World)."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from tiktok_assets.sandbox.world.hashing import h64, unit
from tiktok_assets.sandbox.world.lru import Lru
from tiktok_assets.sandbox.world.model import (
    _K_EDGE,
    _K_EDGE_T,
    _K_LIKE,
    _K_PIN,
    _K_REPOST,
    DAY,
    YEAR,
    Account,
    Edge,
    SizeSpec,
    Video,
    _poisson,
    day_of,
    day_start,
)


class Social:
    """Edges exist by a per-pair hash against popularity x activity, so both directions agree."""

    seed: int
    spec: SizeSpec
    accounts: Sequence[Account]
    _pop: list[float]
    _act: list[float]
    _pop_cum: list[float]
    _start_ord: int
    _start_ts: int
    _edge_cache: Lru[tuple[str, int], list[Edge]]
    _activity_cache: Lru[tuple[int, int, int], list[tuple[Video, int]]]

    if TYPE_CHECKING:  # provided by the Videos mixin

        def _count(self, a: int, ordinal: int) -> int: ...

        def account_videos_on(self, account_index: int, day: date) -> list[Video]: ...

    # ------------------------------------------------------------------ follow graph
    def _follow_prob(self, followee: int, follower: int) -> float:
        n = len(self.accounts)
        return min(0.9, self.spec.mean_followers / n * self._pop[followee] * self._act[follower])

    def _edge_time(self, followee: int, follower: int) -> int:
        lo = max(self.accounts[followee].created_time, self.accounts[follower].created_time)
        hi = max(self._start_ts + 3 * YEAR, lo + YEAR)
        return lo + int((hi - lo) * unit(self.seed, _K_EDGE_T, followee, follower))

    def _all_edges(self, account: int, incoming: bool) -> list[Edge]:
        """Every follow into (``incoming``: its followers) or out of the account, newest first.

        Both directions test the same (followee, follower) hash, so a follow is seen from either side."""
        s, prob, others = self.seed, self._follow_prob, range(len(self.accounts))
        pairs = ((account, o) for o in others) if incoming else ((o, account) for o in others)
        edges = [
            Edge(follower, followee, self._edge_time(followee, follower))
            for followee, follower in pairs
            if followee != follower and unit(s, _K_EDGE, followee, follower) < prob(followee, follower)
        ]
        # Ties: by the other account's index.
        edges.sort(
            key=lambda e: (e.create_time, e.follower_index if incoming else e.followee_index), reverse=True
        )
        return edges

    def _edges_until(self, account_index: int, at: int, incoming: bool) -> list[Edge]:
        edges = self._edge_cache.get_or_make(
            ("in" if incoming else "out", account_index), lambda: self._all_edges(account_index, incoming)
        )
        return [e for e in edges if e.create_time <= at]

    def followers(self, account_index: int, at: int) -> list[Edge]:
        """Who follows the account at ``at``, newest follow first."""
        return self._edges_until(account_index, at, incoming=True)

    def following(self, account_index: int, at: int) -> list[Edge]:
        """Whom the account follows at ``at``, newest follow first."""
        return self._edges_until(account_index, at, incoming=False)

    # ------------------------------------------------------------------ likes, reposts, pins
    def _activity(self, kind: int, a: int, until_ord: int, per_day: float) -> list[tuple[Video, int]]:
        s = self.seed
        out: list[tuple[Video, int]] = []
        lam = per_day * self._act[a]
        for o in range(self._start_ord, until_ord + 1):
            k = _poisson(lam, unit(s, kind, a, o), 50)
            if not k:
                continue
            rng = random.Random(h64(s, kind, a, o, 1))
            t0 = day_start(date.fromordinal(o))
            for _ in range(k):
                b = bisect_right(self._pop_cum, rng.random() * self._pop_cum[-1])
                d = o - rng.randrange(4)
                when = t0 + rng.randrange(DAY)
                if b == a or d < self._start_ord:
                    continue
                vids = self.account_videos_on(b, date.fromordinal(d))
                if not vids:
                    continue
                v = vids[rng.randrange(len(vids))]
                if when > v.create_time:
                    out.append((v, when))
        out.sort(key=lambda p: (p[1], p[0].id), reverse=True)
        # One like per video: keep the earliest (list is newest first, so the last occurrence wins).
        seen: dict[int, tuple[Video, int]] = {}
        for pair in out:
            seen[pair[0].id] = pair
        return sorted(seen.values(), key=lambda p: (p[1], p[0].id), reverse=True)

    def liked(self, account_index: int, at: int) -> list[tuple[Video, int]]:
        """Videos the account liked up to ``at`` with the like time, newest first."""
        o = day_of(at).toordinal()
        full = self._activity_cache.get_or_make(
            (_K_LIKE, account_index, o), lambda: self._activity(_K_LIKE, account_index, o, 1.0)
        )
        return [p for p in full if p[1] <= at]

    def reposted(self, account_index: int, at: int) -> list[tuple[Video, int]]:
        """Videos the account reposted up to ``at`` with the repost time, newest first."""
        o = day_of(at).toordinal()
        full = self._activity_cache.get_or_make(
            (_K_REPOST, account_index, o), lambda: self._activity(_K_REPOST, account_index, o, 0.08)
        )
        return [p for p in full if p[1] <= at]

    def pinned(self, account_index: int) -> list[Video]:
        """Up to three of the account's early videos (pinned order). Callers filter by the clock."""
        want = (0, 0, 1, 1, 2, 3)[h64(self.seed, _K_PIN, account_index) % 6]
        out: list[Video] = []
        o = self._start_ord
        while len(out) < want and o < self._start_ord + 120:
            if self._count(account_index, o):
                out.extend(self.account_videos_on(account_index, date.fromordinal(o))[::-1])
            o += 1
        return [v for v in out if v.deleted_time is None][:want]
