"""The production path: when ``pyrqs`` is importable (inside a VCE) the client uses it, with no arguments, and
calls only the documented methods. pyrqs is not public, so a package of that name is put on the path for this
test: its ``rqs.RQSClient()`` records each call and forwards it to the sandbox (what pyrqs' own wire protocol
would do). The stand-in's idempotency and paging are not involved: only pyrqs' surface is."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.clients.vce import VceClient, has_pyrqs, make_rqs
from tiktok_assets.clients.vce_batch import Job, StageBudget, run_batch
from tiktok_assets.clients.vce_query import validate_task
from tiktok_assets.defs.vce.resources import VceResource
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

PYRQS = textwrap.dedent(
    """
    import os
    from tiktok_assets.sandbox.vce.rqs_client import RQSClient as _Wire

    CALLS = []

    class RQSClient:
        def __init__(self):  # inside a VCE: no arguments
            self._wire = _Wire(os.environ["PYRQS_TEST_URL"], stage="execution")

        def __getattr__(self, name):
            method = getattr(self._wire, name)

            def call(*args, **kwargs):
                CALLS.append(name)
                return method(*args, **kwargs)

            return call
    """
)


@pytest.fixture
def pyrqs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxHandle]:
    package = tmp_path / "site" / "pyrqs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "rqs.py").write_text(PYRQS)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with running_sandbox() as sb:
        monkeypatch.setenv("PYRQS_TEST_URL", sb.vce_url)
        yield sb
    for name in ("pyrqs", "pyrqs.rqs"):
        sys.modules.pop(name, None)


def test_inside_a_vce_pyrqs_is_used_with_its_documented_calls_only(
    pyrqs: SandboxHandle, tmp_path: Path
) -> None:
    assert has_pyrqs()
    rqs = make_rqs("http://not-used.invalid", stage="test")  # neither reaches pyrqs
    assert type(rqs).__module__ == "pyrqs.rqs"
    poll = VceResource().poll()
    assert (poll.initial, poll.maximum) == (5.0, 60.0)  # minutes-long tasks are not hammered
    groups = [{"operator": "and", "conditions": [
        {"field": "create_time", "operator": "GTE", "field_values": ["1780272000"]},
        {"field": "create_time", "operator": "LT", "field_values": ["1780358400"]}]}]  # fmt: skip
    spec = validate_task("video", groups, "id,create_time", 1000, "execution")
    done = []

    class Events:
        def created(self, job: Job, task_id: int, day: date) -> None: ...

        def charged(self, job: Job, task_id: int, records: int) -> None: ...

        def resumed(self, job: Job, task_id: int, status: str) -> None: ...

        def completed(self, outcome):  # type: ignore[no-untyped-def]
            done.append(outcome)
            return ()

    client = VceClient(rqs, poll=VceResource(poll_initial_seconds=0.01).poll())
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
    run_batch(client, [Job("d", spec)], Events(), StageBudget("execution", ledger, lambda: datetime.now(UTC)))
    (outcome,) = done
    assert {str(r["id"]) for r in outcome.records} == set(
        pyrqs.truth("vce", "video", {"condition_groups": groups})
    )
    calls = sys.modules["pyrqs.rqs"].CALLS
    assert set(calls) == {"create_query_task", "check_query_task_status", "get_query_task_result"}
    assert calls.count("create_query_task") == 1 and calls.count("get_query_task_result") == 1


def test_without_pyrqs_the_sandbox_stand_in_polls_briskly() -> None:
    assert not has_pyrqs()
    poll = VceResource().poll()
    assert (poll.initial, poll.maximum) == (0.2, 2.0)
    assert VceResource(poll_initial_seconds=3.0, poll_max_seconds=30.0).poll().maximum == 30.0
