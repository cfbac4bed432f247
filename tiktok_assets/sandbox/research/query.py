"""The Research API video query language: validate a ``query`` object and compile it to a predicate.

Semantics: every ``and`` condition holds, at least one ``or`` condition holds (when ``or`` is non-empty),
no ``not`` condition holds. A condition with several values holds when any value matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from tiktok_assets.sandbox.world import Stats, Video, video_length_bucket

OPERATIONS = ("EQ", "IN", "GT", "GTE", "LT", "LTE")
FIELD_NAMES = (
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
LENGTHS = ("SHORT", "MID", "LONG", "EXTRA_LONG")  # ordered, so GT/LT compare buckets by length
_NUMERIC = {"video_id", "music_id", "effect_id", "view_count", "comment_count", "create_date"}
_DATE = re.compile(r"^\d{8}$")
_REGION = re.compile(r"^[A-Za-z]{2}$")

StatsFn = Callable[[Video], Stats]
Predicate = Callable[[Video, StatsFn], bool]


class QueryError(ValueError):
    """A bad query: the message names the problem (becomes 400 invalid_params)."""


@dataclass(frozen=True)
class Condition:
    operation: str
    field_name: str
    values: tuple[Any, ...]  # normalized: ints for numeric fields, upper/lower-cased strings otherwise


@dataclass(frozen=True)
class Query:
    and_: tuple[Condition, ...]
    or_: tuple[Condition, ...]
    not_: tuple[Condition, ...]

    def _and_values(self, field_name: str) -> set[Any] | None:
        """The values an ``and`` EQ/IN on ``field_name`` restricts the query to (None: unrestricted)."""
        sets = [
            set(c.values) for c in self.and_ if c.field_name == field_name and c.operation in ("EQ", "IN")
        ]
        if not sets:
            return None
        return set.intersection(*sets)

    def _or_values(self, field_name: str) -> set[Any] | None:
        """The values an ``or`` made only of EQ/IN on ``field_name`` restricts the query to (None: unrestricted).

        One other kind of ``or`` condition could hold for any video, so then the ``or`` restricts nothing.
        """
        if not self.or_ or any(
            c.field_name != field_name or c.operation not in ("EQ", "IN") for c in self.or_
        ):
            return None
        return {v for c in self.or_ for v in c.values}

    def _restriction(self, field_name: str) -> set[Any] | None:
        """Values every match must have on ``field_name``, from ``and`` and ``or`` alike (None: any)."""
        from_and, from_or = self._and_values(field_name), self._or_values(field_name)
        if from_and is None or from_or is None:
            return from_or if from_and is None else from_and
        return from_and & from_or

    def usernames(self) -> set[str] | None:
        """Accounts the query is restricted to by username EQ/IN in ``and`` or an ``or`` of only those: the
        search reads those accounts' days (an index) instead of every video of the window."""
        return self._restriction("username")

    def video_ids(self) -> set[int] | None:
        return self._restriction("video_id")

    def needs_stats(self) -> bool:
        return any(c.field_name in ("view_count", "comment_count") for c in self.and_ + self.or_ + self.not_)


def _date_value(v: str) -> int:
    if not _DATE.match(v):
        raise QueryError(f"Invalid create_date value {v!r}: expected YYYYMMDD")
    try:
        datetime.strptime(v, "%Y%m%d")
    except ValueError as exc:
        raise QueryError(f"Invalid create_date value {v!r}: not a date") from exc
    return int(v)


def _normalize(field_name: str, v: str) -> Any:
    if field_name == "create_date":
        return _date_value(v)
    if field_name in _NUMERIC:
        if not v.strip().isdigit():
            raise QueryError(f"Invalid {field_name} value {v!r}: expected digits")
        return int(v)
    if field_name == "region_code":
        if not _REGION.match(v):
            raise QueryError(f"Invalid region_code value {v!r}: expected an ISO 3166-1 alpha-2 code")
        return v.upper()
    if field_name == "video_length":
        if v.upper() not in LENGTHS:
            raise QueryError(f"Invalid video_length value {v!r}: expected one of {', '.join(LENGTHS)}")
        return LENGTHS.index(v.upper())
    if field_name == "hashtag_name":
        return v.strip().lstrip("#").lower()
    if field_name == "keyword":
        return v.lower()
    return v  # username: exact


