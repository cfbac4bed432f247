"""The quota ledger: requests, records and units spent per (api, bucket, UTC day), shared by processes.

A SQLAlchemy URL: a SQLite file by default (``<data>/quota.sqlite``; WAL + busy timeout so several Dagster
run processes can share it), Postgres when ``TIKTOK_QUOTA_DB_URL`` says so. Every change is one atomic
``UPDATE … SET n = n + ?`` statement, so concurrent writers never lose an increment.

Reserve, then settle: a client calls ``reserve`` before sending; the guarded UPDATE only succeeds while the
day's count plus this request stays within the budget, so two processes cannot both take the last request.
``settle`` adds the records and the units actually charged.

What is booked — the API's own count where it is known, a conservative one where it is not:
- counted (known): every answer of the backend, errors included (the Research API counts 500s: field; its
  400s: the sandbox's choice, "quota is money"); EnsembleData: the ``units_charged`` header;
- not counted (known): a 429 (refused before counting): ``release``;
- unknown: no answer at all (reset, time-out) or the gateway's HTML 504: booked and marked ``uncertain``
  (``mark_uncertain``). The figures stay conservative (``requests`` includes them; ``uncertain`` says how
  many may not have counted), but the budget refuses on the *known* count, ``requests - uncertain``: a
  request beyond the server's quota costs nothing (a 429), so unknowns never waste real quota. When the
  server says the day is spent, ``reconcile_exhausted`` books the whole budget and clears the uncertainty,
  and every process sharing the ledger stops sending. (A budget set below the server's quota can be
  exceeded by at most that day's uncertain requests.)

Charged once: ``charge(..., key=...)`` books a spending the caller may repeat after a crash (a VCE task's
records, ``vce-task:<id>:records``) at most once. The key goes into ``quota_charges`` in the same
transaction as the counts; the key's uniqueness decides, so two processes charging it at once book it once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tiktok_assets.clients.errors import BudgetExceededError, next_utc_midnight
from tiktok_assets.clock import clock_now

ENV_URL = "TIKTOK_QUOTA_DB_URL"

_metadata = sa.MetaData()
usage_table = sa.Table(
    "quota_usage",
    _metadata,
    sa.Column("api", sa.String(32), primary_key=True),
    sa.Column("bucket", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, UTC
    sa.Column("requests", sa.BigInteger, nullable=False, default=0),
    sa.Column("records", sa.BigInteger, nullable=False, default=0),
    sa.Column("units", sa.BigInteger, nullable=False, default=0),
    # Of ``requests``, those with no known fate (no answer, gateway HTML): booked, maybe not counted.
    sa.Column("uncertain", sa.BigInteger, nullable=False, default=0, server_default="0"),
)
# One row per keyed charge (its key booked it): what makes a repeated charge a no-op.
charges_table = sa.Table(
    "quota_charges",
    _metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("api", sa.String(32), nullable=False),
    sa.Column("bucket", sa.String(64), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("requests", sa.BigInteger, nullable=False),
    sa.Column("records", sa.BigInteger, nullable=False),
    sa.Column("units", sa.BigInteger, nullable=False),
)
SCHEMA_WAIT_SECONDS = 60.0


def with_postgres_driver(url: str) -> str:
    """A driver-less Postgres URL uses psycopg 3 (a dependency); SQLAlchemy would otherwise ask for psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def default_url() -> str:
    """``TIKTOK_QUOTA_DB_URL``, else a SQLite file in the data folder."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    from tiktok_assets import settings  # local: keeps this module importable without the package settings

    return f"sqlite:///{settings.data_dir() / 'quota.sqlite'}"


@dataclass(frozen=True)
class Usage:
    requests: int = 0
    records: int = 0
    units: int = 0
    uncertain: int = 0  # of ``requests``: booked without knowing whether the server counted them


@dataclass(frozen=True)
class Budget:
    """Daily limits for one bucket; ``None`` = unlimited. Records: refuse once the day's total reached it."""

    requests: int | None = None
    records: int | None = None
    units: int | None = None


@dataclass(frozen=True)
class Reservation:
    api: str
    bucket: str
    day: str
    requests: int
    units: int


def utc_day(moment: datetime | date | None = None) -> str:
    """The quota day of ``moment``; by default today on the one clock (``TIKTOK_CLOCK_NOW`` when set), the same
    clock the clients reserve with, so a figure read without a day names the day the requests were counted."""
    if moment is None:
        moment = clock_now()
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return moment.isoformat()


