"""The sandbox's /vce endpoints like the other APIs': numbered requests that take part in fault injection,
counted per route in /_sandbox/stats (tasks by status too), ground truth, and the two protocol features a
lost reply needs (an idempotent create, a paged result)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.vce.rqs_client import RQSClient, RQSError

GROUPS = [{"operator": "and", "conditions": [
    {"field": "create_time", "operator": "GTE", "field_values": ["1780272000"]},   # 2026-06-01
    {"field": "create_time", "operator": "LT", "field_values": ["1780358400"]},    # 2026-06-02
]}]  # fmt: skip
TASK = {"category": "video", "condition_groups": GROUPS, "fields": "id,create_time", "stage": "execution"}


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def http(sb: SandboxHandle) -> Iterator[httpx.Client]:
    sb.set_faults({})
    with httpx.Client(base_url=sb.vce_url, timeout=10) as client:
        yield client
    sb.set_faults({})


def run_to_end(http: httpx.Client, task_id: int) -> list[str]:
    return [http.get(f"/tasks/{task_id}").json()["status"] for _ in range(4)]


def test_requests_are_counted_per_route_with_records_and_tasks_by_status(
    sb: SandboxHandle, http: httpx.Client
) -> None:
    before = sb.stats()
    task_id = http.post("/tasks", json=TASK).json()["task_id"]
    assert run_to_end(http, task_id)[-1] == "Completed"
    page = http.get(f"/tasks/{task_id}/result").json()
    cancelled = http.post("/tasks", json=TASK).json()["task_id"]
    assert http.post(f"/tasks/{cancelled}/cancel").json()["success"] is True
    after = sb.stats()

    def grew(route: str) -> int:
        return sum(after["requests"].get(route, {}).values()) - sum(
            before["requests"].get(route, {}).values()
        )

    assert grew("vce POST /tasks") == 2 and grew("vce GET /tasks/{id}") == 4
    assert grew("vce GET /tasks/{id}/result") == 1 and grew("vce POST /tasks/{id}/cancel") == 1
    assert not any(str(task_id) in route for route in after["requests"])  # bounded keys, not one per task
    records = after["records"]["vce GET /tasks/{id}/result"] - before["records"].get(
        "vce GET /tasks/{id}/result", 0
    )
    assert records == page["count"] > 0
    tasks = after["vce_tasks"]
    assert tasks["tasks"] - before["vce_tasks"]["tasks"] == 2
    assert tasks["by_status"]["Cancelled"] >= 1 and tasks["by_status"]["Completed"] >= 1
    assert sum(tasks["records"].values()) >= page["count"]


@pytest.mark.parametrize(
    ("fault", "status", "content_type"),
    [("internal_error", 500, "application/json"), ("rate_limit", 429, "application/json"),
     ("gateway_timeout_html", 504, "text/html")],
)  # fmt: skip
def test_faults_are_answered_before_the_service_acts(
    sb: SandboxHandle, http: httpx.Client, fault: str, status: int, content_type: str
) -> None:
    task_id = http.post("/tasks", json=TASK).json()["task_id"]
    tasks_before = sb.stats()["vce_tasks"]["tasks"]
    sb.set_faults({fault: 1.0})
    created = http.post("/tasks", json=TASK)
    polled = http.get(f"/tasks/{task_id}")
    sb.set_faults({})
    assert created.status_code == polled.status_code == status
    assert created.headers["content-type"].startswith(content_type)
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before  # the refused create made no task
    assert http.get(f"/tasks/{task_id}").json()["status"] == "Created"  # the refused poll moved nothing
    assert sb.stats()["faults"][fault] >= 2


def test_a_reset_connection(sb: SandboxHandle, http: httpx.Client) -> None:
    sb.set_faults({"connection_reset": 1.0})
    with pytest.raises(httpx.TransportError):
        http.post("/tasks", json=TASK)
    sb.set_faults({})
    assert sb.stats()["requests"]["vce POST /tasks"].get("reset", 0) >= 1


def test_a_create_resent_with_its_idempotency_key_is_the_same_task(
    sb: SandboxHandle, http: httpx.Client
) -> None:
    tasks_before = sb.stats()["vce_tasks"]["tasks"]
    sb.set_faults({"truncated_body": 1.0})
    with pytest.raises(httpx.TransportError):  # served, but the reply never arrived whole
        http.post("/tasks", json=TASK, headers={"Idempotency-Key": "k-1"})
    sb.set_faults({})
    again = http.post("/tasks", json=TASK, headers={"Idempotency-Key": "k-1"}).json()
    other = http.post("/tasks", json=TASK, headers={"Idempotency-Key": "k-2"}).json()
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before + 2
    assert other["task_id"] == again["task_id"] + 1


def test_the_stand_in_survives_lost_create_replies_without_a_second_task(sb: SandboxHandle) -> None:
    tasks_before = sb.stats()["vce_tasks"]["tasks"]
    sb.set_faults({"truncated_body": 0.5, "connection_reset": 0.2})
    with RQSClient(sb.vce_url, stage="execution", attempts=12, retry_wait=0.001) as rqs:
        ids = [rqs.create_query_task(**{k: v for k, v in TASK.items() if k != "stage"}) for _ in range(6)]
    sb.set_faults({})
    assert len(set(ids)) == 6
    assert sb.stats()["vce_tasks"]["tasks"] == tasks_before + 6


def test_results_come_in_pages(sb: SandboxHandle, http: httpx.Client) -> None:
    task_id = http.post("/tasks", json=TASK).json()["task_id"]
    run_to_end(http, task_id)
    whole = http.get(f"/tasks/{task_id}/result").json()
    first = http.get(f"/tasks/{task_id}/result", params={"offset": 0, "count": 10}).json()
    assert first["count"] == whole["count"] > 10 and first["next_offset"] == 10
    pages: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        page = http.get(f"/tasks/{task_id}/result", params={"offset": offset, "count": 7}).json()
        pages += page["result"]
        offset = page["next_offset"]
    assert pages == whole["result"]
    assert http.get(f"/tasks/{task_id}/result", params={"count": 0}).status_code == 400
    with RQSClient(sb.vce_url, page_size=7) as rqs:  # the stand-in reads every page in one pyrqs call
        assert rqs.get_query_task_result(task_id) == whole["result"]


def test_truth_is_what_an_execution_task_returns(sb: SandboxHandle, http: httpx.Client) -> None:
    task_id = http.post("/tasks", json={**TASK, "fields": "id"}).json()["task_id"]
    run_to_end(http, task_id)
    returned = [str(r["id"]) for r in http.get(f"/tasks/{task_id}/result").json()["result"]]
    assert sb.truth("vce", "video", {"condition_groups": GROUPS}) == returned
    assert sb.truth("vce", "video", {"condition_groups": GROUPS, "limit": 3}) == returned[:3]
    with pytest.raises(RuntimeError, match="400"):
        sb.truth("vce", "video", {"condition_groups": [{"operator": "and", "conditions": [
            {"field": "nope", "operator": "EQ", "field_values": ["x"]}]}]})  # fmt: skip


def test_unknown_task_is_a_404_through_the_stand_in(sb: SandboxHandle) -> None:
    with RQSClient(sb.vce_url) as rqs, pytest.raises(RQSError) as err:
        rqs.check_query_task_status(1)
    assert err.value.status_code == 404
