"""The VCE query language, checked locally: a bad task fails before any call, naming the offending key.

``validate_task`` turns a category, condition groups, fields, a limit and a stage into a ``TaskSpec`` (the
task exactly as sent) or raises ``InvalidInputError`` whose ``parameter`` is the key's path
(``condition_groups[0].conditions[1].operator``); monitoring.yaml's ``vce_queries`` reuse it, so the file
and the client agree on every rule. The vocabulary (categories, fields, operators, stages) is declared in
``endpoints.vce``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.endpoints.vce import (
    ALL_OPERATORS,
    CATEGORIES,
    GROUP_OPERATORS,
    OWNER_ONLY,
    SINGLE_VALUE,
    STAGES,
    Category,
)

API = "vce"
INTEGER = re.compile(r"-?[0-9]+")  # what a numeric field compares (ASCII digits: "²".isdigit() is True)


@dataclass(frozen=True)
class TaskSpec:
    """A query task as sent: groups normalized (``field``/``operator``/``field_values`` as strings)."""

    category: str
    condition_groups: tuple[dict[str, Any], ...]
    fields: str  # comma-separated, as pyrqs takes it
    limit: int
    stage: str

    def create_kwargs(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "condition_groups": [dict(g) for g in self.condition_groups],
            "fields": self.fields,
            "limit": self.limit,
        }

    def fingerprint(self) -> str:
        """Identifies the task's question: a recorded task is resumed only for the same fingerprint."""
        body = json.dumps({**self.create_kwargs(), "stage": self.stage}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def with_group(self, group: Mapping[str, Any]) -> TaskSpec:
        return TaskSpec(
            self.category, (*self.condition_groups, dict(group)), self.fields, self.limit, self.stage
        )

    def within(self, time_field: str, start: int, end: int) -> TaskSpec:
        """The task narrowed to ``time_field`` in ``[start, end)`` (Unix seconds): a day's or a split's window."""
        return self.with_group({"operator": "and", "conditions": [
            {"field": time_field, "operator": "GTE", "field_values": [str(start)]},
            {"field": time_field, "operator": "LT", "field_values": [str(end)]},
        ]})  # fmt: skip


def _bad(message: str, parameter: str) -> InvalidInputError:
    return InvalidInputError(message, parameter=parameter, api=API)


def _values(category: Category, field: str, op: str, raw: Any, where: str) -> list[str]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence) or not raw:
        raise _bad("field_values must be a non-empty list", f"{where}.field_values")
    values = []
    for k, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, str | int):
            raise _bad(f"expected a string or an integer, got {v!r}", f"{where}.field_values[{k}]")
        if category.conditions.get(field) == "numeric" and not INTEGER.fullmatch(str(v).strip()):
            raise _bad(f"{field} compares integers, got {v!r}", f"{where}.field_values[{k}]")
        values.append(str(v))
    if op in SINGLE_VALUE and len(values) != 1:
        raise _bad(f"{op} takes exactly one value, got {len(values)}", f"{where}.field_values")
    return values


def _condition(category: Category, raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad("a condition is a mapping of field, operator, field_values", where)
    if "field_name" in raw or "operation" in raw:
        raise _bad("VCE uses field/operator, not field_name/operation (the Research API's keys)", where)
    unknown = sorted(set(raw) - {"field", "operator", "field_values"})
    if unknown:
        raise _bad(
            f"unknown key(s) {unknown} (allowed: field, operator, field_values)", f"{where}.{unknown[0]}"
        )
    field, op = raw.get("field"), str(raw.get("operator") or "").upper()
    if not isinstance(field, str) or not field:
        raise _bad(f"field must be a non-empty string, got {field!r}", f"{where}.field")
    if op not in ALL_OPERATORS:
        raise _bad(
            f"{raw.get('operator')!r} is not an operator (one of {', '.join(ALL_OPERATORS)})",
            f"{where}.operator",
        )
    if category.conditions:  # a category the doc describes: its condition fields and their operators
        if field not in category.conditions:
            known = ", ".join(sorted(category.conditions))
            raise _bad(
                f"{field!r} is not a condition field of category {category.name} (known: {known})",
                f"{where}.field",
            )
        allowed = ("EQ",) if category.name in OWNER_ONLY else category.operators(field)
        if op not in allowed:
            raise _bad(
                f"{op} is not allowed on {category.name}.{field} (allowed: {', '.join(allowed)})",
                f"{where}.operator",
            )
    return {"field": field, "operator": op, "field_values": _values(category, field, op, raw.get("field_values"), where)}  # fmt: skip


def _fields(category: Category, fields: Sequence[str] | str | None) -> str:
    names = [f.strip() for f in (fields.split(",") if isinstance(fields, str) else fields or ()) if f.strip()]
    if not names:
        if not category.fields:
            raise _bad(f"fields is empty (category {category.name} lists none to default to)", "fields")
        names = list(category.fields)
    for i, name in enumerate(names):
        if category.fields and name not in category.fields:
            known = ", ".join(category.fields)
            raise _bad(
                f"{name!r} is not a field of category {category.name} (known: {known})", f"fields[{i}]"
            )
    return ",".join(dict.fromkeys(names))


def validate_task(
    category: str,
    condition_groups: Sequence[Mapping[str, Any]] | None,
    fields: Sequence[str] | str | None,
    limit: int | None,
    stage: str | None = None,
) -> TaskSpec:
    """Checked locally, so a bad task fails before any call; ``InvalidInputError.parameter`` names the key
    (``condition_groups[0].conditions[1].operator``). ``stage`` None: the limit is checked against the
    largest stage maximum only (the stand-in's or the notebook's stage decides)."""
    if category not in CATEGORIES:
        raise _bad(f"category {category!r} not in {sorted(CATEGORIES)}", "category")
    cat = CATEGORIES[category]
    if stage is not None and stage not in STAGES:
        raise _bad(f"stage {stage!r} is not one of {', '.join(STAGES)}", "stage")
    field_str = _fields(cat, fields)
    ceiling = STAGES[stage] if stage else STAGES["execution"]
    limit = ceiling.default_limit if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise _bad(f"limit must be a positive integer, got {limit!r}", "limit")
    if limit > ceiling.max_limit:
        raise _bad(f"limit {limit:,} is over the {ceiling.name} stage's maximum of {ceiling.max_limit:,} records per query", "limit")  # fmt: skip
    if isinstance(condition_groups, str | bytes) or not isinstance(condition_groups, Sequence | type(None)):
        raise _bad("condition_groups must be a list of {operator, conditions}", "condition_groups")
    groups = []
    for i, g in enumerate(condition_groups or ()):
        where = f"condition_groups[{i}]"
        if not isinstance(g, Mapping):
            raise _bad("a condition group is a mapping of operator and conditions", where)
        op = str(g.get("operator", "")).lower()
        if op not in GROUP_OPERATORS:
            raise _bad(
                f"{g.get('operator')!r} is not one of {', '.join(GROUP_OPERATORS)}", f"{where}.operator"
            )
        conditions = g.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise _bad("conditions must be a non-empty list", f"{where}.conditions")
        conds = [_condition(cat, c, f"{where}.conditions[{j}]") for j, c in enumerate(conditions)]
        groups.append({"operator": op, "conditions": conds})
    return TaskSpec(category, tuple(groups), field_str, limit, stage or ceiling.name)
