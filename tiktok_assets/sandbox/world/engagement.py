"""Engagement of the world's videos: statistics, comments and replies (a mixin of World)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from tiktok_assets.sandbox.world import vocab
from tiktok_assets.sandbox.world.hashing import h64, mix64, unit
from tiktok_assets.sandbox.world.model import (
    _INV11,
    _INV16,
    _INV53,
    _K_COMMENTS,
    _K_REPLIES,
    DAY,
    MAX_TOP_COMMENTS,
    YEAR,
    Account,
    Comment,
    Stats,
    Video,
    _pareto,
)


class Engagement:
    """Views, likes, shares, favorites and comments grow with age, heavy-tailed per video."""

    seed: int
    accounts: Sequence[Account]
    _pop: list[float]
    _stats_key: int

    # ------------------------------------------------------------------ statistics
    def _video_params(self, v: Video) -> tuple[float, float, float, float, float, float]:
        """(final views, tau, like rate, comment rate, u, u2) from two 64-bit mixes (hot path: every page)."""
        h = mix64(self._stats_key ^ v.id)
        g = mix64(h)
        virality = min((1.0 - (h >> 11) * _INV53) ** (-1.0 / 1.1), 100_000.0)
        final = 2_000.0 * self._pop[v.author_index] * virality
        tau = DAY * (0.3 + 4.0 * (g >> 48) * _INV16)
        like_rate = 0.02 + 0.13 * ((g >> 32) & 0xFFFF) * _INV16
        comment_rate = 0.001 + 0.009 * ((g >> 16) & 0xFFFF) * _INV16
        return final, tau, like_rate, comment_rate, (g & 0xFFFF) * _INV16, (h & 0x7FF) * _INV11

    def stats(self, video: Video, at: int) -> Stats:
        """Engagement seen at ``at``: 0 before creation, monotone in ``at``, frozen at deletion."""
        if at < video.create_time:
            return Stats(0, 0, 0, 0, 0)
        end = at if video.deleted_time is None else min(at, video.deleted_time)
        age = end - video.create_time
        # _video_params inlined (the same arithmetic in the same order): this runs for every video of a page.
        h = mix64(self._stats_key ^ video.id)
        g = mix64(h)
        final = (
            2_000.0
            * self._pop[video.author_index]
            * min((1.0 - (h >> 11) * _INV53) ** (-1.0 / 1.1), 100_000.0)
        )
        tau = DAY * (0.3 + 4.0 * (g >> 48) * _INV16)
        u = (g & 0xFFFF) * _INV16
        views = int(final * (1.0 - math.exp(-age / tau)) + final * 0.05 * age / YEAR)
        comment_rate = 0.001 + 0.009 * ((g >> 16) & 0xFFFF) * _INV16
        return Stats(
            views,
            int(views * (0.02 + 0.13 * ((g >> 32) & 0xFFFF) * _INV16)),
            self._visible_comments_from(final, comment_rate, (h & 0x7FF) * _INV11, age),
            int(views * (0.001 + 0.02 * u)),
            int(views * (0.005 + 0.03 * (1.0 - u))),
        )

    # ------------------------------------------------------------------ comments
    @staticmethod
    def _plan(final: float, comment_rate: float, u2: float) -> tuple[int, int, int]:
        """(total top-level comments, A, B): comment i arrives at ``create_time + A*(i+1) + B*i*i``."""
        total = min(int(final * comment_rate), MAX_TOP_COMMENTS)
        span = int(2 * DAY + 28 * DAY * u2)
        a_ = max(1, span // (4 * total + 4))
        b_ = max(0, (span - a_ * total) // max(1, total * total))
        return total, a_, b_

    def _comment_plan(self, video: Video) -> tuple[int, int, int]:
        final, _, _, comment_rate, _, u2 = self._video_params(video)
        return self._plan(final, comment_rate, u2)

    def _visible_comments_from(self, final: float, comment_rate: float, u2: float, age: int) -> int:
        total, a_, b_ = self._plan(final, comment_rate, u2)
        if total == 0 or a_ + 0 > age:
            return 0
        if a_ * total + b_ * (total - 1) ** 2 <= age:
            return total
        lo, hi = 0, total  # count of i with a_*(i+1) + b_*i*i <= age (monotone in i)
        while lo < hi:
            mid = (lo + hi) // 2
            if a_ * (mid + 1) + b_ * mid * mid <= age:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _visible_comments(self, video: Video, age: int) -> int:
        final, _, _, comment_rate, _, u2 = self._video_params(video)
        return self._visible_comments_from(final, comment_rate, u2, age)

    def comments(self, video: Video, at: int) -> list[Comment]:
        """Top-level comments visible at ``at``, oldest first."""
        if at < video.create_time:
            return []
        end = at if video.deleted_time is None else min(at, video.deleted_time)
        n = self._visible_comments(video, end - video.create_time)
        _, a_, b_ = self._comment_plan(video)
        rng = random.Random(h64(self.seed, _K_COMMENTS, video.id, 1))
        ct, low = video.create_time, video.id & 0xFFFFFFFF
        author, seq = low >> 8, low & 0xFF
        n_acc = len(self.accounts)
        out: list[Comment] = []
        for i in range(n):
            t = ct + a_ * (i + 1) + b_ * i * i
            text = rng.choice(vocab.COMMENT_PHRASES)
            commenter = rng.randrange(n_acc)
            likes_final = int(_pareto(rng.random(), 1.3)) - 1
            cid = (ct << 32) | (1 << 31) | (author << 18) | (seq << 13) | i
            out.append(
                Comment(
                    id=cid,
                    video_id=video.id,
                    parent_comment_id=video.id,
                    text=text,
                    like_count=int(likes_final * (1.0 - math.exp(-(at - t) / DAY))),
                    reply_count=self._visible_replies(cid, t, at),
                    create_time=t,
                    author_index=commenter,
                )
            )
        return out

    @staticmethod
    def comment_video_id(comment_id: int) -> int | None:
        """The video a top-level comment id belongs to (decoded), or None for anything else."""
        try:
            comment_id = int(comment_id)
        except (TypeError, ValueError):
            return None
        if comment_id <= 0 or comment_id >= 1 << 63 or not comment_id & (1 << 31):
            return None
        ct, low = comment_id >> 32, comment_id & 0xFFFFFFFF
        return (ct << 32) | (((low >> 18) & 0x1FFF) << 8) | ((low >> 13) & 0x1F)

    def _reply_plan(self, comment_id: int) -> tuple[int, int]:
        u = unit(self.seed, _K_REPLIES, comment_id)
        total = 0 if u < 0.75 else min(int(_pareto(unit(self.seed, _K_REPLIES, comment_id, 1), 1.2)), 300)
        step = 60 + int(7_200 * unit(self.seed, _K_REPLIES, comment_id, 2))
        return total, step

    def _visible_replies(self, comment_id: int, parent_time: int, at: int) -> int:
        total, step = self._reply_plan(comment_id)
        if at < parent_time:
            return 0
        return min(total, (at - parent_time) // step)

    def replies(self, video: Video, comment_id: int, at: int) -> list[Comment]:
        """Replies to a top-level comment visible at ``at``, oldest first."""
        if self.comment_video_id(comment_id) != video.id:
            return []
        i = comment_id & 0x1FFF
        _, a_, b_ = self._comment_plan(video)
        parent_time = video.create_time + a_ * (i + 1) + b_ * i * i
        end = at if video.deleted_time is None else min(at, video.deleted_time)
        if end < parent_time:
            return []
        n = self._visible_replies(comment_id, parent_time, end)
        _, step = self._reply_plan(comment_id)
        rng = random.Random(h64(self.seed, _K_REPLIES, comment_id, 3))
        out: list[Comment] = []
        for j in range(n):
            t = parent_time + step * (j + 1)
            text = rng.choice(vocab.COMMENT_PHRASES)
            commenter = rng.randrange(len(self.accounts))
            likes_final = int(_pareto(rng.random(), 1.5)) - 1
            rid = (t << 32) | (1 << 30) | (h64(self.seed, _K_REPLIES, comment_id, j) & 0x3FFFFFFF)
            out.append(
                Comment(
                    id=rid,
                    video_id=video.id,
                    parent_comment_id=comment_id,
                    text=text,
                    like_count=int(likes_final * (1.0 - math.exp(-(at - t) / DAY))),
                    reply_count=0,
                    create_time=t,
                    author_index=commenter,
                )
            )
        return out
