"""Research API responses → value or typed error. Pure (a response in, data out), so it is unit-tested alone.

Decisions (reference/research-api.md):
- ``invalid_params`` (plural; the singular check in a public wrapper is a known defect) splits by message:
  a rejected ``search_id`` is retryable with a growing wait; ``Invalid count or cursor`` and "Something went
  wrong" are retryable; unknown / refused / private users are ``UserUnavailableError``; the rest is invalid
  input, never retried, naming the parameter.
- a 429 is a ``RateLimitedError``, ``daily`` when the API says the daily quota is spent: code
  ``daily_quota_limit_exceeded`` (field: what public collectors check for), or ``rate_limit_exceeded`` with a
  message about the daily quota (the reference has both limits arrive as ``rate_limit_exceeded``). Plain
  ``rate_limit_exceeded`` is the per-minute limit (doc); the client also calls it daily when it outlasts a
  per-minute window (``research_session``).
- 500 / 5xx / HTML / truncated JSON: retryable.
- the token endpoint (``classify_token``): 5xx retryable; anything without an ``access_token`` is an
  ``AuthError`` that names the settings to check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from tiktok_assets.clients.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    RateLimitedError,
    RetryableError,
    SearchIdNotReadyError,
    TokenExpiredError,
    UserUnavailableError,
)
from tiktok_assets.clients.research_endpoints import API
from tiktok_assets.clients.responses import TextRepairs, parse_json, retry_after, server_time

_SEARCH_ID = re.compile(r"search[ _]?id .*(invalid|expired)", re.I)
RATE_LIMITED, DAILY_QUOTA = "rate_limit_exceeded", "daily_quota_limit_exceeded"
_DAILY_WORDING = re.compile(r"\b(daily|quota)\b", re.I)
_RETRY_MESSAGES = (
    "invalid count or cursor",
    "something went wrong",
    "server internal error",
    "internal error",
)
_PARAM_NAMES = (
    "start_date",
    "end_date",
    "max_count",
    "cursor",
    "search_id",
    "query",
    "fields",
    "username",
    "video_id",
    "comment_id",
    "playlist_id",
    "is_random",
    "field_name",
    "field_values",
    "operation",
)


def unavailable_reason(message: str) -> str | None:
    """The user-unavailable reason a message states, or None."""
    m = message.lower()
    if "cannot find the user" in m or "user not found" in m or "does not exist" in m:
        return "not_found"
    if "is private" in m or "information cannot be returned" in m or "private account" in m:
        return "private"
    if "cannot return this user" in m:
        return "refused"
    return None


def guess_parameter(message: str, body: Mapping[str, Any] | None = None) -> str | None:
    """The parameter a 400 message is about: the known name it mentions first ("Invalid end_date: … after
    start_date" is about end_date)."""
    low = message.lower()
    names = {*_PARAM_NAMES, *(str(k) for k in (body or {}))}
    found = [(low.find(n.lower()), n) for n in names if n.lower() in low]
    return min(found, key=lambda t: (t[0], -len(t[1])))[1] if found else None


def classify(
    response: httpx.Response,
    *,
    endpoint: str,
    body: Mapping[str, Any] | None = None,
    username: str | None = None,
    repairs: TextRepairs | None = None,
) -> dict[str, Any]:
    """``data`` of a successful response (clean text: ``responses.clean_text``, repairs counted in
    ``repairs``), or raise the typed error."""
    status = response.status_code
    if status >= 500 and "json" not in response.headers.get("content-type", ""):
        raise RetryableError(f"HTTP {status} without a JSON body", api=API, endpoint=endpoint, status=status)
    payload = parse_json(response, api=API, endpoint=endpoint, repairs=repairs)
    if not isinstance(payload, dict):
        raise RetryableError(
            f"HTTP {status}: unexpected JSON {type(payload).__name__}",
            api=API,
            endpoint=endpoint,
            status=status,
        )
    error = payload.get("error")
    if isinstance(error, str):  # OAuth shape on a data endpoint: the token is the problem
        raise AuthError(
            f"{error}: {payload.get('error_description', '')}",
            api=API,
            endpoint=endpoint,
            status=status,
            code=error,
        )
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or ("ok" if status == 200 else ""))
    message = str(error.get("message") or "")
    log_id = error.get("log_id")
    kw: dict[str, Any] = {"api": API, "endpoint": endpoint, "status": status, "code": code, "log_id": log_id}
    if status == 200 and code == "ok":
        data = payload.get("data")
        if not isinstance(data, dict):  # an ok envelope without data is a broken answer, not "no data"
            raise RetryableError("ok response without a data object", **kw)
        return data  # already clean: parse_json strips NULs and repairs bad text
    if code == "access_token_invalid" or (status == 401 and code not in ("scope_not_authorized",)):
        raise TokenExpiredError(message or "access token invalid", **kw)
    if code in ("scope_not_authorized", "scope_permission_missed"):
        raise AuthError(f"{code}: {message}", **kw)
    if code in (RATE_LIMITED, DAILY_QUOTA) or status == 429:
        raise RateLimitedError(
            message or code or "rate limit exceeded",
            retry_after=retry_after(response),
            server_now=server_time(response),
            daily=code == DAILY_QUOTA or bool(_DAILY_WORDING.search(message)),
            **kw,
        )
    if code == "internal_error" or status >= 500:
        raise RetryableError(f"{code or status}: {message}", **kw)
    if _SEARCH_ID.search(message):
        raise SearchIdNotReadyError(message, **kw)
    low = message.lower()
    if any(m in low for m in _RETRY_MESSAGES):
        raise RetryableError(message, **kw)
    reason = unavailable_reason(message)
    if reason is not None:
        who = username or (body or {}).get("username") or "?"
        raise UserUnavailableError(str(who), reason, message, **kw)  # type: ignore[arg-type]
    if code in ("invalid_params", "invalid_param") or status == 400:
        raise InvalidInputError(
            message or "invalid parameters", parameter=guess_parameter(message, body), **kw
        )
    raise ApiError(f"unexpected answer {status} {code}: {message}", **kw)


def classify_token(response: httpx.Response) -> dict[str, Any]:
    """The token endpoint's JSON (with ``access_token``), or raise the typed error."""
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
