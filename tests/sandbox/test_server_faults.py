"""Every fault kind over real sockets, and their determinism given the seed."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

WORLD = World(7, "small")
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused).username
QUERY = {
    "query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "BR"]}]},
    "start_date": "20260501",
    "end_date": "20260510",
    "max_count": 10,
}


def test_internal_error_still_costs_quota(research: ResearchRaw) -> None:
    research.token  # noqa: B018 - fetch the token before faults are on
    research.handle.set_faults({"internal_error": 1.0})
    r = research.post("video/query/", QUERY, "id")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    stats = research.handle.stats()
    assert stats["quota"]["research"]["2026-06-15"]["video"]["requests"] == 1
    assert stats["faults"]["internal_error"] == 1


def test_gateway_timeout_is_html(research: ResearchRaw) -> None:
    research.token  # noqa: B018
    research.handle.set_faults({"gateway_timeout_html": 1.0})
    r = research.post("user/info/", {"username": USER})
    assert r.status_code == 504 and r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().startswith("<html")


def test_invalid_cursor_only_on_pages_with_a_cursor_and_retry_succeeds(research: ResearchRaw) -> None:
    first = research.data("video/query/", QUERY, "id")
    research.handle.set_faults({"invalid_cursor": 1.0})
    assert research.post("video/query/", QUERY, "id").status_code == 200  # no cursor: unaffected
    nxt = dict(QUERY, cursor=first["cursor"], search_id=first["search_id"])
    r = research.post("video/query/", nxt, "id")
    assert r.status_code == 400 and r.json()["error"] == {
        **r.json()["error"],
        "code": "invalid_params",
        "message": "Invalid count or cursor",
    }
    research.handle.set_faults({})
    assert research.data("video/query/", nxt, "id")["cursor"] == 2 * first["cursor"]


def test_search_id_lag_is_a_duration(research: ResearchRaw) -> None:
    research.handle.set_faults({"search_id_lag": 0.4})
    first = research.data("video/query/", QUERY, "id")
    nxt = dict(QUERY, cursor=first["cursor"], search_id=first["search_id"])
    r = research.post("video/query/", nxt, "id")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == f"Search Id {first['search_id']} is invalid or expired"
    time.sleep(0.5)
    assert research.post("video/query/", nxt, "id").status_code == 200


def test_rate_limit_fault(research: ResearchRaw) -> None:
    research.token  # noqa: B018
    research.handle.set_faults({"rate_limit": 1.0})
    r = research.post("user/info/", {"username": USER})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit_exceeded"


def test_connection_reset(research: ResearchRaw) -> None:
    research.token  # noqa: B018
    research.handle.set_faults({"connection_reset": 1.0})
    with pytest.raises(httpx.TransportError):
        research.post("user/info/", {"username": USER})
    research.handle.set_faults({})
    assert research.post("user/info/", {"username": USER}).status_code == 200  # the client reconnects


def test_truncated_body(research: ResearchRaw) -> None:
    research.token  # noqa: B018
    research.handle.set_faults({"truncated_body": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        research.post("video/query/", QUERY, "id")
    assert research.handle.stats()["faults"]["truncated_body"] == 1


def test_latency_is_added_without_changing_answers(research: ResearchRaw) -> None:
    plain = research.post("user/info/", {"username": USER}).json()["data"]
    research.handle.set_faults({"latency_ms": 30})
    assert research.post("user/info/", {"username": USER}).json()["data"] == plain


def test_faults_apply_to_ensembledata_too(sandbox: Any) -> None:
    sandbox.set_faults({"rate_limit": 1.0})
    r = httpx.get(
        f"{sandbox.ensembledata_url}/tt/user/info", params={"username": USER, "token": "sandbox-token"}
    )
    assert r.status_code == 429 and "detail" in r.json()


def test_unknown_fault_kind_is_refused(sandbox: Any) -> None:
    with pytest.raises(RuntimeError):
        sandbox.set_faults({"meteor_strike": 1.0})


def _statuses(sb: Any) -> list[Any]:
    raw = ResearchRaw(sb)
    raw.token  # noqa: B018
    out: list[Any] = []
    for _ in range(40):
        try:
            out.append(raw.post("user/info/", {"username": USER}).status_code)
        except httpx.TransportError:
            out.append("transport")
    raw.close()
    return out


def test_faults_are_deterministic_given_the_seed(sandbox_factory: Any) -> None:
    faults = {"internal_error": 0.2, "rate_limit": 0.1, "connection_reset": 0.1}
    a = _statuses(sandbox_factory(faults=faults))
    b = _statuses(sandbox_factory(faults=faults))
    c = _statuses(sandbox_factory(seed=8, faults=faults))
    assert a == b
    assert {500, 429, 200, "transport"} <= set(a)
    assert a != c


def test_internal_error_as_400(research: ResearchRaw) -> None:
    research.token  # noqa: B018
    research.handle.set_faults({"internal_error_400": 1.0})
    r = research.post("user/info/", {"username": USER})
    assert r.status_code == 400
    assert r.json()["error"] == {
        **r.json()["error"],
        "code": "invalid_params",
        "message": "Something went wrong. Please try again later.",
    }


def test_internal_errors_are_likelier_for_long_date_ranges(sandbox_factory: Any) -> None:
    def failures(start: str, end: str) -> int:
        raw = ResearchRaw(sandbox_factory(faults={"internal_error": 0.3}))
        b = dict(QUERY, start_date=start, end_date=end)
        n = sum(raw.post("video/query/", b, "id").status_code == 500 for _ in range(80))
        raw.close()
        return n

    assert failures("20260501", "20260530") > failures("20260501", "20260501")
