"""monitoring.yaml → typed, validated settings: what the research assets collect.

The file is read from ``TIKTOK_MONITORING`` (default: the ``monitoring.yaml`` shipped in this package).
Validation happens at load and every message names the offending key (``queries.cats.regions[1]``), so a
typo fails the code location at once instead of spending quota on a wrong query.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from tiktok_assets.clients.planner import pack_in_conditions

ENV_VAR = "TIKTOK_MONITORING"
DEFAULT_PATH = Path(__file__).resolve().parent / "monitoring.yaml"

QUERY_FIELDS = frozenset(
    {"create_date", "username", "region_code", "video_id", "hashtag_name", "keyword", "music_id", "effect_id",
     "video_length", "view_count", "comment_count"}
)  # fmt: skip
OPERATIONS = frozenset({"EQ", "IN", "GT", "GTE", "LT", "LTE"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # query names become asset keys and hive path values
_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,64}$")
_REGION = re.compile(r"^[A-Z]{2}$")

# Which monitored list feeds which query field.
SOURCES = {"accounts": "username", "hashtags": "hashtag_name", "keywords": "keyword"}


class MonitoringConfigError(ValueError):
    """A monitoring.yaml problem; ``key`` is the dotted path of the offending entry."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class VideoQuery:
    """A named Research API video query. ``query`` is the API's ``{and, or, not}`` shape, fully built."""

    name: str
    description: str
    query: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class CommentSettings:
    enabled: bool = True
    replies: bool = True
    # Comments share the video endpoint's 1,000 requests/day: only videos with at least this many comments,
    # at most this many videos a day (most-commented first).
    min_comment_count: int = 1
    max_videos_per_day: int = 50


@dataclass(frozen=True)
class Monitoring:
    path: Path
    start_date: date
    end_date: date | None
    accounts: tuple[str, ...]
    hashtags: tuple[str, ...]
    keywords: tuple[str, ...]
    regions: tuple[str, ...]
    queries: tuple[VideoQuery, ...]
    comments: CommentSettings = field(default_factory=CommentSettings)
    in_limit: int = 100

    def query(self, name: str) -> VideoQuery:
        for q in self.queries:
            if q.name == name:
                return q
        raise KeyError(f"no video query named {name!r} in {self.path}")


# --- validation helpers ------------------------------------------------------------------------------------


