"""``video/comment/list``: a video's top-level comments, or a comment's replies (index cursor)."""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.research import params
from tiktok_assets.sandbox.research.context import Ctx, Page, invalid, is_gone
from tiktok_assets.sandbox.research.render import COMMENT_FIELDS, parse_fields, render_comment


def comment_list(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
    fields = parse_fields(ctx.fields_raw, COMMENT_FIELDS, COMMENT_FIELDS)
    max_count = params.max_count(body, 10)
    cursor = params.cursor(body)
    world = ctx.world
    comment_id = params.integer(body, "comment_id")
    if comment_id is not None:
        vid = world.comment_video_id(comment_id)
        video = world.video(vid) if vid is not None else None
        if video is None:
            raise invalid(f"Invalid comment_id {comment_id}")
        items = world.replies(video, comment_id, ctx.now) if not is_gone(ctx, video) else []
    else:
        video_id = params.integer(body, "video_id")
        if video_id is None:
            raise invalid("Invalid parameters: video_id is required")
        video = world.video(video_id)
        if video is None or video.create_time > ctx.now:
            raise invalid(f"Invalid video_id {video_id}")
        items = world.comments(video, ctx.now) if not is_gone(ctx, video) else []
    # Only the first 1,000 are reachable (doc, field); a cursor past them gets an empty last page (open).
    reachable = items[: ctx.limits.comments_reachable]
    chunk = reachable[cursor : cursor + max_count]
    next_cursor = cursor + len(chunk)
    return Page(
        {
            "comments": [render_comment(c, fields) for c in chunk],
            "cursor": next_cursor,
            "has_more": next_cursor < len(reachable),
        },
        len(chunk),
        [str(c.id) for c in chunk],
    )
