"""The Research API part of monitoring.yaml: named video queries and comment settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiktok_assets.clients.planner import pack_in_conditions
from tiktok_assets.config.validation import NAME, REGION, Validator

QUERY_KEYS = ("description", "from", "regions", "query")
# Which monitored list feeds which query field.
SOURCES = {"accounts": "username", "hashtags": "hashtag_name", "keywords": "keyword"}


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

    def choose(self, comment_counts: Mapping[int, int | None]) -> list[int]:
        """The videos (id → comment count) whose comments a day collects: the most-commented first (ties: the
        newest id), with at least ``min_comment_count`` and at least one comment (none costs a request for
        nothing). The collection and the forecast both choose here."""
        minimum = max(self.min_comment_count, 1)
        ranked = sorted(
            ((c or 0, vid) for vid, c in comment_counts.items() if (c or 0) >= minimum), reverse=True
        )
        return [vid for _count, vid in ranked[: self.max_videos_per_day]]


def build_query(v: Validator, name: str, raw: Any, lists: Mapping[str, tuple[str, ...]],
                 regions: tuple[str, ...], in_limit: int) -> VideoQuery:  # fmt: skip
    key = f"queries.{name}"
    if not NAME.match(str(name)):
        raise v.fail(key, "a query name is lower-case letters, digits and _ (it becomes an asset key)")
    spec = v.mapping(raw, key, QUERY_KEYS)
    if ("from" in spec) == ("query" in spec):
        raise v.fail(
            key, "give exactly one of 'from' (accounts | hashtags | keywords) or 'query' (API shape)"
        )
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise v.fail(f"{key}.description", "expected a string")
    q_regions = v.strings(spec["regions"], f"{key}.regions", REGION) if "regions" in spec else regions
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
        query = split_long_in(v, f"{key}.query", query, in_limit)
    if q_regions and not any(c["field_name"] == "region_code" for c in query["and"]):
        query["and"].append({"operation": "IN", "field_name": "region_code", "field_values": list(q_regions)})
    return VideoQuery(name=name, description=description, query={k: v_ for k, v_ in query.items() if v_})


def split_long_in(v: Validator, key: str, query: dict[str, list[dict[str, Any]]], in_limit: int) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """An ``IN`` longer than the API takes (``in_limit`` values) split at load, where that keeps the meaning:
    in ``or`` and ``not`` into several conditions of the same list; a single long one in ``and`` into the
    ``or`` list while that is empty (A and (x or y) is the API's ``and: [A], or: [x, y]``). Anything else
    cannot be written as one API query and is refused here, naming the condition, not at run time."""

    def long(c: dict[str, Any]) -> bool:
        return c["operation"] == "IN" and len(c["field_values"]) > in_limit

    def split(c: dict[str, Any]) -> list[dict[str, Any]]:
        return pack_in_conditions(c["field_name"], c["field_values"], in_limit) if long(c) else [c]

    out = {op: [part for c in query[op] for part in split(c)] for op in ("or", "not")}
    too_long = [i for i, c in enumerate(query["and"]) if long(c)]
    if too_long and (len(too_long) > 1 or query["or"]):
        i = too_long[-1] if query["or"] else too_long[1]
        raise v.fail(
            f"{key}.and[{i}].field_values",
            f"{len(query['and'][i]['field_values'])} values in an IN under 'and' (the API takes {in_limit}); "
            "it can be split only when it is the one long IN under 'and' and 'or' is empty — split the list "
            "into several named queries",
        )
    out["and"] = [c for c in query["and"] if not long(c)]
    out["or"] += [part for c in query["and"] if long(c) for part in split(c)]
    return out


def comment_settings(
    v: Validator, raw: Any, key: str = "comments", defaults: CommentSettings | None = None
) -> CommentSettings:
    """The comment settings at ``key`` (``comments``; EnsembleData's at ``ensembledata.comments``)."""
    c_raw = v.mapping(raw or {}, key, ("enabled", "replies", "min_comment_count", "max_videos_per_day"))
    defaults = defaults or CommentSettings()
    return CommentSettings(
        enabled=v.boolean(c_raw.get("enabled", defaults.enabled), f"{key}.enabled"),
        replies=v.boolean(c_raw.get("replies", defaults.replies), f"{key}.replies"),
        min_comment_count=v.integer(c_raw.get("min_comment_count", defaults.min_comment_count), f"{key}.min_comment_count", 0),
        max_videos_per_day=v.integer(c_raw.get("max_videos_per_day", defaults.max_videos_per_day), f"{key}.max_videos_per_day", 0),
    )  # fmt: skip
