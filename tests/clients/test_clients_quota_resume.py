"""Quota exhaustion mid-collection stops with the typed error; after the sandbox's UTC midnight the same
collection resumes from the stored records and the server shows no page fetched twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests_clients_support import sandbox_clock

from tiktok_assets.clients.errors import BudgetExceededError, QuotaExhaustedError
from tiktok_assets.clients.pages import ResumeState
from tiktok_assets.clients.quota import Budget, QuotaLedger

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
WINDOW = ("20260501", "20260504")  # ~62 videos: 7 pages of 10
BODY = {"query": FYP, "start_date": WINDOW[0], "end_date": WINDOW[1], "max_count": 10}


def video_stats(sb: Any) -> tuple[int, int]:
    s = sb.stats()
    ok = s["requests"].get("research /v2/research/video/query/", {}).get("200", 0)
    return ok, s["records"].get("research /v2/research/video/query/", 0)


@pytest.mark.parametrize("exact", [True, False], ids=["id_bound", "day_granular"])
def test_quota_stop_then_resume_after_midnight(
    sandbox_factory: Any, research_factory: Any, exact: bool
) -> None:
    sb = sandbox_factory(research_daily_requests=5)
    client = research_factory(sb, clock=sandbox_clock(sb), exact_resume=exact)
    stored: list[dict[str, Any]] = []
    with pytest.raises(QuotaExhaustedError) as info:
        for page in client.iter_videos(FYP, *WINDOW, max_count=10):
            stored.extend(page.records)
    assert info.value.resets_at == datetime(2026, 6, 16, tzinfo=UTC)
    assert "resets at 2026-06-16T00:00:00+00:00" in str(info.value)
    pages_before, _ = video_stats(sb)
    assert pages_before == 5 and len(stored) > 0
    truth_before = sb.truth("research", "video/query", BODY)

    sb.set_clock("2026-06-16T00:00:05Z")
    resumed_pages = 0
    skipped = 0
    state = ResumeState.from_records(stored)
    for page in client.iter_videos(FYP, *WINDOW, max_count=10, resume=state):
        stored.extend(page.records)
        resumed_pages += 1
        skipped += page.skipped
    ids = [str(v["id"]) for v in stored]
    truth_after = sb.truth("research", "video/query", BODY)
    assert len(ids) == len(set(ids)), "duplicates"
    assert set(truth_after) <= set(ids) <= set(truth_before) | set(truth_after), "gaps"
    _, records_served = video_stats(sb)
    refetched = records_served - len(ids)
    if exact:
        assert refetched == 0 and skipped == 0  # the id bound: no record (so no page) served twice
    else:
        assert refetched == skipped < 10 * 2  # day granularity: only the partial day's newer records
    print(
        f"resume exact={exact}: pages before {pages_before}, after {resumed_pages}, records {len(ids)}, "
        f"refetched records {refetched}"
    )


def test_local_budget_refuses_before_sending(sandbox: Any, research_factory: Any, tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'quota.sqlite'}")
    client = research_factory(
        sandbox, ledger=ledger, budget={"video": Budget(requests=3)}, clock=sandbox_clock(sandbox)
    )
    got = 0
    with pytest.raises(BudgetExceededError) as info:
        for _ in client.iter_videos(FYP, *WINDOW, max_count=10):
            got += 1
    assert got == 3 and video_stats(sandbox)[0] == 3  # the 4th request was never sent
    assert info.value.resets_at == datetime(2026, 6, 16, tzinfo=UTC)
    assert ledger.used("research", "video", datetime(2026, 6, 15, tzinfo=UTC)).requests == 3
