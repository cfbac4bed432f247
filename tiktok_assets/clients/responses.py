"""Reading an API response: exact JSON, NUL-free strings, and the ``Date`` / ``Retry-After`` headers.

Shared by the per-API classifiers (``research_errors``, ``ensembledata_endpoints``) and the token request, so
every client parses bodies the same way: integers stay exact however big (ids), a body that is not JSON is a
retryable error when it looks transient, and NUL bytes never reach the lake.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from tiktok_assets.clients.errors import ApiError, RetryableError

_HUGE_INT = re.compile(rb"\d{20}")


def loads_exact(content: bytes) -> Any:
    """JSON with every integer exact. orjson turns integers beyond 64 bits into floats (a captured response
    holds a 20-digit id), so a body with a 20+ digit run falls back to the stdlib parser, which keeps them."""
    if _HUGE_INT.search(content):
        return json.loads(content)
    return orjson.loads(content)


def parse_json(response: httpx.Response, *, api: str, endpoint: str) -> Any:
    """Parsed body (ints stay ints, however big). Non-JSON bodies: retryable when they look transient."""
    content_type = response.headers.get("content-type", "")
    if "html" in content_type:
        raise RetryableError(
            f"HTTP {response.status_code} with an HTML body (gateway)",
            api=api,
            endpoint=endpoint,
            status=response.status_code,
        )
    try:
        return loads_exact(response.content)
    except (orjson.JSONDecodeError, json.JSONDecodeError, UnicodeDecodeError):
        if response.status_code < 400 or response.status_code >= 500:
            raise RetryableError(
                f"HTTP {response.status_code}: truncated or invalid JSON ({len(response.content)} bytes)",
                api=api,
                endpoint=endpoint,
                status=response.status_code,
            ) from None
        raise ApiError(
            f"HTTP {response.status_code} with a non-JSON body",
            api=api,
            endpoint=endpoint,
            status=response.status_code,
        ) from None


def server_time(response: httpx.Response) -> datetime | None:
    """The server's clock from its ``Date`` header: the quota day is the server's, not ours."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def strip_nul(value: Any) -> Any:
    """NUL bytes removed from every string, recursively (they break database inserts downstream)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    return value
