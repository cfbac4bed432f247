"""``playlist/info``: a playlist's name and its videos' ids (index cursor)."""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.research import params
from tiktok_assets.sandbox.research.context import Ctx, Page, invalid, is_gone
from tiktok_assets.sandbox.research.render import PLAYLIST_FIELDS, parse_fields


def playlist_info(ctx: Ctx, body: Any) -> Page:
    body = params.json_object(body)
    parse_fields(ctx.fields_raw, PLAYLIST_FIELDS, PLAYLIST_FIELDS)
    pid = params.integer(body, "playlist_id")
    if pid is None:
        raise invalid("Invalid parameters: playlist_id is required")
    pl = ctx.world.playlist(pid, at=ctx.now)
    if pl is None:
        raise invalid(f"Invalid playlist_id {pid}")
    vids = [v.id for v in (ctx.world.video(i) for i in pl.video_ids) if v is not None and not is_gone(ctx, v)]
    # cursor/has_more are documented, one client says they are ignored (open): honoured, index cursor.
    max_count = params.max_count(body, 20)
    cursor = params.cursor(body)
    chunk = vids[cursor : cursor + max_count]
    nxt = cursor + len(chunk)
    return Page(
        {
            "playlist_id": pl.id,
            "playlist_name": pl.name,
            "playlist_item_total": len(vids),
            "playlist_last_updated": pl.last_updated,
            "playlist_video_ids": chunk,
            "cursor": nxt,
            "has_more": nxt < len(vids),
        },
        len(chunk),
        [str(i) for i in chunk],
    )
