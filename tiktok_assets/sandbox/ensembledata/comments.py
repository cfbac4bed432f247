"""EnsembleData comment endpoints: `/tt/post/comments` and `/tt/post/comments-replies`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiktok_assets.sandbox.ensembledata import shapes
from tiktok_assets.sandbox.ensembledata.context import Ctx, Reply, offset_reply
from tiktok_assets.sandbox.ensembledata.paging import offset_page
from tiktok_assets.sandbox.ensembledata.params import EdError, Params

COMMENTS_PAGE = 30  # "≤30 a page" (doc)


def _video(p: Params, ctx: Ctx) -> Any:
    raw = p.required("aweme_id")
    if not raw.isdigit():
        raise EdError(422, "Invalid value for parameter 'aweme_id': expected a numeric post id")
    video = ctx.cat.video(int(raw), ctx.now)
    if video is None:
        raise EdError(404, "Post not found")
    if ctx.cat.is_private(video.author_index):
        raise EdError(520, "Post restricted")
    return video


def _comments(p: Params, ctx: Ctx) -> tuple[Any, Sequence[Any]]:
    """Top-level comments, oldest first (the world's order; TikTok's ranking is open)."""
    video = _video(p, ctx)
    return video, ctx.cat.memo(
        ("ed_comments", video.id, ctx.now), lambda: tuple(ctx.world.comments(video, ctx.now))
    )


def _replies(p: Params, ctx: Ctx) -> tuple[Any, Sequence[Any]]:
    raw = p.required("comment_id")
    if not raw.isdigit():
        raise EdError(422, "Invalid value for parameter 'comment_id': expected a numeric comment id")
    video = _video(p, ctx)
    comment_id = int(raw)
    # A top-level comment id decodes to its video; its index must be among the comments visible now.
    visible = ctx.world.stats(video, ctx.now).comments
    if ctx.world.comment_video_id(comment_id) != video.id or (comment_id & 0x1FFF) >= visible:
        raise EdError(404, "Comment not found")
    return video, ctx.cat.memo(
        ("ed_replies", comment_id, ctx.now), lambda: tuple(ctx.world.replies(video, comment_id, ctx.now))
    )


def _reply(p: Params, ctx: Ctx, video: Any, items: Sequence[Any], path: str) -> Reply:
    chunk, following = offset_page(items, p.cursor(), COMMENTS_PAGE)
    payload: dict[str, Any] = {
        "comments": [shapes.comment(ctx.cat, c, video.id) for c in chunk],
        "total": len(items),
        "has_more": 1 if following is not None else 0,
    }
    return offset_reply(ctx, path, payload, following)


def post_comments(p: Params, ctx: Ctx) -> Reply:
    video, items = _comments(p, ctx)
    return _reply(p, ctx, video, items, "/tt/post/comments")


def post_comments_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(c.id) for c in _comments(p, ctx)[1][p.cursor() :]]


def comment_replies(p: Params, ctx: Ctx) -> Reply:
    video, items = _replies(p, ctx)
    return _reply(p, ctx, video, items, "/tt/post/comments-replies")


def comment_replies_keys(p: Params, ctx: Ctx) -> list[str]:
    return [str(c.id) for c in _replies(p, ctx)[1][p.cursor() :]]
