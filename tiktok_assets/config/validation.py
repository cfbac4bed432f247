"""Validation of monitoring.yaml: typed readers whose every error names the offending key."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tiktok_assets.clients.research_query import OPERATIONS, QUERY_FIELDS, value_problem

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # names become asset keys and hive path values
USERNAME = re.compile(r"^[A-Za-z0-9._]{1,64}$")
REGION = re.compile(r"^[A-Z]{2}$")


class MonitoringConfigError(ValueError):
    """A monitoring.yaml problem; ``key`` is the dotted path of the offending entry."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")  # "": the whole file


class Validator:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> MonitoringConfigError:
        return MonitoringConfigError(self.path, key, problem)

    def mapping(self, value: Any, key: str, allowed: Sequence[str], required: Sequence[str] = ()) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"expected a mapping, got {type(value).__name__}")
        for k in value:
            if k not in allowed:
                raise self.fail(
                    f"{key}.{k}" if key else str(k), f"unknown key (allowed: {', '.join(allowed)})"
                )
        for k in required:
            if k not in value:
                raise self.fail(f"{key}.{k}" if key else k, "required key is missing")
        return value

    def strings(
        self, value: Any, key: str, pattern: re.Pattern[str] | None = None, *, unique: bool = True
    ) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {type(value).__name__}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{key}[{i}]", f"expected a non-empty string, got {item!r}")
            item = item.strip()
            if pattern and not pattern.match(item):
                raise self.fail(f"{key}[{i}]", f"{item!r} does not match {pattern.pattern}")
            out.append(item)
        if unique and len(set(out)) != len(out):
            raise self.fail(key, "duplicate entries")
        return tuple(out)

    def hashtags(self, value: Any, key: str) -> tuple[str, ...]:
        """Hashtags as the APIs take them: without '#', lower case (TikTok matches tags case-insensitively, as the
        sandbox does), so "#Cat" and "cat" are one tag. Each becomes a partition key and a lake path value, so
        one left empty, with whitespace or with '/' is refused, and so is a tag given twice."""
        out: list[str] = []
        for i, raw in enumerate(self.strings(value, key, unique=False)):
            tag = raw.lstrip("#").lower()
            if not tag or any(c.isspace() or c == "/" for c in tag):
                raise self.fail(f"{key}[{i}]", f"{raw!r} is not a hashtag (no spaces or '/', not only '#')")
            if tag in out:
                raise self.fail(f"{key}[{i}]", f"{raw!r} repeats {key}[{out.index(tag)}] (both are #{tag})")
            out.append(tag)
        return tuple(out)

    def day(self, value: Any, key: str, today: date) -> date:
        if isinstance(value, datetime):
            value = value.date()
        elif isinstance(value, str):
            try:  # a date, or a date-time (YAML's timestamp form: its day)
                value = datetime.fromisoformat(value.strip()).date()
            except ValueError:
                raise self.fail(key, f"expected a date YYYY-MM-DD, got {value!r}") from None
        if not isinstance(value, date):
            raise self.fail(key, f"expected a date YYYY-MM-DD, got {type(value).__name__}")
        if value > today:
            raise self.fail(key, f"{value} is in the future (today is {today} UTC)")
        return value

    def integer(self, value: Any, key: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {type(value).__name__}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def condition(self, value: Any, key: str) -> dict[str, Any]:
        cond = self.mapping(
            value,
            key,
            ("operation", "field_name", "field_values"),
            ("operation", "field_name", "field_values"),
        )
        if cond["operation"] not in OPERATIONS:
            raise self.fail(f"{key}.operation", f"{cond['operation']!r} is not one of {sorted(OPERATIONS)}")
        if cond["field_name"] not in QUERY_FIELDS:
            raise self.fail(
                f"{key}.field_name", f"{cond['field_name']!r} is not one of {sorted(QUERY_FIELDS)}"
            )
        values = cond["field_values"]
        if not isinstance(values, list) or not values:
            raise self.fail(f"{key}.field_values", "expected a non-empty list")
        # The API wants strings; YAML turns 20260101 or 123 into ints, so coerce scalars explicitly.
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, str | int):
                raise self.fail(f"{key}.field_values[{i}]", f"expected a string, got {v!r}")
            problem = value_problem(cond["field_name"], str(v))
            if problem:
                raise self.fail(f"{key}.field_values[{i}]", problem)
            out.append(str(v))
        if cond["operation"] != "IN" and len(out) != 1:
            raise self.fail(f"{key}.field_values", f"{cond['operation']} takes exactly one value")
        return {"operation": cond["operation"], "field_name": cond["field_name"], "field_values": out}
