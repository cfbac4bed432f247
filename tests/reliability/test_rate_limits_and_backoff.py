"""Issue 16.4 and 16.5: 429s classified by the API's answer, and backoff as a named, bounded policy.

- Ordinary rate limiting among other faults is waited out: it no longer adds up, across the attempts of one
  request, to a false "daily quota exhausted" (which made the resume wait for UTC midnight).
- The daily quota's own 429 (``daily_quota_limit_exceeded``) stops at once, and the ledger is reconciled so
  no process sharing it sends another request that day.
- ``Retry-After`` is honoured where a server sends it (the sandbox follows the APIs, which document none: a
  loopback server sends it here).
- Waits start short and grow, and their total per request is bounded; a fault run of an EnsembleData listing
  finishes (it used to wait a fixed minute per 429) and, at 20% of every fault kind, no longer gives up on its
  first page.
"""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from chaos import every_fault

from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.errors import QuotaExhaustedError
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.sandbox.testing import running_sandbox

pytestmark = pytest.mark.reliability

QUERY = {"and": [{"operation": "IN", "field_name": "hashtag_name", "field_values": ["cat", "cats", "dog"]}]}
START, END = "20260514", "20260612"


def recording(policy: RetryPolicy) -> tuple[RetryPolicy, list[float]]:
    """The policy, sleeping for real, with every wait recorded."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    return policy.with_sleep(sleep), waits


def test_rate_limits_among_other_faults_are_waited_out_not_called_the_daily_quota() -> None:
    with running_sandbox(faults={"rate_limit": 0.5, "internal_error": 0.3}, per_minute=1_000_000) as sandbox:
        policy, waits = recording(RetryPolicy.named("sandbox"))
        client = ResearchClient(
            sandbox.client_key, sandbox.client_secret, sandbox.research_url, policy=policy
        )
        ids = [v["id"] for p in client.iter_videos(QUERY, START, END) for v in p.records]
        body = {"query": QUERY, "start_date": START, "end_date": END}
        assert sorted(ids) == sorted(int(k) for k in sandbox.truth("research", "video/query/", body))
        assert client.stats.rate_limit_waits > 3  # more than the old threshold, and no QuotaExhaustedError
        assert sandbox.stats()["faults"]["rate_limit"] == client.stats.rate_limit_waits
        client.close()


def test_the_daily_quota_429_stops_at_once_and_reconciles_the_ledger(tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
    with running_sandbox(research_daily_requests=2, per_minute=1_000_000) as sandbox:
        # Another client of the same research project (no shared ledger) spent the day first.
        other = ResearchClient(sandbox.client_key, sandbox.client_secret, sandbox.research_url)
        list(itertools.islice(other.iter_videos(QUERY, START, END, max_count=1), 2))
        client = ResearchClient(sandbox.client_key, sandbox.client_secret, sandbox.research_url, ledger=ledger,
                                budget={"video": Budget(requests=1000)})  # fmt: skip
        with pytest.raises(QuotaExhaustedError) as stop:
            list(client.iter_videos(QUERY, START, END))
        answers = sandbox.stats()["requests"]["research /v2/research/video/query/"]
        assert answers == {"200": 2, "429": 1}  # one 429, no waiting, no retry
        assert stop.value.code == "daily_quota_limit_exceeded"
        assert stop.value.resets_at.isoformat() == "2026-06-16T00:00:00+00:00"  # the server's clock, not ours
        assert ledger.used("research", "video", stop.value.resets_at.date().replace(day=15)).requests == 1000


class _RetryAfterServer(BaseHTTPRequestHandler):
    """A 429 with ``Retry-After: 0.6`` for the first request of each path, then the answer."""

    seen: set[str] = set()

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?")[0]
        if path not in self.seen:
            self.seen.add(path)
            body, status, headers = b'{"detail": "Rate limit exceeded"}', 429, {"Retry-After": "0.6"}
        else:
            body, status, headers = (
                orjson.dumps({"data": {"user": {"uid": "1"}}}),
                200,
                {"units_charged": "1"},
            )
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def test_retry_after_is_honoured_where_the_server_sends_it() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RetryAfterServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        policy, waits = recording(RetryPolicy.named("sandbox"))
        client = EnsembleDataClient("t", f"http://127.0.0.1:{server.server_address[1]}/apis", policy=policy)
        page = client.call("tt/user/info", {"username": "someone"})
        assert page.requests == 2 and waits == [0.6]  # the server's wait, not the policy's 0.01 s
    finally:
        server.shutdown()
        server.server_close()


def test_waits_start_short_grow_and_are_bounded_in_total() -> None:
    policy, waits = recording(RetryPolicy.named("sandbox", max_total_wait=1.0, max_attempts=1000, jitter=0.0))
    with running_sandbox(faults={"internal_error": 1.0}, per_minute=1_000_000) as sandbox:
        client = ResearchClient(
            sandbox.client_key, sandbox.client_secret, sandbox.research_url, policy=policy
        )
        with pytest.raises(Exception, match="internal_error"):
            list(client.iter_videos(QUERY, START, END))
    assert waits[0] == policy.base_delay and waits == sorted(waits) and max(waits) == policy.max_delay
    assert sum(waits) <= 1.0 < sum(waits) + policy.max_delay  # gave up at the bound, not after it


def test_policy_is_named_and_configurable_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "patient,max_attempts=7")
    policy = RetryPolicy.from_env()
    assert (policy.name, policy.max_attempts, policy.max_total_wait) == ("patient", 7, 3600.0)
    with pytest.raises(ValueError, match="max_atempts"):
        RetryPolicy.from_spec("standard,max_atempts=3")


@pytest.mark.parametrize("faults", [{"internal_error": 0.1, "rate_limit": 0.1, "gateway_timeout_html": 0.1,
                                     "connection_reset": 0.1, "truncated_body": 0.1}, every_fault(0.2)],
                         ids=["10pct", "every-kind-20pct"])  # fmt: skip
def test_an_ensembledata_listing_finishes_under_faults(faults: dict[str, float]) -> None:
    with running_sandbox(faults=faults, per_minute=1_000_000) as sandbox:
        client = EnsembleDataClient(
            sandbox.ed_token, sandbox.ensembledata_url, policy=RetryPolicy.named("sandbox")
        )
        keys = [
            r["aweme_id"] for p in client.iter_pages("tt/hashtag/posts", {"name": "cat"}) for r in p.records
        ]
        truth = sandbox.truth("ensembledata", "tt/hashtag/posts", {"name": "cat"})
        assert len(truth) > 100 and sorted(map(str, keys)) == sorted(truth)
        client.close()
