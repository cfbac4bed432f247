"""Keyed charges on every backend (SQLite file, PostgreSQL): a key books its spending once, whoever repeats
it (a rerun after a crash, two processes at once), and a ledger made before keyed charges existed gains them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import sqlalchemy as sa

from tiktok_assets.clients.quota import QuotaLedger, Usage

DAY = date(2026, 6, 15)
KEY = "vce-task:1000001:records"


def test_a_key_books_once_and_other_keys_book_too(ledger_url: str) -> None:
    ledger = QuotaLedger(ledger_url)
    assert ledger.charge("vce", "test", requests=0, records=53, day=DAY, key=KEY) is True
    assert ledger.charge("vce", "test", requests=0, records=53, day=DAY, key=KEY) is False  # already booked
    assert ledger.used("vce", "test", DAY) == Usage(0, 53, 0)
    assert ledger.charge("vce", "test", requests=0, records=40, day=DAY, key="vce-task:1000002:records")
    assert ledger.charge("vce", "test", requests=3, day=DAY)  # unkeyed: every call adds
    assert ledger.charge("vce", "test", requests=3, day=DAY)
    assert ledger.used("vce", "test", DAY) == Usage(6, 93, 0)
    assert ledger.charged(KEY) and not ledger.charged("vce-task:1000003:records")
    ledger.close()


def test_threads_charging_one_key_book_it_once(ledger_url: str) -> None:
    """Separate ledgers (separate connections) charge the same key at the same moment."""
    QuotaLedger(ledger_url).close()  # create the schema once
    start = threading.Barrier(4)

    def charge(_: int) -> bool:
        ledger = QuotaLedger(ledger_url)
        try:
            start.wait()
            return ledger.charge("vce", "test", requests=0, records=53, day=DAY, key=KEY)
        finally:
            ledger.close()

    with ThreadPoolExecutor(4) as pool:
        booked = list(pool.map(charge, range(4)))
    assert sorted(booked) == [False, False, False, True]
    assert QuotaLedger(ledger_url).used("vce", "test", DAY).records == 53


def _charge_key(url: str, barrier: Any, out: Any) -> None:
    """One process: construct a ledger, then charge ``KEY`` together with the others."""
    try:
        ledger = QuotaLedger(url)
        barrier.wait(60)
        out.put(ledger.charge("vce", "test", requests=1, records=53, day=DAY, key=KEY))
        ledger.close()
    except BaseException as exc:
        barrier.abort()  # the others fail fast instead of waiting for this one
        out.put(f"{type(exc).__name__}: {exc}")
        raise


def test_processes_charging_one_key_book_it_once(ledger_url: str) -> None:
    import multiprocessing as mp

    QuotaLedger(ledger_url).close()
    ctx = mp.get_context("spawn")
    out, barrier = ctx.Queue(), ctx.Barrier(3)
    procs = [ctx.Process(target=_charge_key, args=(ledger_url, barrier, out)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(results, key=str) == [False, False, True], results
    assert QuotaLedger(ledger_url).used("vce", "test", DAY) == Usage(1, 53, 0)


def test_a_ledger_made_before_keyed_charges_gains_them(ledger_url: str) -> None:
    """A ledger with only the usage table (and spending on it) keeps its figures and books keys from now on."""
    old = sa.MetaData()
    keys = [sa.Column(name, sa.String(64), primary_key=True) for name in ("api", "bucket", "day")]
    counts = [
        sa.Column(name, sa.BigInteger, nullable=False)
        for name in ("requests", "records", "units", "uncertain")
    ]
    sa.Table("quota_usage", old, *keys, *counts)
    engine = sa.create_engine(ledger_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO quota_usage VALUES ('vce', 'test', :d, 7, 100, 0, 0)"), {"d": str(DAY)}
        )
        assert not sa.inspect(conn).has_table("quota_charges")
    engine.dispose()
    ledger = QuotaLedger(ledger_url)
    assert ledger.used("vce", "test", DAY) == Usage(7, 100, 0)
    assert ledger.charge("vce", "test", requests=0, records=53, day=DAY, key=KEY)
    assert not ledger.charge("vce", "test", requests=0, records=53, day=DAY, key=KEY)
    assert ledger.used("vce", "test", DAY) == Usage(7, 153, 0)
    ledger.close()
