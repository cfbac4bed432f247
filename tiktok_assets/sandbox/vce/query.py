"""VCE query language: validate `condition_groups` / `fields` against a category and compile a matcher.

Semantics (open where the doc is silent, chosen here):
- Groups are ANDed. A group's `operator`: `and` = every condition holds, `or` = at least one, `not` = none.
  An empty group is ignored.
- Operator names and group operators are case-insensitive. Values are strings (numbers are parsed).
- EQ/GT/GTE/LT/LTE take exactly one value; IN, LIKE and CONTAINS take one or more (any may match).
- String comparisons (EQ/IN/LIKE/CONTAINS) ignore case. LIKE is SQL's: `%` any run, `_` one character,
  `\\%` / `\\_` literal. On list-valued condition fields (hashtag_name, effect_id, ...) a condition holds when
  any element matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiktok_assets.sandbox.vce.fields import CATEGORIES, EQ_ONLY, OPERATORS, Category, Kind

GROUP_OPERATORS = ("and", "or", "not")
SINGLE_VALUE = frozenset({"EQ", "GT", "GTE", "LT", "LTE"})


class QueryError(ValueError):
    """The query cannot run: the task ends `AnalysisFailed` with this message."""


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).casefold()


def like_pattern(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "%_\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    kind: Kind
    values: tuple[Any, ...]  # ints for numeric fields, casefolded strings otherwise
    patterns: tuple[re.Pattern[str], ...] = ()

    def test(self, row: Mapping[str, Any]) -> bool:
        value = row[self.field]
        items = value if isinstance(value, list | tuple) else [value]
        return any(self._test_one(item) for item in items if item is not None)

    def _test_one(self, item: Any) -> bool:
        if self.kind == "numeric":
            number = int(item)
            target = self.values[0]
            return {
                "EQ": lambda: number == target,
                "IN": lambda: number in self.values,
                "GT": lambda: number > target,
                "GTE": lambda: number >= target,
                "LT": lambda: number < target,
                "LTE": lambda: number <= target,
            }[self.op]()
        if self.op == "LIKE":
            return any(p.fullmatch(str(item)) for p in self.patterns)
        return _norm(item) in self.values  # EQ, IN, CONTAINS


@dataclass(frozen=True)
class Group:
    op: str
    conditions: tuple[Condition, ...]

    def test(self, row: Mapping[str, Any]) -> bool:
        if not self.conditions:
            return True
        if self.op == "and":
            return all(c.test(row) for c in self.conditions)
        if self.op == "or":
            return any(c.test(row) for c in self.conditions)
        return not any(c.test(row) for c in self.conditions)

    def musts(self) -> tuple[Condition, ...]:
        """Conditions every matching row satisfies (for narrowing candidates)."""
        if self.op == "and" or (self.op == "or" and len(self.conditions) == 1):
            return self.conditions
        return ()


@dataclass(frozen=True)
class Query:
    category: Category
    groups: tuple[Group, ...]
    fields: tuple[str, ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        return all(g.test(row) for g in self.groups)

    def project(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: row[name] for name in self.fields}

    def required(self, field: str) -> set[str] | None:
        """Values `field` must take (EQ/IN in a must-hold group), or None when unconstrained."""
        allowed: set[str] | None = None
        for group in self.groups:
            for c in group.musts():
                if c.field == field and c.op in ("EQ", "IN"):
                    values = {str(v) for v in c.values}
                    allowed = values if allowed is None else allowed & values
        return allowed

    def bounds(self, field: str) -> tuple[int | None, int | None]:
        """Inclusive numeric bounds on `field` implied by must-hold conditions."""
        lo: int | None = None
        hi: int | None = None
        for group in self.groups:
            for c in group.musts():
                if c.field != field or c.kind != "numeric" or c.op == "IN":
                    continue
                v = c.values[0]
                if c.op in ("GT", "GTE", "EQ"):
                    v_lo = v + 1 if c.op == "GT" else v
                    lo = v_lo if lo is None else max(lo, v_lo)
                if c.op in ("LT", "LTE", "EQ"):
                    v_hi = v - 1 if c.op == "LT" else v
                    hi = v_hi if hi is None else min(hi, v_hi)
        return lo, hi


def _condition(category: Category, raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raise QueryError("each condition must be an object with 'field', 'operator' and 'field_values'")
    if "field" not in raw and ("field_name" in raw or "operation" in raw):
        raise QueryError(
            "conditions use 'field' / 'operator' / 'field_values' (not 'field_name' / 'operation')"
        )
    field, op, values = raw.get("field"), raw.get("operator"), raw.get("field_values")
    if not isinstance(field, str) or field not in category.conditions:
        allowed = ", ".join(sorted(category.conditions))
        raise QueryError(
            f"field {field!r} cannot be used in a {category.name} condition (allowed: {allowed})"
        )
    kind = category.conditions[field]
    op = str(op or "").upper()
    allowed_ops = {"EQ"} if category.name in EQ_ONLY else OPERATORS[kind]
    if op not in allowed_ops:
        raise QueryError(
            f"operator {op or None!r} is not allowed on {category.name}.{field} "
            f"(allowed: {', '.join(sorted(allowed_ops))})"
        )
    if isinstance(values, str | int) or not isinstance(values, Sequence) or not values:
        raise QueryError(f"'field_values' of {field} must be a non-empty list of strings")
    if op in SINGLE_VALUE and len(values) != 1:
        raise QueryError(f"operator {op} on {field} takes exactly one value, got {len(values)}")
    if kind == "numeric":
        try:
            parsed: tuple[Any, ...] = tuple(int(str(v).strip()) for v in values)
        except ValueError:
            raise QueryError(f"{field} compares numbers; got {list(values)!r}") from None
        return Condition(field, op, kind, parsed)
    strings = tuple(str(v) for v in values)
    patterns = tuple(like_pattern(v) for v in strings) if op == "LIKE" else ()
    return Condition(field, op, kind, tuple(_norm(v) for v in strings), patterns)


def _fields(category: Category, raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "" or raw == []:
        return category.fields
    names = [n.strip() for n in raw.split(",")] if isinstance(raw, str) else [str(n).strip() for n in raw]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in category.fields]
    if unknown:
        raise QueryError(
            f"unknown {category.name} field(s) {unknown} (allowed: {', '.join(category.fields)})"
        )
    return tuple(dict.fromkeys(names))


def compile_query(category_name: str, condition_groups: Any, fields: Any) -> Query:
    category = CATEGORIES.get(category_name)
    if category is None:
        raise QueryError(f"unknown category {category_name!r} (one of: {', '.join(CATEGORIES)})")
    if condition_groups is None:
        condition_groups = []
    if not isinstance(condition_groups, list):
        raise QueryError("'condition_groups' must be a list of {operator, conditions} objects")
    groups = []
    for raw in condition_groups:
        if not isinstance(raw, Mapping):
            raise QueryError("each condition group must be an object with 'operator' and 'conditions'")
        op = str(raw.get("operator", "and")).lower()
        if op not in GROUP_OPERATORS:
            raise QueryError(f"group operator {raw.get('operator')!r} is not one of and, or, not")
        conditions = raw.get("conditions") or []
        if not isinstance(conditions, list):
            raise QueryError("'conditions' must be a list")
        groups.append(Group(op, tuple(_condition(category, c) for c in conditions)))
    query = Query(category, tuple(groups), _fields(category, fields))
    if category.name in EQ_ONLY and query.required("username") is None:
        raise QueryError(f"{category.name} needs a condition username EQ <name>")
    if category.name == "comment" and query.required("video_id") is None:
        raise QueryError(
            "comment queries need video_id EQ/IN in an 'and' group (comments are listed per video)"
        )
    if (
        category.name == "playlists"
        and query.required("playlist_id") is None
        and query.required("username") is None
    ):
        raise QueryError("playlists queries need playlist_id EQ/IN or username EQ/IN in an 'and' group")
    return query
