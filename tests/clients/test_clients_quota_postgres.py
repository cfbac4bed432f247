"""What only PostgreSQL adds to the quota ledger (the shared behaviours run on both backends in
test_clients_quota_ledger.py): it is really Postgres, a driver-less URL works, the env var selects it and
the password stays out of reprs. Skipped where no cluster can run (see pg_cluster.py)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from pg_cluster import Cluster

from tiktok_assets.clients.quota import Budget, QuotaLedger, Usage

DAY = date(2026, 6, 15)


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh, empty database on the cluster (no quota table yet)."""
    return pg_cluster.new_database()


def test_postgres_is_really_used(pg_url: str) -> None:
    ledger = QuotaLedger(pg_url)
    try:
        assert ledger.engine.dialect.name == "postgresql"
        with ledger.engine.connect() as conn:
            assert "PostgreSQL" in conn.execute(sa.text("select version()")).scalar_one()
            tables = conn.execute(sa.text("select tablename from pg_tables where schemaname = 'public'"))
            assert sorted(t for (t,) in tables) == ["quota_charges", "quota_usage"]
    finally:
        ledger.close()


def test_a_driverless_postgres_url_uses_psycopg(pg_url: str) -> None:
    # What users paste from their provider: postgresql://… (SQLAlchemy alone would ask for psycopg2).
    ledger = QuotaLedger(pg_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert ledger.engine.dialect.driver == "psycopg"
        assert ledger.remaining("research", "video", Budget(5)).requests == 5
    finally:
        ledger.close()


def test_default_url_from_env(pg_url: str, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """``TIKTOK_QUOTA_DB_URL`` selects Postgres; the password never shows in the ledger's repr."""
    url = pg_url.replace(f"{pg_cluster.user}@", f"{pg_cluster.user}:hunter2-secret@")  # trust auth ignores it
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", url)
    ledger = QuotaLedger()
    assert ledger.url == url and ledger.engine.dialect.name == "postgresql"
    assert "hunter2-secret" not in repr(ledger) and "127.0.0.1" in repr(ledger)
    ledger.charge("research", "video", requests=2, day=DAY)
    assert ledger.used("research", "video", DAY) == Usage(2, 0, 0)
    ledger.close()


def test_a_keyed_charge_waits_for_a_concurrent_one_of_the_same_key(pg_url: str) -> None:
    """Another process holds the key's insert uncommitted: a charge of the same key waits for its fate
    instead of reading "absent" and booking too; the other one rolls back, so this one books it."""
    key = "vce-task:1000001:records"
    ledger = QuotaLedger(pg_url)
    booked: list[bool] = []
    try:
        with ledger.engine.connect() as other:
            other.begin()
            other.execute(sa.text("INSERT INTO quota_charges VALUES (:k, 'vce', 'test', :d, 0, 53, 0)"),
                          {"k": key, "d": str(DAY)})  # fmt: skip
            waiting = threading.Thread(
                target=lambda: booked.append(ledger.charge("vce", "test", 0, 53, day=DAY, key=key))
            )
            waiting.start()
            waiting.join(1.0)
            assert waiting.is_alive() and not booked  # blocked on the uncommitted key
            other.rollback()
        waiting.join(30)
        assert booked == [True]
        assert ledger.used("vce", "test", DAY) == Usage(0, 53, 0)
        assert not ledger.charge("vce", "test", 0, 53, day=DAY, key=key)
    finally:
        ledger.close()