class _Validator:
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

    def strings(self, value: Any, key: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
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
        if len(set(out)) != len(out):
            raise self.fail(key, "duplicate entries")
        return tuple(out)

    def day(self, value: Any, key: str, today: date) -> date:
        if isinstance(value, datetime):
            value = value.date()
        elif isinstance(value, str):
            try:
                value = date.fromisoformat(value)
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
            out.append(str(v))
        if cond["operation"] != "IN" and len(out) != 1:
            raise self.fail(f"{key}.field_values", f"{cond['operation']} takes exactly one value")
        return {"operation": cond["operation"], "field_name": cond["field_name"], "field_values": out}


_TOP_KEYS = ("date_range", "accounts", "hashtags", "keywords", "regions", "queries", "comments", "in_limit")
_QUERY_KEYS = ("description", "from", "regions", "query")


def _build_query(v: _Validator, name: str, raw: Any, lists: Mapping[str, tuple[str, ...]],
                 regions: tuple[str, ...], in_limit: int) -> VideoQuery:  # fmt: skip
    key = f"queries.{name}"
    if not _NAME.match(str(name)):
        raise v.fail(key, "a query name is lower-case letters, digits and _ (it becomes an asset key)")
    spec = v.mapping(raw, key, _QUERY_KEYS)
    if ("from" in spec) == ("query" in spec):
        raise v.fail(
            key, "give exactly one of 'from' (accounts | hashtags | keywords) or 'query' (API shape)"
        )
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise v.fail(f"{key}.description", "expected a string")
    q_regions = v.strings(spec["regions"], f"{key}.regions", _REGION) if "regions" in spec else regions
    query: dict[str, list[dict[str, Any]]] = {"and": [], "or": [], "not": []}
    if "from" in spec:
        source = spec["from"]
        if source not in SOURCES:
            raise v.fail(f"{key}.from", f"{source!r} is not one of {sorted(SOURCES)}")
        values = lists[source]
        if not values:
            raise v.fail(f"{key}.from", f"the '{source}' list is empty")
        conds = pack_in_conditions(SOURCES[source], values, in_limit)
        # One IN condition is an AND; a list longer than the IN limit becomes an OR of chunks (one search).
        query["and" if len(conds) == 1 else "or"].extend(conds)
        if not description:
            description = f"Videos matching the monitored {source}."
    else:
        body = v.mapping(spec["query"], f"{key}.query", ("and", "or", "not"))
        for op in ("and", "or", "not"):
            items = body.get(op) or []
            if not isinstance(items, list):
                raise v.fail(f"{key}.query.{op}", "expected a list of conditions")
            query[op] = [v.condition(c, f"{key}.query.{op}[{i}]") for i, c in enumerate(items)]
        if not (query["and"] or query["or"] or query["not"]):
            raise v.fail(f"{key}.query", "at least one of and/or/not must hold a condition")
    if q_regions and not any(c["field_name"] == "region_code" for c in query["and"]):
        query["and"].append({"operation": "IN", "field_name": "region_code", "field_values": list(q_regions)})
    return VideoQuery(name=name, description=description, query={k: v_ for k, v_ in query.items() if v_})


def parse_monitoring(raw: Any, path: Path | str = "<monitoring>", today: date | None = None) -> Monitoring:
    path = Path(path)
    today = today or datetime.now(UTC).date()
    v = _Validator(path)
    if raw is None:
        raise v.fail("(root)", "the file is empty")
    top = v.mapping(raw, "", _TOP_KEYS, ("date_range", "queries"))
    rng = v.mapping(top["date_range"], "date_range", ("start", "end"), ("start",))
    start = v.day(rng["start"], "date_range.start", today)
    end = v.day(rng["end"], "date_range.end", today) if rng.get("end") is not None else None
    if end is not None and end < start:
        raise v.fail("date_range.end", f"{end} is before date_range.start {start}")
    lists = {
        "accounts": v.strings(top.get("accounts"), "accounts", _USERNAME),
        "hashtags": tuple(h.lstrip("#").lower() for h in v.strings(top.get("hashtags"), "hashtags")),
        "keywords": v.strings(top.get("keywords"), "keywords"),
    }
    regions = v.strings(top.get("regions"), "regions", _REGION)
    in_limit = v.integer(top.get("in_limit", 100), "in_limit", 1)
    queries_raw = top["queries"]
    if not isinstance(queries_raw, Mapping) or not queries_raw:
        raise v.fail("queries", "expected a mapping of at least one named query")
    queries = tuple(_build_query(v, str(n), q, lists, regions, in_limit) for n, q in queries_raw.items())
    c_raw = v.mapping(
        top.get("comments") or {},
        "comments",
        ("enabled", "replies", "min_comment_count", "max_videos_per_day"),
    )
    defaults = CommentSettings()
    comments = CommentSettings(
        enabled=v.boolean(c_raw.get("enabled", defaults.enabled), "comments.enabled"),
        replies=v.boolean(c_raw.get("replies", defaults.replies), "comments.replies"),
        min_comment_count=v.integer(c_raw.get("min_comment_count", defaults.min_comment_count), "comments.min_comment_count", 0),
        max_videos_per_day=v.integer(c_raw.get("max_videos_per_day", defaults.max_videos_per_day), "comments.max_videos_per_day", 0),
    )  # fmt: skip
    return Monitoring(
        path=path,
        start_date=start,
        end_date=end,
        accounts=lists["accounts"],
        hashtags=lists["hashtags"],
        keywords=lists["keywords"],
        regions=regions,
        queries=queries,
        comments=comments,
        in_limit=in_limit,
    )


def monitoring_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_monitoring(path: Path | str | None = None, today: date | None = None) -> Monitoring:
    """Read and validate monitoring.yaml; raises MonitoringConfigError naming the bad key."""
    path = Path(path) if path is not None else monitoring_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MonitoringConfigError(path, "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MonitoringConfigError(path, "(syntax)", str(exc).replace("\n", " ")) from None
    return parse_monitoring(raw, path, today)
