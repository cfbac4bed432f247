"""TikTok Research API client: token lifecycle, every endpoint, page iterators, quota, resume.

Plain Python over ``transport.Transport``; no Dagster. Usable from a notebook::

    client = ResearchClient("sandbox-key", "sandbox-secret", "http://127.0.0.1:9400")
    for page in client.iter_videos({"and": [...]}, "20260101", "20260130"):
        ...

Quota: every data request is reserved in the ledger (bucket ``video`` for video/query and the comment list,
``follow`` for followers/following, ``other`` for the rest) before it is sent, so a configured daily budget
is never overrun; a 429 is given back (the server refused it before counting it).

Per-minute 429 or daily quota? Both arrive as 429 ``rate_limit_exceeded`` (field). Decided in this order:
1. the message says "daily"/"quota" → daily (the live wording is undocumented; the sandbox says so);
2. the ledger's count for the day, with this request, reaches the daily budget → daily;
3. otherwise per-minute: wait (``Retry-After``, else ``rate_limit_wait`` × n) up to
   ``RetryPolicy.rate_limit_attempts`` times; still refused → daily (another user of the same research
   project may have spent it: quotas are per project).
Daily ends as ``QuotaExhaustedError`` with ``resets_at`` = the next 00:00 UTC by the client's ``clock``
(injectable; a real server's clock agrees within seconds, and the sandbox's ``Date`` header is wall time,
not its controllable clock).

Resume (``ResumeState``): results come newest first and ids grow with time, so an interrupted search is the
same query narrowed to ``[start_date, day of the oldest stored video]`` plus ``video_id LT <oldest id>``
(exact: nothing is fetched twice). If the API refuses the id bound (its operations per field are open), the
client drops it for good and relies on the day bound alone: that day's newer videos come back once more and
are dropped (``Page.skipped``); measured in benchmarks/clients_resume.py (≤1 extra request per resume).
An old ``search_id`` is never reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from tiktok_assets.clients import research_errors
from tiktok_assets.clients.errors import (
    AuthError,
    CursorStuckError,
    InvalidInputError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
    SearchIdNotReadyError,
    Secret,
    UserUnavailableError,
    next_utc_midnight,
    register_secret,
)
from tiktok_assets.clients.pages import Page, ResumeState, UserInfoResult, VideoPage
from tiktok_assets.clients.planner import MAX_WINDOW_DAYS, as_date, split_windows
from tiktok_assets.clients.quota import Budget, QuotaLedger, Reservation
from tiktok_assets.clients.transport import (
    RetryPolicy,
    Transport,
    TransportClient,
    lookup_endpoint,
    parse_json,
)

API = "research"
VIDEO_FIELDS = (
    "id",
    "video_description",
    "create_time",
    "region_code",
    "share_count",
    "view_count",
    "like_count",
    "comment_count",
    "music_id",
    "hashtag_names",
    "username",
    "effect_ids",
    "playlist_id",
    "voice_to_text",
    "is_stem_verified",
    "favorites_count",
    "video_duration",
    "hashtag_info_list",
    "sticker_info_list",
    "effect_info_list",
    "video_mention_list",
    "video_label",
    "video_tag",
)
USER_FIELDS = (
    "display_name",
    "bio_description",
    "avatar_url",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
    "bio_url",
)
COMMENT_FIELDS = ("id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time")
OPERATIONS = ("EQ", "IN", "GT", "GTE", "LT", "LTE")
QUERY_FIELDS = (
    "create_date",
    "username",
    "region_code",
    "video_id",
    "hashtag_name",
    "keyword",
    "music_id",
    "effect_id",
    "video_length",
    "view_count",
    "comment_count",
)

# Daily limits (doc): video/query + comment list share "video"; followers/following share "follow". The doc
# names no quota for user info, liked/pinned/reposted and playlists: bucket "other", counted, no budget.
DEFAULT_BUDGETS: dict[str, Budget] = {
    "video": Budget(requests=1_000, records=100_000),
    "follow": Budget(requests=20_000, records=2_000_000),
}


@dataclass(frozen=True)
class Endpoint:
    path: str  # below /v2/research/, no slashes at the ends
    records_key: str
    bucket: str
    fields: tuple[str, ...] = ()  # allowed ?fields= (empty: none)
    paged: bool = True


ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for e in (
        Endpoint("video/query", "videos", "video", VIDEO_FIELDS),
        Endpoint("user/info", "", "other", USER_FIELDS, paged=False),
        Endpoint("video/comment/list", "comments", "video", COMMENT_FIELDS),
        Endpoint("user/liked_videos", "user_liked_videos", "other", VIDEO_FIELDS),
        Endpoint("user/pinned_videos", "pinned_videos_list", "other", VIDEO_FIELDS, paged=False),
        Endpoint("user/reposted_videos", "reposted_videos", "other", VIDEO_FIELDS),
        Endpoint("user/followers", "user_followers", "follow"),
        Endpoint("user/following", "user_following", "follow"),
        Endpoint("playlist/info", "", "other", ("playlist_id",)),
    )
}


def endpoint_for(path: str) -> Endpoint:
    return lookup_endpoint(ENDPOINTS, path, "v2/research/", "Research API")


def validate_query(query: Any, max_in: int = 100) -> dict[str, Any]:
    """The query with values as strings, or ``InvalidInputError`` naming the bad part (sent nowhere)."""
    if not isinstance(query, Mapping):
        raise InvalidInputError("query must be an object with and/or/not lists", parameter="query")
    unknown = set(query) - {"and", "or", "not"}
    if unknown:
        raise InvalidInputError(f"query has unknown keys {sorted(unknown)}", parameter="query")
    out: dict[str, Any] = {}
    for part in ("and", "or", "not"):
        conds = query.get(part) or []
        if not isinstance(conds, list):
            raise InvalidInputError(f"query.{part} must be a list", parameter=f"query.{part}")
        clean = []
        for i, c in enumerate(conds):
            where = f"query.{part}[{i}]"
            if not isinstance(c, Mapping):
                raise InvalidInputError(f"{where} must be an object", parameter=where)
            op, name, values = c.get("operation"), c.get("field_name"), c.get("field_values")
            if op not in OPERATIONS:
                raise InvalidInputError(
                    f"{where}.operation {op!r} not in {OPERATIONS}", parameter=f"{where}.operation"
                )
            if name not in QUERY_FIELDS:
                raise InvalidInputError(
                    f"{where}.field_name {name!r} not in {QUERY_FIELDS}", parameter=f"{where}.field_name"
                )
            if isinstance(values, str | int) or not values:
                raise InvalidInputError(
                    f"{where}.field_values must be a non-empty list", parameter=f"{where}.field_values"
                )
            if len(values) > max_in:
                raise InvalidInputError(
                    f"{where}.field_values has {len(values)} values; at most {max_in} per "
                    "condition (pack them with planner.pack_in_conditions)",
                    parameter=f"{where}.field_values",
                )
            clean.append({"operation": op, "field_name": name, "field_values": [str(v) for v in values]})
        if clean or part in query:
            out[part] = clean
    if not any(out.get(p) for p in ("and", "or", "not")):
        raise InvalidInputError("query needs at least one condition in and/or/not", parameter="query")
    return out


def validate_window(start_date: Any, end_date: Any) -> tuple[date, date]:
    s, e = as_date(start_date, "start_date"), as_date(end_date, "end_date")
    if e < s:
        raise InvalidInputError(f"end_date {e:%Y%m%d} is before start_date {s:%Y%m%d}", parameter="end_date")
    if (e - s).days > MAX_WINDOW_DAYS:
        raise InvalidInputError(
            f"end_date {e:%Y%m%d} is {(e - s).days} days after start_date {s:%Y%m%d}; the API "
            f"allows {MAX_WINDOW_DAYS} (use iter_videos_range to split)",
            parameter="end_date",
        )
    return s, e


def _fields_param(
    fields: Sequence[str] | None, allowed: Sequence[str], required: Sequence[str] = ()
) -> str | None:
    if fields is None:
        return ",".join(allowed) if allowed else None
    bad = [f for f in fields if f not in allowed]
    if bad:
        raise InvalidInputError(f"unknown field(s) {bad}; allowed: {', '.join(allowed)}", parameter="fields")
    return ",".join(dict.fromkeys([*required, *fields]))


class ResearchClient(TransportClient):
    """One client per (credentials, base URL); thread-compatible, not thread-safe (one per run)."""

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        base_url: str = "https://open.tiktokapis.com",
        ledger: QuotaLedger | None = None,
        budget: Mapping[str, Budget] | int | None = None,
        http_timeout: float = 120.0,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        max_in: int = 100,
        comments_reachable: int = 1_000,
        exact_resume: bool = True,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key = Secret(client_key)
        self._secret = Secret(client_secret)
        self.base_url = base_url.rstrip("/")
        self.ledger = ledger
        # An int is the video bucket's daily requests (the one budget most callers care about).
        if isinstance(budget, int):
            budget = {
                **DEFAULT_BUDGETS,
                "video": Budget(requests=budget, records=DEFAULT_BUDGETS["video"].records),
            }
        self.budgets = dict(DEFAULT_BUDGETS if budget is None else budget)
        self.clock = clock
        self.max_in = max_in
        self.comments_reachable = comments_reachable
        # Resume with an extra `video_id LT <oldest>` condition (exact: no page refetched). The operation is
        # open for video_id in the reference; on rejection the client falls back to day granularity.
        self.exact_resume = exact_resume
        self.max_restarts = 5
        self.transport = Transport(
            API, self.base_url, timeout=http_timeout, policy=policy, http_transport=http_transport
        )
        self._token: Secret | None = None
        self._token_expires = 0.0
        self.token_fetches = 0

    def __repr__(self) -> str:
        return f"ResearchClient(base_url={self.base_url!r}, client_key=***)"

    # -- token -----------------------------------------------------------------------------------------------
    def _fetch_token(self) -> None:
        def classify(response: httpx.Response) -> dict[str, Any]:
            if response.status_code >= 500:
                raise RetryableError(
                    f"token endpoint HTTP {response.status_code}",
                    api=API,
                    endpoint="oauth/token",
                    status=response.status_code,
                )
            payload = parse_json(response, api=API, endpoint="oauth/token")
            if isinstance(payload, dict) and payload.get("access_token"):
                return payload
            err = payload.get("error") if isinstance(payload, dict) else None
            if isinstance(err, dict):  # a research envelope on the token endpoint
                err = err.get("code")
            desc = payload.get("error_description", "") if isinstance(payload, dict) else ""
            raise AuthError(
                f"token request refused ({err}): {desc} — check TIKTOK_CLIENT_KEY / "
                "TIKTOK_CLIENT_SECRET (client_key, client_secret)",
                api=API,
                endpoint="oauth/token",
                status=response.status_code,
                code=str(err),
            )

        sent = self.transport.send(
            "POST",
            "v2/oauth/token/",
            classify,
            data={
                "client_key": self._key.get(),
                "client_secret": self._secret.get(),
                "grant_type": "client_credentials",
            },
            headers={"content-type": "application/x-www-form-urlencoded", "cache-control": "no-cache"},
        )
        self.token_fetches += 1
        token = str(sent.value["access_token"])
        register_secret(token)
        self._token = Secret(token)
        # Refresh 5 minutes early so a long page iteration never sends a token about to expire.
        self._token_expires = self.clock() + max(60.0, float(sent.value.get("expires_in", 7200)) - 300)

    def _auth_headers(self, force: bool = False) -> dict[str, str]:
        if force or self._token is None or self.clock() >= self._token_expires:
            self._fetch_token()
        assert self._token is not None
        return {"authorization": f"Bearer {self._token.get()}"}

    # -- one request -----------------------------------------------------------------------------------------
    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def _post(
        self, ep: Endpoint, body: Mapping[str, Any], fields: str | None = None, username: str | None = None
    ) -> tuple[dict[str, Any], int]:
        """``data`` of one endpoint call and the requests it cost."""
        path = f"v2/research/{ep.path}/"
        budget = self.budgets.get(ep.bucket)
        reservations: list[Reservation] = []

        def before() -> None:
            if self.ledger is not None:
                reservations.append(self.ledger.reserve(API, ep.bucket, budget=budget, day=self._today()))

        def after(response: httpx.Response | None) -> None:
            if (
                self.ledger is not None
                and reservations
                and response is not None
                and response.status_code == 429
            ):
                self.ledger.release(reservations.pop())  # refused before it was counted

        def on_rate_limit(err: RateLimitedError, count: int) -> None:
            now = datetime.fromtimestamp(self.clock(), UTC)  # our clock: see the module docstring
            # A message that says "daily"/"quota" settles it (the live API's wording is not documented).
            reason = "the message says so" if any(w in str(err).lower() for w in ("daily", "quota")) else ""
            # The refused request was given back to the ledger; had it counted, would the day be spent?
            if (
                not reason
                and self.ledger is not None
                and budget is not None
                and budget.requests is not None
                and self.ledger.used(API, ep.bucket, now).requests + 1 >= budget.requests
            ):
                reason = "the ledger's count for the day reaches the budget"
            if not reason and count > self.transport.policy.rate_limit_attempts:
                reason = f"still refused after {count - 1} per-minute waits"
            if reason:
                raise QuotaExhaustedError(
                    f"daily quota of bucket {ep.bucket!r} exhausted (429 rate_limit_exceeded; {reason})",
                    resets_at=next_utc_midnight(now),
                    bucket=ep.bucket,
                    api=API,
                    endpoint=ep.path,
                    status=429,
                    code="rate_limit_exceeded",
                )

        def classify(response: httpx.Response) -> dict[str, Any]:
            return research_errors.classify(response, endpoint=ep.path, body=body, username=username)

        sent = self.transport.send(
            "POST",
            path,
            classify,
            params={"fields": fields} if fields else None,
            json_body=dict(body),
            headers=self._auth_headers(),
            before_attempt=before,
            after_attempt=after,
            on_rate_limit=on_rate_limit,
            refresh=lambda: self._auth_headers(force=True),
        )
        if self.ledger is not None and reservations:
            records = sent.value.get(ep.records_key) if ep.records_key else None
            self.ledger.settle(reservations[-1], records=len(records) if isinstance(records, list) else 1)
        return sent.value, sent.attempts

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
        """Pages of one search (≤30 days) to its end, newest first.

        Resume: pass the oldest stored video (``resume`` or ``resume_before_id``): the search is narrowed to
        ``[start_date, that video's day]`` and ids ≥ it are dropped (counted in ``Page.skipped``). A
        ``search_id`` that stays rejected mid-search is handled the same way from the oldest id seen so far.
        """
        q = validate_query(query, self.max_in)
        start, end = validate_window(start_date, end_date)
        if not 1 <= int(max_count) <= 100:
            raise InvalidInputError(f"max_count {max_count} not in 1..100", parameter="max_count")
        fields_param = _fields_param(fields, VIDEO_FIELDS, required=("id", "create_time"))
        if resume is None and resume_before_id is not None:
            resume = ResumeState(int(resume_before_id))
        restarts = 0
        while True:
            try:
                yield from self._search(q, start, end, fields_param, int(max_count), resume, is_random)
                return
            except _Restart as restart:
                restarts += 1
                if restarts > self.max_restarts:
                    raise SearchIdNotReadyError(
                        f"search restarted {restarts - 1} times; search_id keeps being rejected",
                        api=API,
                        endpoint="video/query",
                    ) from None
                resume = restart.state

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
        """Any range: ≤30-day windows newest first, so ids keep decreasing across windows and one
        ``ResumeState`` (the oldest stored video) resumes the whole range. Windows newer than it cost nothing."""
        for w in split_windows(start_date, end_date, max_days, newest_first=True):
            if resume is not None and w.start > resume.day:
                continue
            yield from self.iter_videos(query, w.start, w.end, fields, max_count, resume=resume)

    def _search(
        self,
        q: dict[str, Any],
        start: date,
        end: date,
        fields: str | None,
        max_count: int,
        resume: ResumeState | None,
        is_random: bool,
    ) -> Iterator[VideoPage]:
        ep = ENDPOINTS["video/query"]
        query = q
        if resume is not None:
            end = min(end, resume.day)
            if end < start:
                return  # everything in this window is already stored
            if self.exact_resume:
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
                data, requests = self._post(ep, body, fields)
            except InvalidInputError as exc:
                if resume is not None and query is not q and search_id is None and "video_id" in str(exc):
                    self.exact_resume = False  # the API refuses an id bound: day granularity from now on
                    raise _Restart(resume) from None
                raise
            except SearchIdNotReadyError:
                if search_id is None or oldest is None:
                    raise
                raise _Restart(oldest) from None  # the search expired: resume it without a search_id
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

    # -- users ---------------------------------------------------------------------------------------------
    def user_info(
        self, username: str, fields: Sequence[str] | None = None, *, missing_ok: bool = False
    ) -> UserInfoResult:
        """A profile. Unavailable accounts raise ``UserUnavailableError`` — or, with ``missing_ok``, come back
        as a result whose ``status`` says why (for recording in the lake)."""
        _require(username, "username")
        try:
            data, requests = self._post(
                ENDPOINTS["user/info"],
                {"username": username},
                _fields_param(fields, USER_FIELDS),
                username=username,
            )
        except UserUnavailableError as exc:
            if not missing_ok:
                raise
            return UserInfoResult(username, exc.reason, {}, 1)
        return UserInfoResult(username, "ok", data, requests)

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
            data, requests = self._post(ep, req, fields, username=username)
            records = data.get(ep.records_key) or []
            if not isinstance(records, list):
                raise RetryableError(f"{ep.records_key} is not a list", api=API, endpoint=ep.path)
            next_cursor = data.get("cursor")
            has_more = bool(data.get("has_more"))
            if stop_at is not None and next_cursor is not None and int(next_cursor) >= stop_at:
                has_more = False  # the API serves the first `stop_at` only; asking further fails
            yield Page(records, next_cursor, has_more, requests=requests)
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
            _fields_param(fields, COMMENT_FIELDS, ("id",)),
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
            _fields_param(fields, ep.fields, ("id",)) if ep.fields else None,
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
        data, requests = self._post(
            ep, {"username": username}, _fields_param(fields, VIDEO_FIELDS, ("id",)), username=username
        )
        return Page(list(data.get(ep.records_key) or []), None, False, requests=requests)

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
            data, requests = self._post(ep, body)
            has_more = bool(data.get("has_more"))
            next_cursor = data.get("cursor")
            record = {k: v for k, v in data.items() if k not in ("cursor", "has_more")}
            yield Page([record], next_cursor, has_more, requests=requests)
            if not has_more:
                return
            if next_cursor is None or next_cursor == cursor:
                raise CursorStuckError("playlist has_more without a new cursor", api=API, endpoint=ep.path)
            cursor = next_cursor

    def playlist(self, playlist_id: int) -> dict[str, Any]:
        """The whole playlist as one record (video ids of every page, in order)."""
        merged: dict[str, Any] = {}
        ids: list[int] = []
        for page in self.iter_playlist(playlist_id):
            rec = page.records[0]
            ids.extend(rec.get("playlist_video_ids") or [])
            merged.update({k: v for k, v in rec.items() if k != "playlist_video_ids"})
        merged.setdefault("playlist_id", int(playlist_id))
        merged["playlist_video_ids"] = list(dict.fromkeys(ids))
        return merged

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
            yield Page([self.user_info(str(p.get("username", "")), fields, missing_ok=True).as_record()])
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


class _Restart(Exception):  # noqa: N818 — control flow, never escapes the client
    def __init__(self, state: ResumeState) -> None:
        self.state = state


def _require(value: Any, name: str) -> None:
    if value is None or value == "" or value == 0:
        raise InvalidInputError(f"{name} is required", parameter=name)
