"""The EnsembleData API: its endpoints, and how one response becomes records or a typed error.

``ENDPOINTS`` (looked up by a user-given path with ``endpoint_for``) says per endpoint where its records sit
in the envelope, which parameter carries the next cursor, what is required and which key identifies a record
(``record_key``). ``classify`` turns a response into its JSON body or the typed error (the API's own status
codes: 495 units depleted, 491–493 token refused, 463/471–474 unavailable accounts, other 4xx bad input);
``_page_parts`` finds the records whatever the envelope variant; ``units_charged`` reads the price header.
Pure (a response in, data out), so it is unit-tested alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tiktok_assets.clients.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
    UserUnavailableError,
    next_utc_midnight,
)
from tiktok_assets.clients.responses import parse_json, retry_after, server_time
from tiktok_assets.clients.transport import lookup_endpoint

API = "ensembledata"
BUCKET = "units"
MULTI_INFO_MAX = 100  # post ids per tt/post/multi-info call


@dataclass(frozen=True)
class EdEndpoint:
    path: str
    records_key: str | None  # key of the list inside `data` (None: `data` itself is the list / the object)
    cursor_param: str | None  # what the next cursor is sent back as (None: one call)
    required: tuple[str, ...]
    key: str  # the record's identity (for dedupe / truth comparison)
    long: bool = False  # "full" searches: the server pages internally; minutes per call
    user_param: str | None = None  # which parameter names the account (for UserUnavailableError)


ENDPOINTS: dict[str, EdEndpoint] = {
    e.path: e
    for e in (
        EdEndpoint("tt/hashtag/posts", None, "cursor", ("name",), "aweme_id"),
        EdEndpoint("tt/hashtag/recent-posts", None, None, ("name", "days"), "aweme_id", long=True),
        EdEndpoint("tt/keyword/search", None, "cursor", ("name", "period"), "aweme_id"),
        EdEndpoint("tt/keyword/full-search", None, None, ("name", "period"), "aweme_id", long=True),
        EdEndpoint(
            "tt/user/posts", None, "start_cursor", ("username", "depth"), "aweme_id", user_param="username"
        ),
        EdEndpoint(
            "tt/user/posts-from-secuid",
            None,
            "start_cursor",
            ("secUid", "depth"),
            "aweme_id",
            user_param="secUid",
        ),
        EdEndpoint("tt/user/info", None, None, ("username",), "uid", user_param="username"),
        EdEndpoint("tt/user/info-from-secuid", None, None, ("secUid",), "uid", user_param="secUid"),
        EdEndpoint("tt/user/search", "users", "cursor", ("keyword",), "uid"),
        EdEndpoint(
            "tt/user/liked-posts", "liked_posts", "cursor", ("secUid",), "aweme_id", user_param="secUid"
        ),
        EdEndpoint("tt/user/followers", "followers", "cursor", (), "uid", user_param="secUid"),
        EdEndpoint("tt/user/followings", "followings", "cursor", (), "uid", user_param="secUid"),
        EdEndpoint("tt/post/info", None, None, ("url",), "aweme_id"),
        EdEndpoint("tt/post/multi-info", None, None, ("ids",), "aweme_id"),
        EdEndpoint("tt/post/comments", "comments", "cursor", ("aweme_id",), "cid"),
        EdEndpoint("tt/post/comments-replies", "comments", "cursor", ("aweme_id", "comment_id"), "cid"),
        EdEndpoint("tt/music/info", "music", "cursor", ("name",), "mid"),
        EdEndpoint("tt/music/posts", "aweme_list", "cursor", ("music_id",), "aweme_id"),
        EdEndpoint("tt/music/details", None, None, ("id",), "id"),
        EdEndpoint("tt/live/search", None, "cursor", ("keyword",), "room_id"),
        EdEndpoint("customer/get-used-units", None, None, ("date",), "date"),
        EdEndpoint("customer/get-history", None, None, ("days",), "date"),
    )
}

_STATUS_PARAM = {464: "ids", 466: "country", 462: "url", 469: "name"}
_REFUSALS_5XX = {520}  # documented refusals with a 5xx status (reference): never retried
_UNAVAILABLE = {463: "not_found", 473: "not_found", 472: "private", 471: "refused", 474: "refused"}
_PARAM_IN_DETAIL = re.compile(r"parameter '([^']+)'")


def endpoint_for(path: str) -> EdEndpoint:
    return lookup_endpoint(ENDPOINTS, path, "apis/", "EnsembleData")


def record_key(record: Mapping[str, Any], ep: EdEndpoint) -> str | None:
    """The identity of a record as the API shapes it (users nest under ``user_info``, music ids vary)."""
    rec: Any = record
    if "user_info" in rec and isinstance(rec["user_info"], Mapping):
        rec = rec["user_info"]
    if "user" in rec and isinstance(rec["user"], Mapping) and ep.key == "uid":
        rec = rec["user"]
    for k in (ep.key, "id", "mid", "uid", "aweme_id", "cid"):
        if rec.get(k) is not None:
            return str(rec[k])
    return None


def classify(
    response: httpx.Response,
    *,
    endpoint: str,
    params: Mapping[str, Any],
    user_param: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The whole JSON body of a success (NULs stripped), or the typed error."""
    status = response.status_code
    kw: dict[str, Any] = {"api": API, "endpoint": endpoint, "status": status}
    html = "html" in response.headers.get("content-type", "")
    if status == 429:
        raise RateLimitedError(
            "rate limit exceeded (429)",
            retry_after=retry_after(response),
            server_now=server_time(response),
            **kw,
        )
    # A documented refusal above 500 (520 post restricted, a JSON detail) is an answer, not a server failure;
    # an HTML 520 is a gateway's ("unknown error") and is retried like any 5xx.
    if (status >= 500 and (status not in _REFUSALS_5XX or html)) or (html and status < 400):
        raise RetryableError(f"HTTP {status}", **kw)
    payload = parse_json(response, api=API, endpoint=endpoint)
    if isinstance(payload, dict) and "data" in payload:
        return payload  # clean already (parse_json); some 4xx carry data: success, like the official client
    if status == 200:
        raise RetryableError("200 without data", **kw)
    detail = str(payload.get("detail", "")) if isinstance(payload, dict) else ""
    if status == 495:
        now = now or server_time(response) or datetime.now(UTC)
        raise QuotaExhaustedError(
            f"units depleted (495): {detail}", resets_at=next_utc_midnight(now), bucket=BUCKET, **kw
        )
    if status in (491, 492, 493):
        raise AuthError(f"{detail or 'token refused'} — check ENSEMBLEDATA_TOKEN (parameter token)", **kw)
    if status in _UNAVAILABLE:
        who = (
            params.get(user_param or "", "")
            or params.get("username")
            or params.get("secUid")
            or params.get("id")
            or "?"
        )
        raise UserUnavailableError(str(who), _UNAVAILABLE[status], detail, **kw)  # type: ignore[arg-type]
    if status in _REFUSALS_5XX:
        post = next((p for p in ("aweme_id", "url", "ids") if p in params), "aweme_id")
        raise InvalidInputError(f"post restricted ({status}): {detail}", parameter=post, **kw)
    if 400 <= status < 500:
        m = _PARAM_IN_DETAIL.search(detail)
        raise InvalidInputError(
            detail or f"HTTP {status}", parameter=m.group(1) if m else _STATUS_PARAM.get(status), **kw
        )
    raise ApiError(f"unexpected HTTP {status}: {detail}", **kw)


