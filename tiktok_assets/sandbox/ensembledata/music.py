"""EnsembleData music endpoints: search (`/tt/music/info`) and details (music posts live in videos.py)."""

from __future__ import annotations

from collections.abc import Sequence

from tiktok_assets.sandbox.ensembledata import shapes
from tiktok_assets.sandbox.ensembledata.context import Ctx, Reply, offset_reply
from tiktok_assets.sandbox.ensembledata.paging import offset_page
from tiktok_assets.sandbox.ensembledata.params import Params
from tiktok_assets.sandbox.ensembledata.videos import music_id

MUSIC_SEARCH_PAGE = 20


def _music_matches(p: Params, ctx: Ctx) -> Sequence[int]:
    """Sounds whose title or author contains `name` (case-insensitive).

    sorting: 0 relevance (title match before author match, then most used), 1 most used, 2 most recent
    (the world has no release dates: higher id first, open), 3 shortest, 4 longest; ties by id.
    filter_by: 0 all, 1 music only (not original sounds), 2 creators only (original sounds).
    """
    name = p.required("name").lower()
    sorting = p.choice("sorting", (0, 1, 2, 3, 4), default=0)
    filter_by = p.choice("filter_by", (0, 1, 2), default=0)

    def build() -> tuple[int, ...]:
        found = []
        for mid in ctx.world.music_ids:
            track = ctx.world.music(mid)
            in_title, in_author = name in track.title.lower(), name in track.author.lower()
            if (
                not (in_title or in_author)
                or (filter_by == 1 and track.original)
                or (filter_by == 2 and not track.original)
            ):
                continue
            used = ctx.world.music_usage(mid, ctx.now)
            key = {
                0: (0 if in_title else 1, -used),
                1: (-used,),
                2: (-mid,),
                3: (track.duration,),
                4: (-track.duration,),
            }[sorting]
            found.append((key, mid))
        found.sort()
        return tuple(mid for _, mid in found)

    return ctx.cat.memo(("ed_music_search", name, sorting, filter_by, ctx.now), build)


def music_search(p: Params, ctx: Ctx) -> Reply:
    chunk, following = offset_page(_music_matches(p, ctx), p.cursor(), MUSIC_SEARCH_PAGE)
    payload = {"music": [shapes.music(ctx.cat, mid, ctx.now) for mid in chunk]}
    return offset_reply(ctx, "/tt/music/info", payload, following)


def music_search_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(mid) for mid in _music_matches(p, ctx)[p.cursor() :]]


def music_details(p: Params, ctx: Ctx) -> Reply:
    mid = music_id(p, ctx, "id")
    return Reply({"data": shapes.music(ctx.cat, mid, ctx.now)}, ctx.price("/tt/music/details"))


def music_details_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(music_id(p, ctx, "id"))]
