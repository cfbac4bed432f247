"""What every Research API endpoint handler receives and returns, and the visibility rule they share.

Handlers are pure functions ``(Ctx, body) -> Page``: no quota, auth or faults (``service`` does those), so
``truth`` can drive the very same code a client pages through. A client mistake raises ``ApiError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tiktok_assets.sandbox.research.render import VideoRenderer
from tiktok_assets.sandbox.research.search_store import SearchStore
from tiktok_assets.sandbox.server.limits import Limits
from tiktok_assets.sandbox.world import Video, World


class ApiError(Exception):
    """An error answer in the research envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_params", message)


@dataclass
class Page:
    data: dict[str, Any]
    records: int
    keys: list[str]


@dataclass
class Ctx:
    world: World
    now: int
    limits: Limits
    searches: SearchStore
    search_id_lag: float = 0.0  # seconds (wall time) a fresh search_id is refused
    wall: Callable[[], float] = time.monotonic
    random_seed: int = 0
    fields_raw: str | None = None


def is_gone(ctx: Ctx, v: Video) -> bool:
    """Deleted videos and videos of private accounts are dropped after paging (doc)."""
    return (v.deleted_time is not None and v.deleted_time <= ctx.now) or ctx.world.accounts[
        v.author_index
    ].is_private


def video_page(render: VideoRenderer, key: str, videos: Sequence[Video], **paging: Any) -> Page:
    """Rendered ``videos`` under ``key``, then the paging fields (cursor, has_more, …) in the order given."""
    return Page({key: [render(v) for v in videos], **paging}, len(videos), [str(v.id) for v in videos])
