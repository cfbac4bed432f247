"""The Research API's video search loop: one search followed page by page, and how it resumes.

A search is the same ``video/query`` body sent again with the ``search_id`` and ``cursor`` of the page before
(``search_pages``). Results come newest first and ids grow with time, so an interrupted search is the same
query narrowed to ``[start_date, day of the oldest stored video]`` plus ``video_id LT <oldest id>`` (exact:
nothing is fetched twice). If the API refuses the id bound (its operations per field are open), the client
drops it for good and relies on the day bound alone: that day's newer videos come back once more and are
dropped (``Page.skipped``); measured in benchmarks/clients_resume.py (≤1 extra request per resume). An old
``search_id`` is never reused: when one stays rejected mid-search, ``Restart`` asks the client to start over
from the oldest video seen so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from tiktok_assets.clients.errors import (
    CursorStuckError,
    InvalidInputError,
    RetryableError,
    SearchIdNotReadyError,
)
from tiktok_assets.clients.pages import Page, ResumeState, VideoPage
from tiktok_assets.clients.research_endpoints import API, ENDPOINTS, Endpoint
from tiktok_assets.clients.research_session import Reply

# One endpoint call: (endpoint, body, ?fields=) → its ``Reply`` (data, requests, repaired). ``ResearchSession._post``.
Post = Callable[[Endpoint, Mapping[str, Any], str | None], Reply]


class Restart(Exception):  # noqa: N818 — control flow, never escapes the client
    """Start the search over from ``state`` (None: from the start), without a ``search_id``. ``id_bound_refused``: the API refused
    the ``video_id LT`` bound, so the client resumes by day from now on."""

    def __init__(self, state: ResumeState | None, *, spent: int, id_bound_refused: bool = False) -> None:
        self.state = state
        self.spent = spent  # requests the abandoned search's last call cost (its retries included)
        self.id_bound_refused = id_bound_refused


def search_pages(
    post: Post,
    q: dict[str, Any],
    start: date,
    end: date,
    fields: str | None,
    max_count: int,
    resume: ResumeState | None,
    is_random: bool,
    *,
    exact_resume: bool,
) -> Iterator[VideoPage]:
    """Pages of one validated search, newest first, narrowed by ``resume``; raises ``Restart`` to resume."""
    ep = ENDPOINTS["video/query"]
    query = q
    if resume is not None:
        end = min(end, resume.day)
        if end < start:
            return  # everything in this window is already stored
        if exact_resume:
            bound = {"operation": "LT", "field_name": "video_id", "field_values": [str(resume.oldest_id)]}
            query = {**q, "and": [*q.get("and", []), bound]}
    base = {
        "query": query,
        "start_date": start.strftime("%Y%m%d"),
        "end_date": end.strftime("%Y%m%d"),
        "max_count": max_count,
    }
    if is_random:
        base["is_random"] = True
    cursor: int | None = None
    search_id: str | None = None
    oldest = resume
    while True:
        body = dict(base)
        if search_id is not None:
            body.update(cursor=cursor, search_id=search_id)
        try:
            data, requests, repaired = post(ep, body, fields)
        except InvalidInputError as exc:
            if resume is not None and query is not q and search_id is None and "video_id" in str(exc):
                # day granularity from now on
                raise Restart(resume, spent=exc.attempts.requests, id_bound_refused=True) from None
            raise
        except SearchIdNotReadyError as exc:
            if search_id is None:
                raise
            # The search expired: resume it without a search_id, below the oldest video kept so far (from the
            # start when its pages held none yet: nothing is stored twice either way).
            raise Restart(oldest, spent=exc.attempts.requests) from None
        videos = data.get("videos") or []
        if not isinstance(videos, list):
            raise RetryableError("videos is not a list", api=API, endpoint=ep.path)
        kept = (
            videos
            if resume is None
            else [v for v in videos if int(v.get("id", v.get("video_id", 0))) < resume.oldest_id]
        )
        has_more = bool(data.get("has_more")) and not is_random
        next_cursor = data.get("cursor")
        page = Page(
            kept,
            next_cursor,
            has_more,
            str(data.get("search_id") or search_id or "") or None,
            requests,
            skipped=len(videos) - len(kept),
            repaired=repaired,
        )
        oldest = ResumeState.from_records(kept, oldest)
        yield page
        if not has_more:
            return
        if next_cursor is None or (cursor is not None and int(next_cursor) <= int(cursor)):
            raise CursorStuckError(
                f"has_more with cursor {next_cursor!r} after {cursor!r}", api=API, endpoint=ep.path
            )
        cursor, search_id = int(next_cursor), page.search_id
