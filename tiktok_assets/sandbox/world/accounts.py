"""The world's accounts: built once from the seed, looked up by username, sec_uid or uid (a mixin of World).

Each account also gets heavy-tailed popularity (followers, views), activity (follows, likes) and posting
rate, normalised so the size's videos per day and mean followers hold.
"""

from __future__ import annotations

import base64
import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from tiktok_assets.sandbox.world import vocab
from tiktok_assets.sandbox.world.hashing import h64
from tiktok_assets.sandbox.world.model import (
    _K_ACCOUNT,
    DAY,
    Account,
    SizeSpec,
    _pareto,
    _syllable_name,
)


class Accounts:
    """Who posts (``_build_accounts`` runs once, from ``World.__init__``)."""

    seed: int
    spec: SizeSpec
    _start_ts: int
    hashtags: tuple[str, ...]
    _topic_cum: list[float]
    _region_cum: list[float]

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

    def popularity(self, account_index: int) -> float:
        """Relative popularity (mean 1, heavy-tailed): drives followers and views."""
        return self._pop[account_index]