def _page_parts(payload: dict[str, Any], ep: EdEndpoint) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(records, payload-level extras such as nextCursor/total) whatever the envelope variant."""
    data = payload.get("data")
    extras = {k: v for k, v in payload.items() if k != "data"}
    if isinstance(data, list):
        return data, extras
    if isinstance(data, dict):
        extras.update({k: v for k, v in data.items() if not isinstance(v, list)})
        if ep.records_key:
            return list(data.get(ep.records_key) or []), extras
        if isinstance(data.get("data"), list):  # searches nest the list once more: {"data": {"data": [...]}}
            return list(data["data"]), extras
        return [data], extras
    if data is None:
        return [], extras
    return [{"value": data}], extras


def flag_pinned(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``is_pinned`` (bool) beside TikTok's ``is_top``, so a pinned old post is never mistaken for new."""
    for r in records:
        r["is_pinned"] = bool(r.get("is_top"))
    return records


def trim_older(records: list[dict[str, Any]], oldest_createtime: int) -> tuple[list[dict[str, Any]], int]:
    """Drop posts created before ``oldest_createtime`` (the API overshoots by up to a chunk)."""
    kept = [r for r in records if int(r.get("create_time") or 0) >= oldest_createtime]
    return kept, len(records) - len(kept)


def units_charged(response: httpx.Response | None) -> int:
    """The units a response cost (its ``units_charged`` header; 0 when absent, unreadable or no response)."""
    if response is None:
        return 0
    raw = response.headers.get("units_charged") or response.headers.get("units-charged") or "0"
    try:
        return int(raw)
    except ValueError:
        return 0
