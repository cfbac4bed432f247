"""monitoring.yaml's ``vce_queries``: the shipped queries load and exercise the language; a bad query fails at
load with the offending key named (bad operator for a field, a field the category does not have, a limit over
the stage's maximum, …) and the same rules hold for a task built by hand."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from tiktok_assets import config
from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.vce_query import validate_task
from tiktok_assets.config import MonitoringConfigError, load_monitoring, parse_monitoring

TODAY = date(2026, 6, 15)
QUERY: dict[str, Any] = {
    "category": "video",
    "stage": "execution",
    "limit": 500,
    "fields": ["id", "create_time", "region_code", "hashtag_names"],
    "condition_groups": [
        {"operator": "or", "conditions": [
            {"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["cat"]},
            {"field": "video_description", "operator": "like", "field_values": ["%cat%"]},
        ]},
        {"operator": "NOT", "conditions": [{"field": "like_count", "operator": "lt", "field_values": [10]}]},
    ],
}  # fmt: skip
BASE = {"date_range": {"start": "2026-01-01"}, "queries": {"a": {"from": "accounts"}}, "accounts": ["alice"]}


def parse(query: dict[str, Any], name: str = "cats") -> Any:
    return parse_monitoring({**BASE, "vce_queries": {name: query}}, today=TODAY)


def test_shipped_queries_exercise_like_contains_and_several_groups() -> None:
    m = load_monitoring(config.DEFAULT_PATH)
    assert len(m.vce_queries) >= 2
    operators = {
        c["operator"] for q in m.vce_queries for g in q.spec.condition_groups for c in g["conditions"]
    }
    assert {"LIKE", "CONTAINS"} <= operators
    assert all(len(q.spec.condition_groups) >= 2 for q in m.vce_queries)
    assert {q.stage for q in m.vce_queries} == {"test", "execution"}
    for q in m.vce_queries:
        fields = q.spec.fields.split(",")
        assert "id" in fields and "create_time" in fields


def test_a_good_query_is_normalized() -> None:
    (q,) = parse(QUERY).vce_queries
    assert q.name == "cats" and q.category == "video" and q.stage == "execution" and q.spec.limit == 500
    assert [g["operator"] for g in q.spec.condition_groups] == ["or", "not"]
    assert q.spec.condition_groups[0]["conditions"][1]["operator"] == "LIKE"  # case-insensitive, normalized
    assert q.spec.condition_groups[1]["conditions"][0]["field_values"] == ["10"]  # YAML ints become strings
    assert q.spec.fields == "id,create_time,region_code,hashtag_names"


def test_limit_defaults_to_the_stage_default_and_fields_to_every_field() -> None:
    raw = {k: v for k, v in QUERY.items() if k not in ("limit", "fields")}
    (q,) = parse({**raw, "stage": "test"}).vce_queries
    assert q.spec.limit == 100 and "video_tags" in q.spec.fields.split(",")


def _with(path: str, value: Any) -> dict[str, Any]:
    query = copy.deepcopy(QUERY)
    target: Any = query
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is None:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return query


@pytest.mark.parametrize(
    ("query", "key", "problem"),
    [
        (_with("condition_groups.0.conditions.1.operator", "CONTAINS"),
         "vce_queries.cats.condition_groups[0].conditions[1].operator",
         "CONTAINS is not allowed on video.video_description (allowed: EQ, IN, LIKE)"),
        (_with("condition_groups.1.conditions.0.operator", "LIKE"),
         "vce_queries.cats.condition_groups[1].conditions[0].operator", "LIKE is not allowed on video.like_count"),
        (_with("condition_groups.0.conditions.0.field", "hashtags"),
         "vce_queries.cats.condition_groups[0].conditions[0].field",
         "'hashtags' is not a condition field of category video"),
        (_with("fields", ["id", "create_time", "likes"]), "vce_queries.cats.fields[2]",
         "'likes' is not a field of category video"),
        (_with("limit", 100_001), "vce_queries.cats.limit",
         "limit 100,001 is over the execution stage's maximum of 100,000 records per query"),
        ({**_with("limit", 5_001), "stage": "test"}, "vce_queries.cats.limit",
         "over the test stage's maximum of 5,000"),
        (_with("stage", "prod"), "vce_queries.cats.stage", "'prod' is not one of test, execution"),
        (_with("stage", None), "vce_queries.cats.stage", "required key is missing"),
        (_with("category", "profile"), "vce_queries.cats.category", "has no create_time to partition by day"),
        (_with("category", "tweets"), "vce_queries.cats.category", "is not a VCE category"),
        (_with("condition_groups.0.operator", "xor"), "vce_queries.cats.condition_groups[0].operator",
         "'xor' is not one of and, or, not"),
        (_with("condition_groups.1.conditions.0.field_values", ["ten"]),
         "vce_queries.cats.condition_groups[1].conditions[0].field_values[0]", "like_count compares integers"),
        (_with("condition_groups.1.conditions.0.field_values", ["--5"]),
         "vce_queries.cats.condition_groups[1].conditions[0].field_values[0]", "like_count compares integers"),
        (_with("condition_groups.1.conditions.0.field_values", ["\u00b2"]),  # a digit to str.isdigit, not to int()
         "vce_queries.cats.condition_groups[1].conditions[0].field_values[0]", "like_count compares integers"),
        (_with("condition_groups.0.conditions.0.field", ["region_code"]),
         "vce_queries.cats.condition_groups[0].conditions[0].field", "field must be a non-empty string"),
        (_with("condition_groups.1.conditions.0.field_values", [1, 2]),
         "vce_queries.cats.condition_groups[1].conditions[0].field_values", "LT takes exactly one value"),
        (_with("condition_groups.0.conditions.0", {"field_name": "x", "operation": "EQ", "field_values": ["a"]}),
         "vce_queries.cats.condition_groups[0].conditions[0]", "VCE uses field/operator"),
        (_with("condition_groups.1.conditions.0", {"field": "create_time", "operator": "GT", "field_values": ["1"]}),
         "vce_queries.cats.condition_groups[1].conditions[0].field", "create_time is filled from each partition"),
        (_with("fields", ["create_time", "region_code"]), "vce_queries.cats.fields", "must include id"),
        (_with("condition_groups", []), "vce_queries.cats.condition_groups", "at least one condition group"),
        (_with("fileds", ["id"]), "vce_queries.cats.fileds", "unknown key"),
    ],
)  # fmt: skip
def test_a_bad_query_names_its_key(query: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(MonitoringConfigError) as err:
        parse(query)
    assert err.value.key == key
    assert problem in err.value.problem


def test_a_bad_name_and_a_bad_section() -> None:
    with pytest.raises(MonitoringConfigError, match="vce_queries.Cats!"):
        parse(QUERY, name="Cats!")
    with pytest.raises(MonitoringConfigError) as err:
        parse_monitoring({**BASE, "vce_queries": ["cats"]}, today=TODAY)
    assert err.value.key == "vce_queries"


def test_the_client_applies_the_same_rules_before_any_call() -> None:
    with pytest.raises(InvalidInputError) as err:
        validate_task("video", [{"operator": "and", "conditions": [
            {"field": "region_code", "operator": "LIKE", "field_values": ["U%"]}]}], "id", 10, "execution")  # fmt: skip
    assert err.value.parameter == "condition_groups[0].conditions[0].operator"
    # The per-user categories take username EQ only (doc).
    with pytest.raises(InvalidInputError, match="IN is not allowed on followers_list.username"):
        validate_task("followers_list", [{"operator": "and", "conditions": [
            {"field": "username", "operator": "IN", "field_values": ["a", "b"]}]}], None, None)  # fmt: skip
    spec = validate_task("followers_list", [{"operator": "and", "conditions": [
        {"field": "username", "operator": "eq", "field_values": ["a"]}]}], None, None)  # fmt: skip
    assert spec.fields == "display_name,username" and spec.limit == 1_000 and spec.stage == "execution"
    assert spec.fingerprint() == validate_task("followers_list", [{"operator": "AND", "conditions": [
        {"field": "username", "operator": "EQ", "field_values": ["a"]}]}], None, 1_000).fingerprint()  # fmt: skip
