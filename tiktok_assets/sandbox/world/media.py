"""The world's sounds and effects: built once from the seed, looked up by id (a mixin of World).

Sound popularity is Zipf over the catalogue, so a few sounds are everywhere; ``music_usage`` counts
TikTok-wide use in closed form and ``music_videos`` finds the world's videos that use a sound.
"""

from __future__ import annotations

import random
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from tiktok_assets.sandbox.world import vocab
from tiktok_assets.sandbox.world.hashing import h64
from tiktok_assets.sandbox.world.model import (
    _K_EFFECT,
    _K_MUSIC,
    DAY,
    MUSIC_BASE,
    Effect,
    Music,
    SizeSpec,
    Video,
    _syllable_name,
    day_of,
)


class Media:
    """Music and effects catalogues (``_build_media`` runs once, from ``World.__init__``)."""

    seed: int
    spec: SizeSpec
    _start_ord: int
    _start_ts: int

    if TYPE_CHECKING:  # provided by the Videos mixin

        def videos_on(self, day: date) -> list[Video]: ...

    def _build_media(self) -> None:
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
