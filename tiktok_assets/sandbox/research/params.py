"""Parameters every Research API handler parses the same way: the JSON body, integers, ``max_count``,
``cursor`` and the video ``?fields=``. Handlers call them as ``params.cursor(body)``; a bad value raises the
``invalid_params`` ApiError the real API answers.

An optional parameter sent as JSON ``null`` or ``""`` is read as absent (``optional``): a widely used public
collector sends ``"cursor": null, "search_id": null`` on its first page and the live API answers it (field).
"""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.research.context import ApiError, Ctx, invalid
from tiktok_assets.sandbox.research.render import DEFAULT_VIDEO_FIELDS, VIDEO_FIELDS, parse_fields


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Invalid request body: a JSON object is required")
    return body


def optional(body: dict[str, Any], name: str, default: Any = None) -> Any:
    """``body[name]``, or ``default`` when it is absent, ``null`` or the empty string."""
    v = body.get(name)
    return default if v is None or v == "" else v


def integer(body: dict[str, Any], name: str, default: int | None = None) -> int | None:
    v = optional(body, name, default)
    if v is None:
        return None
    if isinstance(v, bool):
        raise invalid(f"Invalid {name}: expected an integer")
    if isinstance(v, str) and v.strip().isdigit():
        return int(v)
    if not isinstance(v, int):
        raise invalid(f"Invalid {name}: expected an integer")
    return v


def max_count(body: dict[str, Any], default: int) -> int:
    n = integer(body, "max_count", default)
    assert n is not None
    if n < 1 or n > 100:
        raise invalid(f"Invalid max_count {n}: it must be between 1 and 100")
    return n


def cursor(body: dict[str, Any], default: int = 0) -> int:
    try:
        c = integer(body, "cursor", default)
    except ApiError as exc:
        raise invalid("Invalid count or cursor") from exc
    assert c is not None
    if c < 0:
        raise invalid("Invalid count or cursor")
    return c


def video_fields(ctx: Ctx) -> tuple[str, ...]:
    return parse_fields(ctx.fields_raw, VIDEO_FIELDS, DEFAULT_VIDEO_FIELDS)
