"""The DuckDB warehouse dbt builds: one writer at a time, across processes.

DuckDB lets one process open a database file for writing, and a read-only open fails while another process
writes (dagster #16248: "Could not set lock on file"). Two layers keep concurrent runs from failing:
- the Dagster pool ``duckdb`` (limit 1 in dagster.yaml) on every asset that opens the file, so the run
  queue serializes them without burning a run slot on waiting;
- this file lock around each open, which also covers what pools do not: in-process ``materialize`` in tests,
  runs started without the pool limit, and a hand ``dbt`` run wrapped by ``tiktok-assets``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from tiktok_assets import settings

if TYPE_CHECKING:  # duckdb is imported where a connection opens, not when the code location loads
    import duckdb

POOL = "duckdb"
LOCK_TIMEOUT_S = 30 * 60  # a full dbt build of a large lake takes minutes; waiting beats failing


def lock_path(db_path: Path | None = None) -> Path:
    db = db_path or settings.duckdb_path()
    return db.with_name(db.name + ".lock")


@contextmanager
def warehouse_lock(db_path: Path | None = None, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the warehouse's cross-process lock (the DuckDB file itself allows one writer)."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path, timeout=timeout):
        yield


@contextmanager
def read_only(db_path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, opened under the lock so no dbt run is writing."""
    import duckdb

    db = db_path or settings.duckdb_path()
    with warehouse_lock(db):
        con = duckdb.connect(str(db), read_only=True)
        try:
            yield con
        finally:
            con.close()
