"""The quota ledger on every backend (SQLite file, PostgreSQL): reserve-then-settle, budgets refused before
sending, atomic across connections, threads and processes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tiktok_assets.clients.errors import BudgetExceededError, QuotaExhaustedError
from tiktok_assets.clients.quota import Budget, QuotaLedger, Usage

DAY = date(2026, 6, 15)


def test_reserve_settle_and_budget(ledger_url: str) -> None:
    ledger = QuotaLedger(ledger_url)
    budget = Budget(requests=3)
    r = ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.settle(r, records=100)
    ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.reserve("research", "video", budget=budget, day=DAY)
    with pytest.raises(BudgetExceededError) as info:
        ledger.reserve("research", "video", budget=budget, day=DAY)
    assert isinstance(info.value, QuotaExhaustedError)
    assert info.value.resets_at == datetime(2026, 6, 16, tzinfo=UTC)
    assert ledger.used("research", "video", DAY) == Usage(3, 100, 0)
    # Another day, another bucket: untouched.
    assert ledger.used("research", "video", date(2026, 6, 16)) == Usage()
    ledger.reserve("research", "follow", budget=budget, day=DAY)
    assert ledger.remaining("research", "video", budget, DAY).requests == 0
    assert ledger.remaining("research", "follow", budget, DAY).requests == 2
    ledger.close()


def test_records_and_units_budgets(ledger_url: str) -> None:
    ledger = QuotaLedger(ledger_url)
    r = ledger.reserve("research", "video", budget=Budget(records=100), day=DAY)
    ledger.settle(r, records=100)
    with pytest.raises(BudgetExceededError):
        ledger.reserve("research", "video", budget=Budget(records=100), day=DAY)
    r = ledger.reserve("ensembledata", "units", units=2, budget=Budget(units=10), day=DAY)
    ledger.settle(r, units=7)  # the header said 7: corrected
    assert ledger.used("ensembledata", "units", DAY).units == 7
    with pytest.raises(BudgetExceededError):
        ledger.reserve("ensembledata", "units", units=4, budget=Budget(units=10), day=DAY)
    ledger.charge("ensembledata", "units", requests=0, records=5, day=DAY)
    assert ledger.used("ensembledata", "units", DAY) == Usage(1, 5, 7)
    ledger.close()


def test_release_gives_the_request_back(ledger_url: str) -> None:
    ledger = QuotaLedger(ledger_url)
    budget = Budget(requests=1)
    r = ledger.reserve("research", "video", budget=budget, day=DAY)
    with pytest.raises(BudgetExceededError):
        ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.release(r)  # a 429: the server never counted it
    assert ledger.used("research", "video", DAY) == Usage(0, 0, 0)
    ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.close()


def test_big_counts_survive(ledger_url: str) -> None:
    """64-bit columns: counts past 2**31 are exact (units and records add up over months of backfills)."""
    ledger = QuotaLedger(ledger_url)
    ledger.charge("ensembledata", "units", requests=1, records=3_000_000_000, units=2**40, day=DAY)
    assert ledger.used("ensembledata", "units", DAY) == Usage(1, 3_000_000_000, 2**40)
    ledger.close()


def test_concurrent_reservations_never_exceed_budget(ledger_url: str) -> None:
    """Separate ledgers (separate connections, as separate processes would have) race for 50 requests."""
    QuotaLedger(ledger_url).close()  # create the schema once
    granted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker() -> None:
        ledger = QuotaLedger(ledger_url)
        n = 0
        start.wait()
        for _ in range(30):
            try:
                ledger.reserve("research", "video", budget=Budget(requests=50), day=DAY)
                n += 1
            except BudgetExceededError:
                pass
        ledger.close()
        with lock:
            granted.append(n)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 50
    assert QuotaLedger(ledger_url).used("research", "video", DAY).requests == 50


def _reserve_many(url: str, n: int, budget: int, barrier: Any, out: Any) -> None:
    """One process: construct a ledger (the schema may not exist yet), then reserve ``n`` times; all the
    processes start constructing together and start reserving together."""
    try:
        barrier.wait(60)
        ledger = QuotaLedger(url)
        barrier.wait(60)
        granted = 0
        for _ in range(n):
            try:
                ledger.reserve("research", "video", budget=Budget(requests=budget), day=DAY)
                granted += 1
            except BudgetExceededError:
                pass
        ledger.close()
        out.put(granted)
    except BaseException as exc:
        barrier.abort()  # the others fail fast instead of waiting for this one
        out.put(f"{type(exc).__name__}: {exc}")
        raise


def _race_processes(url: str, procs: int, each: int, budget: int) -> list[Any]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(procs)
    ps = [ctx.Process(target=_reserve_many, args=(url, each, budget, barrier, out)) for _ in range(procs)]
    for p in ps:
        p.start()
    results = [out.get(timeout=120) for _ in ps]
    for p in ps:
        p.join(30)
    return results


def test_processes_share_one_budget(ledger_url: str) -> None:
    """Real processes (spawned) race on one database: exactly the budget is granted, no more."""
    QuotaLedger(ledger_url).close()
    results = _race_processes(ledger_url, procs=4, each=25, budget=40)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 40
    assert QuotaLedger(ledger_url).used("research", "video", DAY).requests == 40


def test_processes_create_the_schema_together(ledger_url: str) -> None:
    """Several run processes start at once on an empty database: each constructs its ledger (creating the
    table concurrently), and the budget is still shared exactly."""
    results = _race_processes(ledger_url, procs=4, each=15, budget=30)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    assert QuotaLedger(ledger_url).used("research", "video", DAY).requests == 30


def test_default_url_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    ledger = QuotaLedger()
    assert ledger.url.endswith("env.sqlite") and "env.sqlite" in repr(ledger)
    monkeypatch.delenv("TIKTOK_QUOTA_DB_URL")
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path / "data"))
    assert QuotaLedger().url == f"sqlite:///{tmp_path / 'data' / 'quota.sqlite'}"
