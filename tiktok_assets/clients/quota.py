"""The quota ledger: requests, records and units spent per (api, bucket, UTC day), shared by processes.

A SQLAlchemy URL: a SQLite file by default (``<data>/quota.sqlite``; WAL + busy timeout so several Dagster
run processes can share it), Postgres when ``TIKTOK_QUOTA_DB_URL`` says so. Every change is one atomic
``UPDATE … SET n = n + ?`` statement, so concurrent writers never lose an increment.

Reserve, then settle: a client calls ``reserve`` before sending; the guarded UPDATE only succeeds while the
day's count plus this request stays within the budget, so two processes cannot both take the last request.
A reserved request counts as spent (the Research API counts failed 500s too, and a reset connection may have
been counted), except a 429, which the server refused before counting (``release``); ``settle`` adds the
records and the units actually charged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

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
)


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

            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                cur.execute("PRAGMA busy_timeout=30000")  # wait for another process's write
                cur.close()

        self._create_schema()

    def _create_schema(self) -> None:
        """Create the table unless it exists. Several run processes starting on an empty database all find no
        table and all CREATE it; the losers fail ("already exists" on SQLite, DuplicateObject/UniqueViolation
        on PostgreSQL) once the winner has committed, so a failure with the table now present is success."""
        try:
            _metadata.create_all(self.engine)
        except sa.exc.DBAPIError:
            if not sa.inspect(self.engine).has_table(usage_table.name):
                raise

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
            if budget.requests is not None:
                cond = sa.and_(cond, c.requests + requests <= budget.requests)
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

    def charge(
        self,
        api: str,
        bucket: str,
        requests: int = 1,
        records: int = 0,
        units: int = 0,
        day: datetime | date | None = None,
    ) -> None:
        """Record spending that was not reserved (unconditional)."""
        d = utc_day(day)
        c = usage_table.c
        with self.engine.begin() as conn:
            self._ensure_row(conn, api, bucket, d)
            conn.execute(
                usage_table.update()
                .where(self._where(api, bucket, d))
                .values(requests=c.requests + requests, records=c.records + records, units=c.units + units)
            )

    def used(self, api: str, bucket: str, day: datetime | date | str | None = None) -> Usage:
        d = day if isinstance(day, str) else utc_day(day)
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(usage_table.c.requests, usage_table.c.records, usage_table.c.units).where(
                    self._where(api, bucket, d)
                )
            ).first()
        return Usage(*row) if row else Usage()

    def remaining(self, api: str, bucket: str, budget: Budget, day: datetime | date | None = None) -> Usage:
        """What is left of ``budget`` today (unlimited dimensions report -1)."""
        u = self.used(api, bucket, day)

        def left(limit: int | None, spent: int) -> int:
            return -1 if limit is None else max(0, limit - spent)

        return Usage(
            left(budget.requests, u.requests), left(budget.records, u.records), left(budget.units, u.units)
        )

    def close(self) -> None:
        self.engine.dispose()
