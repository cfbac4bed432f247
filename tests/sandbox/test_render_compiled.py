"""The compiled video renderer answers exactly what the per-field getters (the definition) give."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from tiktok_assets.sandbox.research.render import _GETTERS, VIDEO_FIELDS, VideoRenderer, stats_time
from tiktok_assets.sandbox.world import Video, World

NOW = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
WORLD = World(7, "small")


def by_getters(v: Video, fields: tuple[str, ...]) -> dict[str, Any]:
    st = WORLD.stats(v, stats_time(WORLD, v, NOW))
    values = ((f, _GETTERS[f](WORLD)(v, st)) for f in fields)
    return {f: x for f, x in values if x is not None}


def test_every_field_list_renders_as_the_getters_do() -> None:
    videos = [v for d in range(1, 11) for v in WORLD.videos_on(date(2026, 5, d))]
    assert any(v.playlist_id is None for v in videos) and any(v.playlist_id for v in videos)
    rng = random.Random(3)
    field_lists = [VIDEO_FIELDS, ("id",), ("playlist_id", "id"), ("username", "view_count")]
    field_lists += [tuple(rng.sample(VIDEO_FIELDS, rng.randint(1, len(VIDEO_FIELDS)))) for _ in range(20)]
    for fields in field_lists:
        render = VideoRenderer(WORLD, fields, NOW)
        for v in videos:
            got = render(v)
            want = by_getters(v, fields)
            assert got == want and list(got) == list(want)  # same values and the same key order
