"""VCE over the sandbox's RQS stand-in (HTTP): a task runs to completion; its records match the other APIs'
view of the same world; cancel on timeout reaches the service; bad tasks fail before any call."""

from __future__ import annotations

from typing import Any

import pytest
from tests_clients_support import subjects

from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.clients.vce import RQSClientProtocol, VceClient, VceTimeoutError, make_rqs

S = subjects()


def groups(username: str) -> list[dict[str, Any]]:
    return [
        {
            "operator": "and",
            "conditions": [{"field": "username", "operator": "EQ", "field_values": [username]}],
        }
    ]


def test_task_result_equals_truth(sandbox: Any) -> None:
    rqs = make_rqs(sandbox.vce_url)  # pyrqs is absent here: the sandbox stand-in, by module name
    assert isinstance(rqs, RQSClientProtocol)
    client = VceClient(rqs, poll_interval=0.0)
    rows = client.run("video", groups(S.account), ["id", "username", "create_time"], limit=1000)
    ids = [str(r["id"]) for r in rows]
    assert rows and all(r["username"] == S.account for r in rows)
    assert len(ids) == len(set(ids))
    # The same account's posts through EnsembleData's truth: the same world, the same videos.
    expected = sandbox.truth("ensembledata", "tt/user/posts", {"username": S.account, "depth": 1})
    assert set(ids) == set(expected)
    assert rows[0].keys() == {"id", "username", "create_time"}


def test_timeout_cancels_on_the_service(sandbox: Any) -> None:
    rqs = make_rqs(sandbox.vce_url)
    ticks = iter(range(0, 10_000, 100))  # each clock read jumps 100 s: the deadline passes at once
    client = VceClient(
        rqs, poll_interval=0.0, timeout=50, clock=lambda: float(next(ticks)), sleep=lambda s: None
    )
    with pytest.raises(VceTimeoutError, match="cancelled"):
        client.run("video", groups(S.account), "id", limit=10)
    assert client.last_task_id is not None
    assert rqs.check_query_task_status(client.last_task_id) == "Cancelled"


def test_bad_task_sends_nothing(sandbox: Any) -> None:
    client = VceClient(make_rqs(sandbox.vce_url), poll_interval=0.0)
    with pytest.raises(InvalidInputError, match="fields"):
        client.run("video", groups(S.account), "id,not_a_field")
    assert client.calls == 0
