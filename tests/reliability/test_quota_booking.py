"""Issue 16.8: the quota ledger books what the API counts, against the sandbox's own count (its stats).

Known to count: every answer of the backend (200, 400, 500, a body cut short after its headers); known not to:
a 429. Unknown: no answer (reset) and the gateway's HTML 504 — booked, but marked ``uncertain``, and the
budget refuses on the known count only, so unknowns no longer waste real quota (they made the ledger +28% at
10% faults, +71% at 20%). When the server says the day is spent, the ledger is reconciled to it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.errors import BudgetExceededError
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.sandbox.testing import running_sandbox

pytestmark = pytest.mark.reliability

DAY = date(2026, 6, 15)
QUERY = {"and": [{"operation": "IN", "field_name": "hashtag_name", "field_values": ["cat", "cats", "dog"]}]}
FAULTS = {"internal_error": 0.1, "internal_error_400": 0.1, "gateway_timeout_html": 0.1, "invalid_cursor": 0.1,
          "rate_limit": 0.1, "connection_reset": 0.1, "truncated_body": 0.1}  # fmt: skip


@pytest.mark.parametrize("rate", [0.1, 0.2])
def test_known_count_equals_the_servers_and_unknowns_are_flagged(tmp_path: Path, rate: float) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
    faults = {kind: rate for kind in FAULTS}
    with running_sandbox(faults=faults, per_minute=1_000_000) as sandbox:
        client = ResearchClient(sandbox.client_key, sandbox.client_secret, sandbox.research_url, ledger=ledger,
                                policy=RetryPolicy.named("sandbox"))  # fmt: skip
        for day in range(14, 29, 4):  # a few searches, many pages
            list(client.iter_videos(QUERY, f"202605{day:02d}", f"202605{day + 3:02d}", max_count=20))
        stats = sandbox.stats()
    counted = stats["quota"]["research"]["2026-06-15"]["video"]["requests"]
    unknown = stats["faults"]["gateway_timeout_html"] + stats["faults"]["connection_reset"]
    booked = ledger.used("research", "video", DAY)
    assert booked.requests - booked.uncertain == counted  # what the server counted, exactly
    assert booked.uncertain == unknown > 0  # the rest is flagged, not hidden


def test_uncertain_requests_do_not_make_the_budget_refuse_early(tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
    with running_sandbox(
        faults={"gateway_timeout_html": 0.3, "connection_reset": 0.2}, per_minute=1_000_000
    ) as sb:
        client = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, ledger=ledger,
                                budget={"video": Budget(requests=25)}, policy=RetryPolicy.named("sandbox"))  # fmt: skip
        with pytest.raises(BudgetExceededError):
            list(client.iter_videos(QUERY, "20260514", "20260612", max_count=10))
        counted = sb.stats()["quota"]["research"]["2026-06-15"]["video"]["requests"]
    assert counted == 25  # the whole budget was used on the server, none of it left on the table
    assert ledger.used("research", "video", DAY).uncertain > 0
