"""The VCE part of monitoring.yaml: ``vce_queries``, named query tasks, each one asset partitioned by day.

    vce_queries:
      <name>:
        description: ...            # optional
        category: video | comment   # the categories a day can partition (they have create_time)
        stage: test | execution     # the VCE stage the tasks run in: its limits apply
        limit: 1000                 # records per task (one task per day); default: the stage's default
        fields: [id, create_time, …]  # default: every field of the category; must include id, create_time
        condition_groups:           # ANDed; each group and | or | not over its conditions
          - operator: or
            conditions:
              - {field: hashtag_names, operator: CONTAINS, field_values: [cat]}
              - {field: video_description, operator: LIKE, field_values: ["%cat%"]}

The rules are the client's (``clients.vce_query.validate_task``), so the file and the calls agree; an error
names the key (``vce_queries.cats.condition_groups[0].conditions[1].operator: LIKE is not allowed on
video.region_code (allowed: EQ, IN)``). ``create_time`` is filled from each partition's day, so a query may not
set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.vce_query import TaskSpec, validate_task
from tiktok_assets.config.validation import NAME, Validator
from tiktok_assets.endpoints.vce import BY_CATEGORY, CATEGORIES, STAGES

QUERY_KEYS = ("description", "category", "stage", "limit", "fields", "condition_groups")


@dataclass(frozen=True)
class VceQuery:
    """A named VCE query: ``spec`` is the task without its time window (each partition adds its day)."""

    name: str
    description: str
    spec: TaskSpec

    @property
    def category(self) -> str:
        return self.spec.category

    @property
    def stage(self) -> str:
        return self.spec.stage


def build_vce_query(v: Validator, name: str, raw: Any) -> VceQuery:
    key = f"vce_queries.{name}"
    if not NAME.match(str(name)):
        raise v.fail(key, "a query name is lower-case letters, digits and _ (it becomes an asset key)")
    spec = v.mapping(raw, key, QUERY_KEYS, ("category", "stage", "condition_groups"))
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise v.fail(f"{key}.description", "expected a string")
    category = spec["category"]
    if category not in BY_CATEGORY:
        what = (
            "is not a VCE category"
            if category not in CATEGORIES
            else "has no create_time to partition by day"
        )
        raise v.fail(f"{key}.category", f"{category!r} {what} (VCE query assets: {', '.join(BY_CATEGORY)})")
    if spec["stage"] not in STAGES:
        raise v.fail(f"{key}.stage", f"{spec['stage']!r} is not one of {', '.join(STAGES)}")
    fields = spec.get("fields")
    if fields is not None and (not isinstance(fields, list) or not fields):
        raise v.fail(f"{key}.fields", "expected a non-empty list of field names")
    try:
        task = validate_task(category, spec["condition_groups"], fields, spec.get("limit"), spec["stage"])
    except InvalidInputError as exc:
        where = exc.parameter or "(query)"
        problem = str(exc).removeprefix("vce: ").removesuffix(f" (parameter: {where})")
        raise v.fail(f"{key}.{where}", problem) from None
    _check_time_and_key(v, key, task, spec)
    if not task.condition_groups:
        raise v.fail(f"{key}.condition_groups", "at least one condition group is needed")
    if not description:
        description = f"VCE {category} query `{name}` ({task.stage} stage)."
    return VceQuery(name=str(name), description=description, spec=task)


def _check_time_and_key(v: Validator, key: str, task: TaskSpec, raw: Mapping[str, Any]) -> None:
    category = CATEGORIES[task.category]
    for i, group in enumerate(task.condition_groups):
        for j, cond in enumerate(group["conditions"]):
            if cond["field"] == category.time_field:
                raise v.fail(
                    f"{key}.condition_groups[{i}].conditions[{j}].field",
                    f"{category.time_field} is filled from each partition's day; remove this condition",
                )
    selected = task.fields.split(",")
    for needed, why in ((category.key, "the row key"), (category.time_field, "the partition's day")):
        if needed not in selected:
            raise v.fail(f"{key}.fields", f"must include {needed} ({why})")