def _condition(raw: Any, where: str, max_in: int) -> Condition:
    if not isinstance(raw, dict):
        raise QueryError(f"Invalid query: each condition in '{where}' must be an object")
    op, field_name, values = raw.get("operation"), raw.get("field_name"), raw.get("field_values")
    if op not in OPERATIONS:
        raise QueryError(f"Invalid operation {op!r} in '{where}': expected one of {', '.join(OPERATIONS)}")
    if field_name not in FIELD_NAMES:
        raise QueryError(
            f"Invalid field_name {field_name!r} in '{where}': expected one of {', '.join(FIELD_NAMES)}"
        )
    if not isinstance(values, list) or not values:
        raise QueryError(f"Invalid field_values for {field_name}: a non-empty list of strings is required")
    if not all(isinstance(v, str) for v in values):
        raise QueryError(f"Invalid field_values for {field_name}: values must be strings")
    if op in ("GT", "GTE", "LT", "LTE") and len(values) != 1:
        raise QueryError(f"Invalid field_values for {field_name}: {op} takes exactly one value")
    if len(values) > max_in:
        raise QueryError(f"Invalid field_values for {field_name}: at most {max_in} values are allowed")
    # EQ with several values: open; chosen to behave like IN.
    return Condition(op, field_name, tuple(_normalize(field_name, v) for v in values))


def parse_query(raw: Any, max_in: int = 100) -> Query:
    if not isinstance(raw, dict):
        raise QueryError("Invalid query: 'query' must be an object with 'and', 'or' or 'not'")
    unknown = set(raw) - {"and", "or", "not"}
    if unknown:
        raise QueryError(f"Invalid query: unknown key(s) {', '.join(sorted(unknown))}")
    parts: dict[str, tuple[Condition, ...]] = {}
    for key in ("and", "or", "not"):
        conds = raw.get(key) or []
        if not isinstance(conds, list):
            raise QueryError(f"Invalid query: '{key}' must be a list of conditions")
        parts[key] = tuple(_condition(c, key, max_in) for c in conds)
    if not any(parts.values()):
        raise QueryError("Invalid query: at least one of 'and', 'or', 'not' must hold a condition")
    return Query(parts["and"], parts["or"], parts["not"])


@lru_cache(maxsize=4_096)
def _ymd(day_number: int) -> int:
    """``YYYYMMDD`` as an int for a day since the epoch (computed once per day, not formatted per video)."""
    d = date.fromordinal(719_163 + day_number)  # 719163 = date(1970, 1, 1).toordinal()
    return d.year * 10_000 + d.month * 100 + d.day


def _create_date(v: Video) -> int:
    return _ymd(v.create_time // 86_400)


def _subjects(field_name: str, v: Video, stats: StatsFn) -> Sequence[Any]:
    """The video's value(s) for a field (several for multi-valued fields)."""
    if field_name == "username":
        return (v.username,)
    if field_name == "region_code":
        return (v.region,)
    if field_name == "video_id":
        return (v.id,)
    if field_name == "hashtag_name":
        return tuple(t.lower() for t in v.hashtags)
    if field_name == "music_id":
        return (v.music_id,)
    if field_name == "effect_id":
        return tuple(int(e) for e in v.effect_ids)
    if field_name == "video_length":
        return (LENGTHS.index(video_length_bucket(v.duration)),)
    if field_name == "view_count":
        return (stats(v).views,)
    if field_name == "comment_count":
        return (stats(v).comments,)
    if field_name == "create_date":
        return (_create_date(v),)
    raise AssertionError(field_name)


def _holds(c: Condition, v: Video, stats: StatsFn) -> bool:
    if c.field_name == "keyword":
        text = v.description.lower()
        if c.operation in ("EQ", "IN"):
            return any(k in text for k in c.values)
        subjects: Sequence[Any] = text.split()
    else:
        subjects = _subjects(c.field_name, v, stats)
    op = c.operation
    if op in ("EQ", "IN"):
        return any(s in c.values for s in subjects)
    x = c.values[0]
    if op == "GT":
        return any(s > x for s in subjects)
    if op == "GTE":
        return any(s >= x for s in subjects)
    if op == "LT":
        return any(s < x for s in subjects)
    return any(s <= x for s in subjects)


def matches(q: Query, v: Video, stats: StatsFn) -> bool:
    for c in q.and_:
        if not _holds(c, v, stats):
            return False
    if q.or_ and not any(_holds(c, v, stats) for c in q.or_):
        return False
    return not any(_holds(c, v, stats) for c in q.not_)
