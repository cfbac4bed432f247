"""VceClient task lifecycle over a fake RQS client: poll, result, timeout → cancel, interrupt → cancel."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.vce import (
    RQSClientProtocol,
    VceClient,
    VceResultError,
    VceTaskFailedError,
    VceTimeoutError,
    parse_result,
)

GROUPS = [{"operator": "and", "conditions": [{"field": "username", "operator": "EQ", "field_values": ["a"]}]}]


class FakeRQS:
    def __init__(self, statuses: list[str], result: Any = None, interrupt_at: int | None = None) -> None:
        self.statuses = statuses
        self.result = result if result is not None else [{"id": 1}]
        self.cancelled: list[int] = []
        self.created: list[dict[str, Any]] = []
        self.polls = 0
        self.interrupt_at = interrupt_at

    def create_query_task(
        self, category: str, condition_groups: Any = None, fields: Any = None, limit: Any = None
    ) -> int:
        self.created.append(
            {"category": category, "groups": condition_groups, "fields": fields, "limit": limit}
        )
        return 42

    def check_query_task_status(self, task_id: int) -> str:
        self.polls += 1
        if self.interrupt_at is not None and self.polls >= self.interrupt_at:
            raise KeyboardInterrupt
        return self.statuses[min(self.polls - 1, len(self.statuses) - 1)]

    def cancel_query_task(self, task_id: int) -> bool:
        self.cancelled.append(task_id)
        return True

    def get_query_task_result(self, task_id: int) -> Any:
        return self.result

    def query(
        self, category: str, condition_groups: Any = None, fields: Any = None, limit: Any = None
    ) -> Any:
        return self.result


def test_protocol_and_lifecycle() -> None:
    rqs = FakeRQS(["Created", "Validating", "Processing", "Completed"])
    assert isinstance(rqs, RQSClientProtocol)
    sleeps: list[float] = []
    out = VceClient(rqs, poll_interval=0.5, sleep=sleeps.append).run("video", GROUPS, ["id", "username"], 10)
    assert out == [{"id": 1}] and rqs.polls == 4 and sleeps == [0.5] * 3
    assert rqs.created[0]["fields"] == "id,username" and not rqs.cancelled


def test_string_result_parsed() -> None:
    assert parse_result('[{"id": 12345678901234567890}]') == [{"id": 12345678901234567890}]
    rqs = FakeRQS(["Completed"], result='[{"id": 5}]')
    assert VceClient(rqs, sleep=lambda s: None).run("video", GROUPS, "id") == [{"id": 5}]


@pytest.mark.parametrize(
    "result",
    [
        [{"id": 1}, {"id": 2}],
        '[{"id": 1}, {"id": 2}]',
        b'[{"id": 1}, {"id": 2}]',
        '{"data": [{"id": 1}, {"id": 2}]}',
        ['{"id": 1}', '{"id": 2}'],  # a list of JSON strings
        '{"id": 1}\n{"id": 2}\n',  # JSON lines
    ],
    ids=["list", "json-array", "bytes", "envelope", "list-of-json", "json-lines"],
)
def test_every_documented_result_shape_reads_as_the_same_records(result: Any) -> None:
    assert parse_result(result) == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        (None, "a result of type NoneType is not a list of records"),
        ("{'id': 1}", "the result is not JSON"),  # a Python repr, not JSON
        ([1, 2], "record 0 is a int, not a mapping of fields"),
    ],
)
def test_an_unreadable_result_is_a_named_error_not_an_empty_day(result: Any, problem: str) -> None:
    with pytest.raises(VceResultError, match=problem):
        parse_result(result)
    assert parse_result("") == [] and parse_result("[]") == []  # an empty result is no records


def test_timeout_cancels() -> None:
    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    rqs = FakeRQS(["Processing"])
    with pytest.raises(VceTimeoutError):
        VceClient(rqs, poll_interval=10, timeout=60, sleep=sleep, clock=lambda: now[0]).run(
            "video", GROUPS, "id"
        )
    assert rqs.cancelled == [42]


def test_interrupt_cancels_and_reraises() -> None:
    rqs = FakeRQS(["Processing"], interrupt_at=3)
    with pytest.raises(KeyboardInterrupt):
        VceClient(rqs, sleep=lambda s: None).run("video", GROUPS, "id")
    assert rqs.cancelled == [42]


def test_failed_task_is_an_error_not_empty() -> None:
    with pytest.raises(VceTaskFailedError, match="AnalysisFailed"):
        VceClient(FakeRQS(["Validating", "AnalysisFailed"]), sleep=lambda s: None).run("video", GROUPS, "id")


def test_bad_task_fails_before_any_call() -> None:
    rqs = FakeRQS(["Completed"])
    c = VceClient(rqs, sleep=lambda s: None)
    with pytest.raises(InvalidInputError, match="category"):
        c.run("videos", GROUPS, "id")
    with pytest.raises(InvalidInputError, match="fields"):
        c.run("video", GROUPS, "id,nope")
    with pytest.raises(InvalidInputError, match="field_name"):
        c.run(
            "video",
            [
                {
                    "operator": "and",
                    "conditions": [{"field_name": "x", "operation": "EQ", "field_values": ["a"]}],
                }
            ],
            "id",
        )
    with pytest.raises(InvalidInputError, match="operator"):
        c.run("video", [{"operator": "xor", "conditions": []}], "id")
    assert rqs.created == []