class QuotaLedger:
    """Shared counters. Cheap to construct; one engine per ledger."""

    def __init__(self, url: str | None = None) -> None:
        self.url = with_postgres_driver(url or default_url())
        if self.url.startswith("sqlite:///") and self.url != "sqlite:///:memory:":
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        is_sqlite = self.url.startswith("sqlite")
        self.engine = sa.create_engine(
            self.url,
            connect_args={"timeout": 30} if is_sqlite else {},
            pool_pre_ping=not is_sqlite,
        )
        if is_sqlite:
            _sqlite_immediate_transactions(self.engine)
        self._create_schema()

    def _create_schema(self) -> None:
        """Create the tables (or add a column an older ledger lacks) unless they are there (a ledger made before
        keyed charges gains ``quota_charges``). Several run processes starting on an empty database all find no
        table and all CREATE it; the losers fail ("already exists" on SQLite, DuplicateObject/UniqueViolation
        on PostgreSQL) once the winner has committed, and under load SQLite may answer "database is locked"
        past its busy timeout: a failure is retried until the schema is there (``SCHEMA_WAIT_SECONDS``)."""
        deadline = time.monotonic() + SCHEMA_WAIT_SECONDS
        delay = 0.05
        while True:
            try:
                _metadata.create_all(self.engine)
                self._add_missing_columns()
                return
            except sa.exc.DBAPIError:
                if self._schema_complete():
                    return
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(1.0, delay * 2)

    def _schema_complete(self) -> bool:
        try:
            inspector = sa.inspect(self.engine)
            if not all(inspector.has_table(t.name) for t in _metadata.sorted_tables):
                return False
            have = {c["name"] for c in inspector.get_columns(usage_table.name)}
        except sa.exc.DBAPIError:
            return False
        return {c.name for c in usage_table.columns} <= have

    def _add_missing_columns(self) -> None:
        """A ledger created before a column existed gets it (``uncertain``, default 0)."""
        have = {c["name"] for c in sa.inspect(self.engine).get_columns(usage_table.name)}
        for column in usage_table.columns:
            if column.name not in have:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {usage_table.name} ADD COLUMN {column.name} BIGINT NOT NULL DEFAULT 0"
                    )

    def __repr__(self) -> str:
        return f"QuotaLedger({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- rows -------------------------------------------------------------------------------------------------
    def _ensure_row(self, conn: sa.Connection, api: str, bucket: str, day: str) -> None:
        exists = conn.execute(
            sa.select(usage_table.c.day).where(
                usage_table.c.api == api, usage_table.c.bucket == bucket, usage_table.c.day == day
            )
        ).first()
        if exists is None:
            try:
                with conn.begin_nested():
                    conn.execute(
                        usage_table.insert().values(
                            api=api, bucket=bucket, day=day, requests=0, records=0, units=0
                        )
                    )
            except IntegrityError:  # another process inserted it first: fine
                pass

    def _where(self, api: str, bucket: str, day: str) -> sa.ColumnElement[bool]:
        return sa.and_(usage_table.c.api == api, usage_table.c.bucket == bucket, usage_table.c.day == day)

    # -- the contract -----------------------------------------------------------------------------------------
    def reserve(
        self,
        api: str,
        bucket: str,
        *,
        requests: int = 1,
        units: int = 0,
        budget: Budget | None = None,
        day: datetime | date | None = None,
    ) -> Reservation:
        """Count a request about to be sent, or raise ``BudgetExceededError`` (nothing counted)."""
        d = utc_day(day)
        c = usage_table.c
        cond = self._where(api, bucket, d)
        if budget is not None:
            if budget.requests is not None:  # the known count: see the module docstring
                cond = sa.and_(cond, c.requests - c.uncertain + requests <= budget.requests)
            if budget.records is not None:
                cond = sa.and_(cond, c.records < budget.records)
            if budget.units is not None:
                cond = sa.and_(cond, c.units + units <= budget.units)
        with self.engine.begin() as conn:
            self._ensure_row(conn, api, bucket, d)
            done = conn.execute(
                usage_table.update().where(cond).values(requests=c.requests + requests, units=c.units + units)
            ).rowcount
        if done != 1:
            used = self.used(api, bucket, d)
            resets = next_utc_midnight(datetime.fromisoformat(d).replace(tzinfo=UTC))
            raise BudgetExceededError(
                f"daily budget for {api}/{bucket} spent (used {used.requests} requests, {used.records} records, "
                f"{used.units} units; budget {budget})",
                resets_at=resets,
                bucket=bucket,
                api=api,
            )
        return Reservation(api, bucket, d, requests, units)

    def settle(self, reservation: Reservation, *, records: int = 0, units: int | None = None) -> None:
        """Add the records a reserved request returned and correct its units to what was charged."""
        c = usage_table.c
        delta_units = 0 if units is None else units - reservation.units
        if not records and not delta_units:
            return
        with self.engine.begin() as conn:
            conn.execute(
                usage_table.update()
                .where(self._where(reservation.api, reservation.bucket, reservation.day))
                .values(records=c.records + records, units=c.units + delta_units)
            )

    def release(self, reservation: Reservation) -> None:
        """Give a reserved request back: the server refused it before counting it (a 429)."""
        c = usage_table.c
        with self.engine.begin() as conn:
            conn.execute(
                usage_table.update()
                .where(self._where(reservation.api, reservation.bucket, reservation.day))
                .values(requests=c.requests - reservation.requests, units=c.units - reservation.units)
            )

    def mark_uncertain(self, reservation: Reservation) -> None:
        """The reserved request got no answer the server is known to count (reset, gateway HTML)."""
        c = usage_table.c
        with self.engine.begin() as conn:
            conn.execute(
                usage_table.update()
                .where(self._where(reservation.api, reservation.bucket, reservation.day))
                .values(uncertain=c.uncertain + reservation.requests)
            )

    def reconcile_exhausted(
        self, api: str, bucket: str, budget: Budget | None, day: datetime | date | None = None
    ) -> None:
        """The server said the day's quota is spent: book at least the whole budget, nothing uncertain."""
        d = utc_day(day)
        c = usage_table.c
        values: dict[str, Any] = {"uncertain": 0}
        if budget is not None and budget.requests is not None:
            values["requests"] = sa.case((c.requests < budget.requests, budget.requests), else_=c.requests)
        with self.engine.begin() as conn:
            self._ensure_row(conn, api, bucket, d)
            conn.execute(usage_table.update().where(self._where(api, bucket, d)).values(**values))

    def charge(
        self,
        api: str,
        bucket: str,
        requests: int = 1,
        records: int = 0,
        units: int = 0,
        day: datetime | date | None = None,
        key: str | None = None,
    ) -> bool:
        """Record spending that was not reserved (unconditional). With ``key``, at most once per key: False when
        the key was booked before (nothing added), True when this call booked it."""
        d = utc_day(day)
        c = usage_table.c
        with self.engine.begin() as conn:
            row = {"key": key, "api": api, "bucket": bucket, "day": d, "requests": requests, "records": records,
                   "units": units}  # fmt: skip
            if key is not None and not self._claim(conn, row):
                return False
            self._ensure_row(conn, api, bucket, d)
            conn.execute(
                usage_table.update()
                .where(self._where(api, bucket, d))
                .values(requests=c.requests + requests, records=c.records + records, units=c.units + units)
            )
        return True

    @staticmethod
    def _claim(conn: sa.Connection, row: dict[str, Any]) -> bool:
        """Insert the charge's key row in its transaction; False if the key is already there. The primary key
        decides, not a read first: a concurrent charge of the same key waits for ours, then fails its insert."""
        try:
            with conn.begin_nested():  # a savepoint: a refused insert leaves the transaction usable
                conn.execute(charges_table.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def charged(self, key: str) -> bool:
        """Whether ``key`` was booked by a keyed ``charge``."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(charges_table.c.key).where(charges_table.c.key == key)).first()
        return found is not None

    def used(self, api: str, bucket: str, day: datetime | date | str | None = None) -> Usage:
        d = day if isinstance(day, str) else utc_day(day)
        with self.engine.connect() as conn:
            c = usage_table.c
            row = conn.execute(
                sa.select(c.requests, c.records, c.units, c.uncertain).where(self._where(api, bucket, d))
            ).first()
        return Usage(*row) if row else Usage()

    def remaining(self, api: str, bucket: str, budget: Budget, day: datetime | date | None = None) -> Usage:
        """What is left of ``budget`` today (unlimited dimensions report -1)."""
        u = self.used(api, bucket, day)

        def left(limit: int | None, spent: int) -> int:
            return -1 if limit is None else max(0, limit - spent)

        return Usage(
            left(budget.requests, u.requests - u.uncertain),
            left(budget.records, u.records),
            left(budget.units, u.units),
            u.uncertain,
        )

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_immediate_transactions(engine: sa.Engine) -> None:
    """SQLite across processes: WAL (readers never block the writer), a busy timeout, and every transaction
    begun ``IMMEDIATE``. A deferred transaction that reads and then writes is refused at once ("database is
    locked", no busy wait) when another process writes in between; an immediate one waits its turn."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # the driver's own BEGIN is replaced by the one below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        # Persistent: whichever process sets it first wins; a lock while another one switches it is harmless.
        with contextlib.suppress(sqlite3.OperationalError):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
