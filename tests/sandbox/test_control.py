"""The /_sandbox control surface: clock, faults, limits, stats, truth; and the other mounts."""

from __future__ import annotations

from typing import Any

import httpx

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

WORLD = World(7, "small")
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused).username


def test_clock_fixed_set_and_advanced(sandbox: Any) -> None:
    assert sandbox.clock() == {"now": "2026-06-15T12:00:00Z", "fixed": True}
    assert sandbox.clock()["now"] == "2026-06-15T12:00:00Z"  # a fixed clock stays fixed
    assert sandbox.advance(90)["now"] == "2026-06-15T12:01:30Z"
    assert sandbox.set_clock(now="2026-07-01T00:00:00Z")["now"] == "2026-07-01T00:00:00Z"
    assert sandbox.set_clock(now="2026-07-01T00:00:00+02:00")["now"] == "2026-06-30T22:00:00Z"


def test_real_time_clock_by_default(sandbox_factory: Any) -> None:
    sb = sandbox_factory(now=None)
    c = sb.clock()
    assert c["fixed"] is False and c["now"] > "2026-01-01"


def test_stats_count_requests_records_and_statuses(research: ResearchRaw) -> None:
    research.data("user/info/", {"username": USER})
    research.post("user/info/", {"username": "nobody_here_123"})
    research.data("user/followers/", {"username": USER, "max_count": 100})
    s = research.handle.stats()
    info = s["requests"]["research /v2/research/user/info/"]
    assert info == {"200": 1, "400": 1}
    assert s["requests"]["research /v2/oauth/token/"] == {"200": 1}
    assert s["records"]["research /v2/research/user/info/"] == 1
    assert s["quota"]["research"]["2026-06-15"]["follow"]["requests"] == 1
    assert s["requests_total"] == 4


def test_truth_endpoint_errors(sandbox: Any) -> None:
    r = httpx.post(
        f"{sandbox.base_url}/_sandbox/truth/research/user/followers/", json={"username": "nobody_x"}
    )
    assert r.status_code == 400 and "cannot find the user" in r.json()["error"]
    r = httpx.post(f"{sandbox.base_url}/_sandbox/truth/research/video/nothing/", json={})
    assert r.status_code == 404
    r = httpx.post(f"{sandbox.base_url}/_sandbox/truth/research/user/info/", json={"username": USER})
    assert r.json() == {"keys": [USER], "count": 1}


def test_limits_can_change_at_runtime(research: ResearchRaw) -> None:
    research.handle.set_limits(per_minute=1)
    assert research.post("user/info/", {"username": USER}).status_code == 200
    assert research.post("user/info/", {"username": USER}).status_code == 429


def test_unknown_paths(sandbox: Any) -> None:
    assert httpx.get(f"{sandbox.base_url}/nothing").status_code == 404
    assert httpx.get(f"{sandbox.base_url}/_sandbox/nothing").status_code == 404
    assert httpx.get(f"{sandbox.base_url}/_sandbox/health").json()["ok"] is True


def test_ensembledata_gate(sandbox: Any) -> None:
    url = f"{sandbox.ensembledata_url}/tt/user/info"
    r = httpx.get(url, params={"username": USER, "token": "wrong"})
    assert r.status_code == 491 and "detail" in r.json()
    r = httpx.get(url, params={"username": USER, "token": "sandbox-token"})
    assert r.status_code == 200 and int(r.headers["units_charged"]) >= 1
    r2 = httpx.get(
        f"{sandbox.base_url}/apis//tt/user/info", params={"username": USER, "token": "sandbox-token"}
    )
    assert r2.status_code == 200 and r2.content == r.content  # the Node client's double slash
    s = sandbox.stats()
    assert s["units_total"] >= 2
    assert sum(s["requests"]["ensembledata /tt/user/info"].values()) == 3


def test_ensembledata_daily_units_495_and_reset(sandbox_factory: Any) -> None:
    sb = sandbox_factory(ed_daily_units=2)
    params = {"username": USER, "token": "sandbox-token"}
    url = f"{sb.ensembledata_url}/tt/user/info"
    codes = [httpx.get(url, params=params).status_code for _ in range(3)]
    assert codes == [200, 200, 495]
    sb.advance(12 * 3600 + 1)  # past UTC midnight of the sandbox clock
    assert httpx.get(url, params=params).status_code == 200


def test_vce_is_mounted(sandbox: Any) -> None:
    r = httpx.get(f"{sandbox.vce_url}/tasks/1")
    assert r.status_code in (404, 501)
    assert r.headers["content-type"].startswith("application/json")
