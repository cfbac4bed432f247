"""Reading an API response: exact JSON, clean text, and the ``Date`` / ``Retry-After`` headers.

Shared by the per-API classifiers (``research_errors``, ``ensembledata_endpoints``) and the token request, so
every client parses bodies the same way: integers stay exact however big (ids), a body that is not JSON is a
retryable error when it looks transient, and NUL bytes never reach the lake.

Bad text is data, not a transient failure: a retry gets the same bytes. Bytes that are not UTF-8 and lone
UTF-16 surrogates (``\ud83d`` without its pair: legal JSON, not Unicode, unwritable to Parquet) are replaced
by U+FFFD and counted (``TextRepairs``); the rest of the page is kept. Only a body that stays unparsable after
that (cut short) is retried.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from tiktok_assets.clients.errors import ApiError, RetryableError

_HUGE_INT = re.compile(rb"\d{20}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL_ESCAPE = b"\\u0000"
# A \u0000 escape, not the text "\\u0000" (an escaped backslash, then u0000): even backslashes before it.
_NUL_ESCAPES = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")
_ESCAPED_BACKSLASH_U0000 = b"\\\\u0000"
REPLACEMENT = "\ufffd"


@dataclass
class TextRepairs:
    """How many bad characters were replaced by U+FFFD in what was parsed."""

    count: int = 0


def loads_exact(content: bytes, repairs: TextRepairs | None = None) -> Any:
    """JSON with every integer exact and every string valid Unicode without NUL. orjson turns integers beyond
    64 bits into floats (a captured response holds a 20-digit id) and refuses bad text, so such a body goes to
    the stdlib parser, which keeps big integers, after bytes that are not UTF-8 became surrogates
    (``surrogateescape``); every surrogate left unpaired is then replaced (``clean_text``)."""
    if _NUL_ESCAPE in content:
        # JSON carries a NUL only as the escape \u0000: removed from the bytes, no string of the page needs a
        # visit (walking every string cost 3.8x the parse).
        # Without an escaped backslash before "u0000" every occurrence is the escape: a plain replace is exact.
        exact = _ESCAPED_BACKSLASH_U0000 not in content
        content = content.replace(_NUL_ESCAPE, b"") if exact else _NUL_ESCAPES.sub(rb"\1", content)
    if not _HUGE_INT.search(content):
        try:
            return orjson.loads(content)  # valid UTF-8 and no lone surrogate, or it raises
        except orjson.JSONDecodeError:
            pass
    parsed = json.loads(content.decode("utf-8", "surrogateescape"))
    return clean_text(parsed, repairs if repairs is not None else TextRepairs())


def parse_json(
    response: httpx.Response, *, api: str, endpoint: str, repairs: TextRepairs | None = None
) -> Any:
    """Parsed body (ints stay ints, however big; bad text repaired and counted in ``repairs``). Non-JSON
    bodies: retryable when they look transient."""
    content_type = response.headers.get("content-type", "")
    if "html" in content_type:
        raise RetryableError(
            f"HTTP {response.status_code} with an HTML body (gateway)",
            api=api,
            endpoint=endpoint,
            status=response.status_code,
        )
    try:
        return loads_exact(response.content, repairs)
    except (json.JSONDecodeError, UnicodeDecodeError):
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


def clean_text(value: Any, repairs: TextRepairs | None = None) -> Any:
    """Every string, recursively: NUL bytes removed (they break database inserts downstream) and lone
    surrogates replaced by U+FFFD (a pair that belongs together is joined first), counted in ``repairs``."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        if _SURROGATE.search(value):
            # A pair written as two escapes decodes to two surrogates: "surrogatepass" joins it into one
            # character; what cannot be joined is replaced.
            fixed = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            if repairs is not None:
                repairs.count += fixed.count(REPLACEMENT) - value.count(REPLACEMENT)
            value = fixed
        return value
    if isinstance(value, list):
        return [clean_text(v, repairs) for v in value]
    if isinstance(value, dict):
        return {clean_text(k, repairs): clean_text(v, repairs) for k, v in value.items()}
    return value
