"""TikTok Research API client: every endpoint as a call or a page iterator, over ``ResearchSession``.

Plain Python over ``transport.Transport``; no Dagster. Usable from a notebook::

    client = ResearchClient("sandbox-key", "sandbox-secret", "http://127.0.0.1:9400")
    for page in client.iter_videos({"and": [...]}, "20260101", "20260130"):
        ...

Where the rest lives: the token, quota and the daily-or-per-minute decision on a 429 in
``research_session.py``; the video search loop and its resume (``ResumeState``) in ``research_search.py``;
the query vocabulary in ``research_query.py``; endpoints and field lists in ``research_endpoints.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from tiktok_assets.clients.errors import (
    ApiError,
    Attempts,
    CursorStuckError,
    InvalidInputError,
    RetryableError,
    SearchIdNotReadyError,
    UserUnavailableError,
)
from tiktok_assets.clients.pages import Page, ResumeState, UserInfoResult, VideoPage
from tiktok_assets.clients.planner import MAX_WINDOW_DAYS, split_windows
from tiktok_assets.clients.research_endpoints import (
    API,
    COMMENT_FIELDS,
    ENDPOINTS,
    USER_FIELDS,
    VIDEO_FIELDS,
    Endpoint,
    endpoint_for,
    fields_param,
)
from tiktok_assets.clients.research_query import validate_query, validate_window
from tiktok_assets.clients.research_search import Restart, search_pages
from tiktok_assets.clients.research_session import ResearchSession


class ResearchClient(ResearchSession):
    """One client per (credentials, base URL); thread-compatible, not thread-safe (one per run)."""

    def __repr__(self) -> str:
        return f"ResearchClient(base_url={self.base_url!r}, client_key=***)"

    # -- videos ----------------------------------------------------------------------------------------------
    def iter_videos(
        self,
        query: Mapping[str, Any],
        start_date: date | str,
        end_date: date | str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        *,
        resume: ResumeState | None = None,
        resume_before_id: int | None = None,
        is_random: bool = False,
    ) -> Iterator[VideoPage]:
        """Pages of one search (≤31 days) to its end, newest first.

        Resume: pass the oldest stored video (``resume`` or ``resume_before_id``): the search is narrowed to
        ``[start_date, that video's day]`` and ids ≥ it are dropped (counted in ``Page.skipped``). A
        ``search_id`` that stays rejected mid-search is handled the same way from the oldest id seen so far.
        """
        q = validate_query(query, self.max_in)
        start, end = validate_window(start_date, end_date)
        if not 1 <= int(max_count) <= 100:
            raise InvalidInputError(f"max_count {max_count} not in 1..100", parameter="max_count")
        wanted = fields_param(fields, VIDEO_FIELDS, required=("id", "create_time"))
        if resume is None and resume_before_id is not None:
            resume = ResumeState(int(resume_before_id))
        restarts = 0
        unbooked = (
            0  # requests of abandoned searches' last calls: on the next page, or on the error that ends
        )
        while True:
            try:
                for page in search_pages(
                    self._post, q, start, end, wanted, int(max_count), resume, is_random,
                    exact_resume=self.exact_resume,
                ):  # fmt: skip
                    page.requests, unbooked = page.requests + unbooked, 0
                    yield page
                return
            except Restart as restart:
                unbooked += restart.spent
                if restart.id_bound_refused:
                    self.exact_resume = False  # the API refuses an id bound: day granularity from now on
                restarts += 1
                if restarts > self.max_restarts:
                    error = SearchIdNotReadyError(
                        f"search restarted {restarts - 1} times; search_id keeps being rejected",
                        api=API,
                        endpoint="video/query",
                    )
                    error.attempts = Attempts(requests=unbooked)
                    raise error from None
                resume = restart.state
            except ApiError as exc:
                exc.attempts = Attempts(requests=exc.attempts.requests + unbooked, units=exc.attempts.units)
                raise

    def iter_videos_range(
        self,
        query: Mapping[str, Any],
        start_date: date | str,
        end_date: date | str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        *,
        resume: ResumeState | None = None,
        max_days: int = MAX_WINDOW_DAYS,
    ) -> Iterator[VideoPage]:
        """Any range: ≤31-day windows newest first, so ids keep decreasing across windows and one
        ``ResumeState`` (the oldest stored video) resumes the whole range. Windows newer than it cost nothing."""
        for w in split_windows(start_date, end_date, max_days, newest_first=True):
            if resume is not None and w.start > resume.day:
                continue
            yield from self.iter_videos(query, w.start, w.end, fields, max_count, resume=resume)

    # -- users ---------------------------------------------------------------------------------------------
    def user_info(
        self, username: str, fields: Sequence[str] | None = None, *, missing_ok: bool = False
    ) -> UserInfoResult:
        """A profile. Unavailable accounts raise ``UserUnavailableError`` — or, with ``missing_ok``, come back
        as a result whose ``status`` says why (for recording in the lake)."""
        _require(username, "username")
        try:
            data, requests, repaired = self._post(
                ENDPOINTS["user/info"],
                {"username": username},
                fields_param(fields, USER_FIELDS),
                username=username,
            )
        except UserUnavailableError as exc:
            if not missing_ok:
                raise
            return UserInfoResult(username, exc.reason, {}, exc.attempts.requests or 1)  # retries included
        return UserInfoResult(username, "ok", data, requests, repaired)

    def _iter_cursor(
        self,
        ep: Endpoint,
        body: Mapping[str, Any],
        fields: str | None,
        *,
        username: str | None = None,
        max_count: int = 100,
        stop_at: int | None = None,
        cursor: Any = None,
    ) -> Iterator[Page]:
        """Follow ``cursor``/``has_more`` to the end (cursor kinds differ: index, timestamp; opaque here)."""
        while True:
            req = {**body, "max_count": max_count}
            if cursor is not None:
                req["cursor"] = cursor
            data, requests, repaired = self._post(ep, req, fields, username=username)
            records = data.get(ep.records_key) or []
            if not isinstance(records, list):
                raise RetryableError(f"{ep.records_key} is not a list", api=API, endpoint=ep.path)
            next_cursor = data.get("cursor")
            has_more = bool(data.get("has_more"))
            if stop_at is not None and next_cursor is not None and int(next_cursor) >= stop_at:
                has_more = False  # the API serves the first `stop_at` only; asking further fails
            yield Page(records, next_cursor, has_more, requests=requests, repaired=repaired)
            if not has_more:
                return
            if next_cursor is None or next_cursor == cursor:
                raise CursorStuckError(
                    f"has_more with cursor {next_cursor!r} after {cursor!r}", api=API, endpoint=ep.path
                )
            cursor = next_cursor

    def iter_comments(
        self,
        video_id: int,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        _require(video_id, "video_id")
        return self._comment_pages({"video_id": int(video_id)}, fields, max_count, cursor)

    def iter_replies(
        self,
        comment_id: int,
        video_id: int | None = None,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        _require(comment_id, "comment_id")
        body: dict[str, Any] = {"comment_id": int(comment_id)}
        if video_id is not None:
            body["video_id"] = int(video_id)
        return self._comment_pages(body, fields, max_count, cursor)

    def _comment_pages(
        self, body: Mapping[str, Any], fields: Sequence[str] | None, max_count: int, cursor: int | None
    ) -> Iterator[Page]:
        """Comments and replies share one endpoint, its fields and its reachable limit."""
        return self._iter_cursor(
            ENDPOINTS["video/comment/list"],
            body,
            fields_param(fields, COMMENT_FIELDS, ("id",)),
            max_count=max_count,
            stop_at=self.comments_reachable,
            cursor=cursor,
        )

    def _user_pages(
        self, path: str, username: str, fields: Sequence[str] | None, max_count: int, cursor: Any = None
    ) -> Iterator[Page]:
        _require(username, "username")
        ep = ENDPOINTS[path]
        return self._iter_cursor(
            ep,
            {"username": username},
            fields_param(fields, ep.fields, ("id",)) if ep.fields else None,
            username=username,
            max_count=max_count,
            cursor=cursor,
        )

    def iter_followers(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]:
        return self._user_pages("user/followers", username, None, max_count, cursor)

    def iter_following(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]:
        return self._user_pages("user/following", username, None, max_count, cursor)

    def iter_liked(
        self,
        username: str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        return self._user_pages("user/liked_videos", username, fields, max_count, cursor)

    def iter_reposted(
        self,
        username: str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        return self._user_pages("user/reposted_videos", username, fields, max_count, cursor)

    def pinned(self, username: str, fields: Sequence[str] | None = None) -> Page:
        _require(username, "username")
        ep = ENDPOINTS["user/pinned_videos"]
        data, requests, repaired = self._post(
            ep, {"username": username}, fields_param(fields, VIDEO_FIELDS, ("id",)), username=username
        )
        return Page(list(data.get(ep.records_key) or []), None, False, requests=requests, repaired=repaired)

    # -- playlists --------------------------------------------------------------------------------------------
    def iter_playlist(self, playlist_id: int, max_count: int = 100) -> Iterator[Page]:
        """Pages of one playlist; each page's record holds the playlist fields and that page's video ids."""
        _require(playlist_id, "playlist_id")
        ep = ENDPOINTS["playlist/info"]
        cursor: Any = None
        while True:
            body: dict[str, Any] = {"playlist_id": int(playlist_id), "max_count": max_count}
            if cursor is not None:
                body["cursor"] = cursor
            data, requests, repaired = self._post(ep, body)
            has_more = bool(data.get("has_more"))
            next_cursor = data.get("cursor")
            record = {k: v for k, v in data.items() if k not in ("cursor", "has_more")}
            yield Page([record], next_cursor, has_more, requests=requests, repaired=repaired)
            if not has_more:
                return
            if next_cursor is None or next_cursor == cursor:
                raise CursorStuckError("playlist has_more without a new cursor", api=API, endpoint=ep.path)
            cursor = next_cursor

    # -- generic (fetch CLI) -------------------------------------------------------------------------------------
    def iter_endpoint(
        self,
        path: str,
        params: Mapping[str, Any],
        fields: Sequence[str] | None = None,
        resume: ResumeState | None = None,
        cursor: Any = None,
    ) -> Iterator[Page]:
        """Any endpoint by its API path (``video/query``, ``user/followers``, …) with its body params."""
        ep = endpoint_for(path)
        p = dict(params)
        if ep.path == "video/query":
            missing = [k for k in ("query", "start_date", "end_date") if k not in p]
            if missing:
                raise InvalidInputError(f"video/query needs {missing}", parameter=missing[0])
            yield from self.iter_videos_range(
                p["query"],
                p["start_date"],
                p["end_date"],
                fields,
                int(p.get("max_count", 100)),
                resume=resume,
            )
        elif ep.path == "user/info":
            info = self.user_info(str(p.get("username", "")), fields, missing_ok=True)
            yield Page([info.as_record()], requests=info.requests, repaired=info.repaired)
        elif ep.path == "user/pinned_videos":
            yield self.pinned(str(p.get("username", "")), fields)
        elif ep.path == "playlist/info":
            yield from self.iter_playlist(int(p.get("playlist_id", 0)), int(p.get("max_count", 100)))
        elif ep.path == "video/comment/list":
            if "comment_id" in p:
                yield from self.iter_replies(
                    int(p["comment_id"]), p.get("video_id"), fields, int(p.get("max_count", 100)), cursor
                )
            else:
                yield from self.iter_comments(
                    int(p.get("video_id", 0)), fields, int(p.get("max_count", 100)), cursor
                )
        else:
            yield from self._user_pages(
                ep.path, str(p.get("username", "")), fields, int(p.get("max_count", 100)), cursor
            )


def _require(value: Any, name: str) -> None:
    if value is None or value == "" or value == 0:
        raise InvalidInputError(f"{name} is required", parameter=name)
