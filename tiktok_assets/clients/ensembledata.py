"""EnsembleData (TikTok endpoints) client: one method per endpoint, cursor/depth/page_token iteration, units.

The API token is a query parameter; it is added below httpx's logging (``redaction.InjectParams``), so it
never appears in a logged URL, a ``Request`` repr or an error. Units come from the ``units_charged`` header
and go to ``Page.units`` and the ledger (bucket ``units``, budget in units per UTC day; the price of the next
call is estimated from the last one seen for that path, and corrected when it is settled). The endpoint table
and the reading of a response are in ``ensembledata_endpoints.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx

from tiktok_assets.clients.ensembledata_endpoints import (
    API,
    BUCKET,
    MULTI_INFO_MAX,
    EdEndpoint,
    _page_parts,
    classify,
    endpoint_for,
    flag_pinned,
    trim_older,
    units_charged,
)
from tiktok_assets.clients.errors import ApiError, Attempts, CursorStuckError, InvalidInputError
from tiktok_assets.clients.pages import Page
from tiktok_assets.clients.quota import Budget, QuotaLedger, Reservation
from tiktok_assets.clients.redaction import Secret
from tiktok_assets.clients.transport import RetryPolicy, Transport, TransportClient


class EnsembleDataClient(TransportClient):
    def __init__(
        self,
        token: str,
        base_url: str = "https://ensembledata.com/apis",
        ledger: QuotaLedger | None = None,
        daily_units: int | None = None,
        *,
        http_timeout: float = 120.0,
        long_timeout: float = 600.0,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._token = Secret(token)
        self.base_url = base_url.rstrip("/")
        self.ledger = ledger
        self.budget = Budget(units=daily_units) if daily_units is not None else None
        self.long_timeout = long_timeout
        self.clock = clock
        self.transport = Transport(
            API,
            self.base_url,
            timeout=http_timeout,
            policy=policy,
            secret_params={"token": self._token},
            headers={"user-agent": "tiktok-assets (ensembledata-compatible)"},
            http_transport=http_transport,
        )
        self._price: dict[str, int] = {}  # last units_charged per path (per unit of depth for user posts)
        self.units_spent = 0

    def __repr__(self) -> str:
        return f"EnsembleDataClient(base_url={self.base_url!r}, token=***)"

    # -- one call ---------------------------------------------------------------------------------------------
    def _estimate(self, ep: EdEndpoint, params: Mapping[str, Any]) -> int:
        per = self._price.get(ep.path, 1)
        return per * int(params.get("depth", 1)) if "depth" in params else per

    def call(self, path: str, params: Mapping[str, Any]) -> Page:
        """One request; ``Page.records`` from whichever envelope variant the endpoint uses."""
        ep = endpoint_for(path)
        clean = {k: _param_str(v) for k, v in params.items() if v is not None}
        missing = [k for k in ep.required if not clean.get(k)]
        if ep.path in ("tt/user/followers", "tt/user/followings") and not (
            clean.get("id") or clean.get("secUid")
        ):
            missing.append("secUid")
        if missing:
            raise InvalidInputError(
                f"{ep.path} needs {missing}", parameter=missing[0], api=API, endpoint=ep.path
            )
        if ep.path == "tt/post/multi-info":
            n = len([i for i in clean["ids"].split(";") if i])
            if n > MULTI_INFO_MAX:
                raise InvalidInputError(
                    f"{n} post ids; at most {MULTI_INFO_MAX} per call",
                    parameter="ids",
                    api=API,
                    endpoint=ep.path,
                )
        reservations: list[Reservation] = []
        estimate = self._estimate(ep, clean)

        def before() -> None:
            if self.ledger is not None:
                day = datetime.fromtimestamp(self.clock(), UTC)
                reservations.append(
                    self.ledger.reserve(API, BUCKET, units=estimate, budget=self.budget, day=day)
                )

        def classify_(response: httpx.Response) -> dict[str, Any]:
            return classify(
                response,
                endpoint=ep.path,
                params=clean,
                user_param=ep.user_param,
                now=datetime.fromtimestamp(self.clock(), UTC),
            )

        units_seen: list[int] = []  # one entry per attempt sent: its units_charged (0 without a response)

        def after(response: httpx.Response | None) -> None:
            units = units_charged(response)
            units_seen.append(units)
            if self.ledger is not None and reservations:
                if response is not None and response.status_code == 429:
                    self.ledger.release(reservations.pop())  # refused: nothing charged
                elif response is None:
                    # No answer (a read time-out, a reset): the server may have charged without telling us,
                    # so the budget books the estimate rather than 0 (over, never under, the real spend).
                    self.ledger.settle(reservations[-1], units=estimate)
                else:
                    self.ledger.settle(reservations[-1], units=units)
                reservations.clear()

        try:
            sent = self.transport.send(
                "GET",
                ep.path,
                classify_,
                params=clean,
                before_attempt=before,
                after_attempt=after,
                timeout=self.long_timeout if ep.long else None,
            )
        except ApiError as exc:
            # A call that ends in an error still cost its attempts (retried 500s are charged): the caller books them.
            exc.attempts = Attempts(requests=len(units_seen), units=sum(units_seen))
            self.units_spent += sum(units_seen)
            raise
        units = sum(units_seen)
        self.units_spent += units
        if units_seen and units_seen[-1]:
            self._price[ep.path] = max(1, units_seen[-1] // max(1, int(clean.get("depth", 1))))
        records, extras = _page_parts(sent.value, ep)
        if self.ledger is not None:
            self.ledger.charge(
                API, BUCKET, requests=0, records=len(records), day=datetime.fromtimestamp(self.clock(), UTC)
            )
        return Page(
            records, extras.get("nextCursor"), False, requests=sent.attempts, units=units, meta=extras
        )

    def next_params(self, path: str, params: Mapping[str, Any], page: Page) -> dict[str, Any] | None:
        """The parameters of the call that follows ``page`` (its cursor sent back, and the followings' page
        token), or None when ``page`` was the last. A caller that stores this can resume the walk later."""
        ep = endpoint_for(path)
        following, token = page.cursor, page.meta.get("nextPageToken")
        if ep.cursor_param is None or following is None:
            return None
        if ep.path == "tt/user/followings" and token is None:
            return None  # the end of followings: either key missing (doc)
        nxt = {**params, ep.cursor_param: following}
        if token is not None:
            nxt["page_token"] = token
        return nxt

    def iter_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """Follow the endpoint's cursor to the end (one call for unpaged endpoints)."""
        p: dict[str, Any] | None = dict(params)
        seen: set[Any] = set()
        while p is not None:
            page = self.call(path, p)
            following = self.next_params(path, p, page)
            page.has_more = following is not None
            state = (page.cursor, page.meta.get("nextPageToken"))  # before a caller may change the page
            yield page
            if following is not None:
                if state in seen:
                    raise CursorStuckError(
                        f"cursor {state[0]!r} repeated", api=API, endpoint=endpoint_for(path).path
                    )
                seen.add(state)
            p = following

    # -- named endpoints ----------------------------------------------------------------------------------------
    def iter_hashtag_posts(self, name: str, cursor: int | None = None) -> Iterator[Page]:
        return self.iter_pages("tt/hashtag/posts", {"name": name, "cursor": cursor})

    def hashtag_recent_posts(self, name: str, days: int, max_cursor: int | None = None) -> Page:
        return self.call("tt/hashtag/recent-posts", {"name": name, "days": days, "max_cursor": max_cursor})

    def iter_keyword_search(
        self,
        name: str,
        period: int,
        *,
        sorting: int | None = None,
        country: str | None = None,
        match_exactly: bool | None = None,
        get_author_stats: bool | None = None,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        return self.iter_pages(
            "tt/keyword/search",
            {
                "name": name,
                "period": period,
                "sorting": sorting,
                "country": country,
                "match_exactly": match_exactly,
                "get_author_stats": get_author_stats,
                "cursor": cursor,
            },
        )

    def keyword_full_search(
        self,
        name: str,
        period: int,
        *,
        sorting: int | None = None,
        country: str | None = None,
        match_exactly: bool | None = None,
    ) -> Page:
        return self.call(
            "tt/keyword/full-search",
            {
                "name": name,
                "period": period,
                "sorting": sorting,
                "country": country,
                "match_exactly": match_exactly,
            },
        )

    def iter_user_posts(
        self,
        username: str | None = None,
        depth: int = 1,
        *,
        sec_uid: str | None = None,
        oldest_createtime: int | None = None,
        trim: bool = True,
        start_cursor: int | None = None,
    ) -> Iterator[Page]:
        """Posts to the end (or to ``oldest_createtime``), ``depth`` chunks of 10 per call. Pinned posts come
        first with ``is_pinned``; with ``trim`` the overshoot older than ``oldest_createtime`` is dropped
        (counted in ``Page.skipped``)."""
        if depth < 1:
            raise InvalidInputError("depth must be ≥ 1", parameter="depth")
        path, who = (
            ("tt/user/posts-from-secuid", {"secUid": sec_uid})
            if sec_uid
            else ("tt/user/posts", {"username": username})
        )
        for page in self.iter_pages(
            path,
            {**who, "depth": depth, "oldest_createtime": oldest_createtime, "start_cursor": start_cursor},
        ):
            flag_pinned(page.records)
            if trim and oldest_createtime is not None:
                page.records, page.skipped = trim_older(page.records, int(oldest_createtime))
            yield page

    def user_posts(
        self,
        username: str | None = None,
        depth: int = 1,
        oldest_createtime: int | None = None,
        trim: bool = True,
        *,
        sec_uid: str | None = None,
    ) -> list[dict[str, Any]]:
        """All posts as one list (see ``iter_user_posts``)."""
        return [
            r
            for page in self.iter_user_posts(
                username, depth, sec_uid=sec_uid, oldest_createtime=oldest_createtime, trim=trim
            )
            for r in page.records
        ]

    def user_info(self, username: str) -> dict[str, Any]:
        return _one(self.call("tt/user/info", {"username": username}))

    def user_info_from_secuid(self, sec_uid: str, alternative_method: bool | None = None) -> dict[str, Any]:
        return _one(
            self.call(
                "tt/user/info-from-secuid", {"secUid": sec_uid, "alternative_method": alternative_method}
            )
        )

    def iter_user_search(self, keyword: str, cursor: int | None = None) -> Iterator[Page]:
        return self.iter_pages("tt/user/search", {"keyword": keyword, "cursor": cursor})

    def iter_liked_posts(self, sec_uid: str, cursor: int | None = None) -> Iterator[Page]:
        return self.iter_pages("tt/user/liked-posts", {"secUid": sec_uid, "cursor": cursor})

    def iter_followers(
        self, user_id: int | str | None = None, sec_uid: str | None = None, cursor: int | None = None
    ) -> Iterator[Page]:
        return self.iter_pages("tt/user/followers", {"id": user_id, "secUid": sec_uid, "cursor": cursor})

    def iter_followings(
        self,
        user_id: int | str | None = None,
        sec_uid: str | None = None,
        cursor: int | None = None,
        page_token: str | None = None,
    ) -> Iterator[Page]:
        return self.iter_pages(
            "tt/user/followings",
            {"id": user_id, "secUid": sec_uid, "cursor": cursor, "page_token": page_token},
        )

    def post_info(self, url: str) -> list[dict[str, Any]]:
        return self.call("tt/post/info", {"url": url}).records

    def multi_post_info(self, ids: Sequence[int | str]) -> list[dict[str, Any]]:
        return self.call("tt/post/multi-info", {"ids": ";".join(str(i) for i in ids)}).records

    def iter_post_comments(self, aweme_id: int | str, cursor: int | None = None) -> Iterator[Page]:
        return self.iter_pages("tt/post/comments", {"aweme_id": aweme_id, "cursor": cursor})

    def iter_comment_replies(
        self, aweme_id: int | str, comment_id: int | str, cursor: int | None = None
    ) -> Iterator[Page]:
        return self.iter_pages(
            "tt/post/comments-replies", {"aweme_id": aweme_id, "comment_id": comment_id, "cursor": cursor}
        )

    def iter_music_search(
        self,
        name: str,
        *,
        sorting: int | None = None,
        filter_by: int | None = None,
        cursor: int | None = None,
    ) -> Iterator[Page]:
        return self.iter_pages(
            "tt/music/info", {"name": name, "sorting": sorting, "filter_by": filter_by, "cursor": cursor}
        )

    def iter_music_posts(self, music_id: int | str, cursor: int | None = None) -> Iterator[Page]:
        return self.iter_pages("tt/music/posts", {"music_id": music_id, "cursor": cursor})

    def music_details(self, music_id: int | str) -> dict[str, Any]:
        return _one(self.call("tt/music/details", {"id": music_id}))

    def used_units(self, day: date | str) -> Any:
        return self.call("customer/get-used-units", {"date": str(day)}).records

    def usage_history(self, days: int) -> list[dict[str, Any]]:
        return self.call("customer/get-history", {"days": days}).records


def _param_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def _one(page: Page) -> dict[str, Any]:
    return page.records[0] if page.records else {}
