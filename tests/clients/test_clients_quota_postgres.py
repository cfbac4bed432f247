"""The quota ledger on a real PostgreSQL: the SQLite ledger's behaviours, against a throwaway cluster.

A cluster is created in a temp dir with Debian's ``initdb``/``pg_ctl`` (run as the ``postgres`` user when the
tests run as root, since PostgreSQL refuses to run as root), listening on a free loopback port with trust
auth, and stopped at the end of the module. Each test gets its own database. Skipped when the PostgreSQL
server binaries or the ``psycopg`` driver are missing (``.ci/run`` installs Debian's ``postgresql``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from tiktok_assets.clients.errors import BudgetExceededError, QuotaExhaustedError
from tiktok_assets.clients.quota import Budget, QuotaLedger, Usage

DAY = date(2026, 6, 15)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster: ``url(db)`` gives a SQLAlchemy URL, ``new_database()`` a fresh one."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp_path: /tmp/pytest-of-root is 0700, the postgres user could not enter it
        # (nor a root-only $TMPDIR); a short path also keeps the unix socket under its length limit.
        where = "/tmp" if self.as_root and Path("/tmp").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="tiktok-quota-pg-", dir=where))
        self.datadir = self.root / "data"
        self.port = _free_port()
        self.user = "postgres"
        self._ids = count(1)
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )

    def start(self) -> None:
        done = self._run("initdb", "-D", str(self.datadir), "-U", self.user, "-A", "trust", "-E", "UTF8",
                         "--no-sync", "--locale=C")  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        done = self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "server.log"),
                         "-o", opts, "-w", "-t", "60", "start")  # fmt: skip
        if done.returncode:
            log = (self.root / "server.log").read_text() if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "postgres", password: str | None = None) -> str:
        auth = self.user if password is None else f"{self.user}:{password}"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg

        name = f"quota_{next(self._ids)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root but there is no `postgres` user to run the cluster as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root but `runuser` is missing")
    c = Cluster(bindir)
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def pg_url(cluster: Cluster) -> str:
    """A fresh, empty database on the cluster (no quota table yet)."""
    return cluster.new_database()


def test_postgres_is_really_used(pg_url: str) -> None:
    ledger = QuotaLedger(pg_url)
    try:
        assert ledger.engine.dialect.name == "postgresql"
        with ledger.engine.connect() as conn:
            import sqlalchemy as sa

            assert "PostgreSQL" in conn.execute(sa.text("select version()")).scalar_one()
            tables = conn.execute(sa.text("select tablename from pg_tables where schemaname = 'public'"))
            assert [t for (t,) in tables] == ["quota_usage"]
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


def test_reserve_settle_and_budget(pg_url: str) -> None:
    ledger = QuotaLedger(pg_url)
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


def test_records_and_units_budgets(pg_url: str) -> None:
    ledger = QuotaLedger(pg_url)
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


def test_release_gives_the_request_back(pg_url: str) -> None:
    ledger = QuotaLedger(pg_url)
    budget = Budget(requests=1)
    r = ledger.reserve("research", "video", budget=budget, day=DAY)
    with pytest.raises(BudgetExceededError):
        ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.release(r)  # a 429: the server never counted it
    assert ledger.used("research", "video", DAY) == Usage(0, 0, 0)
    ledger.reserve("research", "video", budget=budget, day=DAY)
    ledger.close()


def test_big_counts_survive(pg_url: str) -> None:
    """BIGINT columns: counts past 2**31 are exact (units and records add up over months of backfills)."""
    ledger = QuotaLedger(pg_url)
    ledger.charge("ensembledata", "units", requests=1, records=3_000_000_000, units=2**40, day=DAY)
    assert ledger.used("ensembledata", "units", DAY) == Usage(1, 3_000_000_000, 2**40)
    ledger.close()


def test_concurrent_reservations_never_exceed_budget(pg_url: str) -> None:
    """Separate ledgers (separate connection pools) in threads race for 50 requests on a day with no row yet."""
    QuotaLedger(pg_url).close()  # create the schema once
    granted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker() -> None:
        ledger = QuotaLedger(pg_url)
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
    assert QuotaLedger(pg_url).used("research", "video", DAY).requests == 50


def test_default_url_from_env(pg_url: str, cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """``TIKTOK_QUOTA_DB_URL`` selects Postgres; the password never shows in the ledger's repr."""
    url = pg_url.replace(f"{cluster.user}@", f"{cluster.user}:hunter2-secret@")  # trust auth ignores it
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", url)
    ledger = QuotaLedger()
    assert ledger.url == url and ledger.engine.dialect.name == "postgresql"
    assert "hunter2-secret" not in repr(ledger) and "127.0.0.1" in repr(ledger)
    ledger.charge("research", "video", requests=2, day=DAY)
    assert ledger.used("research", "video", DAY) == Usage(2, 0, 0)
    ledger.close()


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


def test_processes_share_one_budget(pg_url: str) -> None:
    """Real processes (spawned) race on one Postgres database: exactly the budget is granted, no more."""
    QuotaLedger(pg_url).close()
    results = _race_processes(pg_url, procs=4, each=25, budget=40)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 40
    assert QuotaLedger(pg_url).used("research", "video", DAY).requests == 40


def test_processes_create_the_schema_together(pg_url: str) -> None:
    """Several run processes start at once on an empty database: each constructs its ledger (creating the
    table concurrently), and the budget is still shared exactly."""
    results = _race_processes(pg_url, procs=4, each=15, budget=30)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    assert QuotaLedger(pg_url).used("research", "video", DAY).requests == 30
