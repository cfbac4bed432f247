"""`tiktok-assets fetch research` says what it spent when it stops, the call that stopped it included, and the
figure is the sandbox's own count (over real HTTP, the real ledger, retries at the sandbox policy's timing).

Before: a stopped fetch printed no figure at all, and its pages' sum left the failed call out (the give-up
below: 7 pages' 7 + 4 retried requests counted, the sandbox served 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tiktok_assets.cli import main
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
SANDBOX_DAY = datetime(2026, 6, 15, 12, tzinfo=UTC)  # running_sandbox's clock: the ledger's day
SEARCH = (f"query={orjson.dumps(FYP).decode()}", "start_date=20260501", "end_date=20260504", "max_count=10")


def fetch(sb: SandboxHandle, tmp: Path, endpoint: str, *params: str) -> int:
    args = ["fetch", "research", endpoint, "--out", str(tmp / "out.parquet"), "--base-url", sb.research_url,
            "--ledger-url", ledger_url(tmp), "--no-progress"]  # fmt: skip
    for p in params:
        args += ["--param", p]
    return main(args)


def ledger_url(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'quota.sqlite'}"


def said_requests(err: str) -> int:
    """The requests a stopped fetch says it sent (``… 14 requests sent; …``)."""
    (n,) = re.findall(r"(\d+) requests sent", err)
    return int(n)


def route(sb: SandboxHandle, path: str) -> dict[str, int]:
    return sb.stats()["requests"].get(f"research /v2/research/{path}/", {})


def quota_counted(sb: SandboxHandle, bucket: str) -> int:
    """Requests the sandbox's daily quota counted (those that reached its backend) on its day."""
    (day,) = sb.stats()["quota"]["research"].values()
    return day[bucket]["requests"]


def test_a_fetch_that_gives_up_says_every_request_the_api_saw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three attempts per request: at 50% internal errors pages come through retried 500s until one call
    # gives up (the same command resumes).
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox,max_attempts=3")
    with running_sandbox(per_minute=1_000_000, faults={"internal_error": 0.5}) as sb:
        assert fetch(sb, tmp_path, "video/query", *SEARCH) == 1
        served, counted = route(sb, "video/query"), quota_counted(sb, "video")
    err = capsys.readouterr().err
    assert served.get("200", 0) > 0 and served.get("500", 0) > 3  # pages, then a call that gave up
    assert "the same command resumes" in err
    assert said_requests(err) == sum(served.values())
    # The quota the progress bar shows is the ledger's: every attempt the API's quota counted, 500s included.
    assert QuotaLedger(ledger_url(tmp_path)).used("research", "video", SANDBOX_DAY).requests == counted


def test_a_fetch_stopped_by_the_daily_quota_counts_the_429_that_stopped_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_sandbox(research_daily_requests=4) as sb:
        assert fetch(sb, tmp_path, "video/query", *SEARCH) == 3
        served = route(sb, "video/query")
    err = capsys.readouterr().err
    assert served == {"200": 4, "429": 1}
    assert said_requests(err) == 5 and "4 pages" in err and "to resume" in err


def test_an_unavailable_accounts_list_counts_its_retried_500s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox")
    with running_sandbox(per_minute=1_000_000, faults={"internal_error": 0.6}) as sb:
        assert fetch(sb, tmp_path, "user/followers", "username=biki__7942") == 4  # a private account
        served, counted = route(sb, "user/followers"), quota_counted(sb, "follow")
    err = capsys.readouterr().err
    assert served.get("500", 0) > 0 and served.get("400") == 1  # retried 500s, then the refusal
    assert "private" in err and said_requests(err) == sum(served.values())
    assert QuotaLedger(ledger_url(tmp_path)).used("research", "follow", SANDBOX_DAY).requests == counted
