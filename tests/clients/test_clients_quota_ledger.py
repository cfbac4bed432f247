"""The quota ledger: reserve-then-settle, budgets refused before sending, atomic across connections."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tiktok_assets.clients.errors import BudgetExceededError, QuotaExhaustedError
from tiktok_assets.clients.quota import Budget, QuotaLedger, Usage


def test_reserve_settle_and_budget(tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
    day = date(2026, 6, 15)
    budget = Budget(requests=3)
    r = ledger.reserve("research", "video", budget=budget, day=day)
    ledger.settle(r, records=100)
    ledger.reserve("research", "video", budget=budget, day=day)
    ledger.reserve("research", "video", budget=budget, day=day)
    with pytest.raises(BudgetExceededError) as info:
        ledger.reserve("research", "video", budget=budget, day=day)
    assert isinstance(info.value, QuotaExhaustedError)
    assert info.value.resets_at == datetime(2026, 6, 16, tzinfo=UTC)
    assert ledger.used("research", "video", day) == Usage(3, 100, 0)
    # Another day, another bucket: untouched.
    assert ledger.used("research", "video", date(2026, 6, 16)) == Usage()
    ledger.reserve("research", "follow", budget=budget, day=day)
    assert ledger.remaining("research", "video", budget, day).requests == 0
    assert ledger.remaining("research", "follow", budget, day).requests == 2


def test_records_and_units_budgets(tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
    day = date(2026, 6, 15)
    r = ledger.reserve("research", "video", budget=Budget(records=100), day=day)
    ledger.settle(r, records=100)
    with pytest.raises(BudgetExceededError):
        ledger.reserve("research", "video", budget=Budget(records=100), day=day)
    r = ledger.reserve("ensembledata", "units", units=2, budget=Budget(units=10), day=day)
    ledger.settle(r, units=7)  # the header said 7: corrected
    assert ledger.used("ensembledata", "units", day).units == 7
    with pytest.raises(BudgetExceededError):
        ledger.reserve("ensembledata", "units", units=4, budget=Budget(units=10), day=day)
    ledger.charge("ensembledata", "units", requests=0, records=5, day=day)
    assert ledger.used("ensembledata", "units", day) == Usage(1, 5, 7)


def test_concurrent_reservations_never_exceed_budget(tmp_path: Path) -> None:
    """Separate ledgers (separate connections, as separate processes would have) race for 50 requests."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    QuotaLedger(url)  # create the schema once
    day = date(2026, 6, 15)
    granted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        ledger = QuotaLedger(url)
        n = 0
        for _ in range(30):
            try:
                ledger.reserve("research", "video", budget=Budget(requests=50), day=day)
                n += 1
            except BudgetExceededError:
                pass
        with lock:
            granted.append(n)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 50
    assert QuotaLedger(url).used("research", "video", day).requests == 50


def test_default_url_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    ledger = QuotaLedger()
    assert ledger.url.endswith("env.sqlite") and "env.sqlite" in repr(ledger)
    monkeypatch.delenv("TIKTOK_QUOTA_DB_URL")
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path / "data"))
    assert QuotaLedger().url == f"sqlite:///{tmp_path / 'data' / 'quota.sqlite'}"


def _reserve_many(url: str, n: int, out: Any) -> None:
    ledger = QuotaLedger(url)
    granted = 0
    for _ in range(n):
        try:
            ledger.reserve("research", "video", budget=Budget(requests=40), day=date(2026, 6, 15))
            granted += 1
        except BudgetExceededError:
            pass
    out.put(granted)


def test_processes_share_one_budget(tmp_path: Path) -> None:
    """Real processes (spawned) racing on one SQLite file: WAL + busy timeout + guarded UPDATE."""
    import multiprocessing as mp

    url = f"sqlite:///{tmp_path / 'procs.sqlite'}"
    QuotaLedger(url)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_reserve_many, args=(url, 25, out)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert sum(out.get(timeout=10) for _ in procs) == 40
    assert QuotaLedger(url).used("research", "video", date(2026, 6, 15)).requests == 40
