"""The Research API's video query vocabulary, checked locally before any request is sent.

``OPERATIONS`` and ``QUERY_FIELDS`` are the one definition of what a video query may say (the settings
loader validates monitoring.yaml against them too); ``validate_query`` returns a query in the wire shape
(values as strings) or raises ``InvalidInputError`` naming the bad part, and ``validate_window`` holds a
search to the API's longest span (``planner.MAX_WINDOW_DAYS``). A query that fails here costs no quota.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.planner import MAX_WINDOW_DAYS, as_date

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
NUMERIC_FIELDS = ("video_id", "music_id", "effect_id", "view_count", "comment_count")
VIDEO_LENGTHS = ("SHORT", "MID", "LONG", "EXTRA_LONG")


def value_problem(field: str, value: str) -> str | None:
    """What is wrong with one condition value of ``field`` (the reference's formats), or None. Checked before
    sending: the API refuses these with a 400 that costs a request of the day's quota, on every run."""
    if field in NUMERIC_FIELDS and not re.fullmatch(r"[0-9]+", value):
        return f"{field} takes a whole number, got {value!r}"
    if field == "create_date":
        try:
            datetime.strptime(value, "%Y%m%d")
        except ValueError:
            return f"create_date takes a day as YYYYMMDD, got {value!r}"
    if field == "region_code" and not re.fullmatch(r"[A-Za-z]{2}", value):
        return f"region_code takes a two-letter code, got {value!r}"
    if field == "video_length" and value not in VIDEO_LENGTHS:
        return f"video_length is one of {', '.join(VIDEO_LENGTHS)}, got {value!r}"
    return None


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
            strings = [str(v) for v in values]
            if op != "IN" and len(strings) != 1:
                raise InvalidInputError(
                    f"{where}: {op} takes exactly one value, got {len(strings)}",
                    parameter=f"{where}.field_values",
                )
            for k, value in enumerate(strings):
                problem = value_problem(name, value)
                if problem:
                    raise InvalidInputError(f"{where}: {problem}", parameter=f"{where}.field_values[{k}]")
            clean.append({"operation": op, "field_name": name, "field_values": strings})
        if clean or part in query:
            out[part] = clean
    if not any(out.get(p) for p in ("and", "or", "not")):
        raise InvalidInputError("query needs at least one condition in and/or/not", parameter="query")
    return out


def validate_window(start_date: Any, end_date: Any) -> tuple[date, date]:
    s, e = as_date(start_date, "start_date"), as_date(end_date, "end_date")
    if e < s:
        raise InvalidInputError(f"end_date {e:%Y%m%d} is before start_date {s:%Y%m%d}", parameter="end_date")
    if (e - s).days + 1 > MAX_WINDOW_DAYS:  # MAX_WINDOW_DAYS counts inclusive days
        raise InvalidInputError(
            f"end_date {e:%Y%m%d} is {(e - s).days} days after start_date {s:%Y%m%d}; the API "
            f"allows {MAX_WINDOW_DAYS - 1} (use iter_videos_range to split)",
            parameter="end_date",
        )
    return s, e
