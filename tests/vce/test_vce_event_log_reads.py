"""A VCE step reads what the event log holds about its days (the tasks to resume, the figures of the days it
skips) in a fixed number of queries, however many days it covers: one day or a month cost the same reads.

The reads are counted as the SQL statements the instance's real SQLite event log executes (a SQLAlchemy
listener watches them; nothing is replaced)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.vce.support import SAMPLED_QUERY, SANDBOX_NOW, materialize_range, vce_monitoring
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.sandbox.testing import running_sandbox

KEY_PARAM = json.dumps(["vce", "broad"])  # the asset key as the event log's column holds it
ONE_DAY = (date(2026, 6, 1), date(2026, 6, 1))
THREE_DAYS = (date(2026, 6, 2), date(2026, 6, 4))


@contextmanager
def partition_reads() -> Iterator[list[str]]:
    """The statements that read the event log by partition of ``vce/broad`` while the block runs."""
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        values = params.values() if isinstance(params, dict) else params or ()
        by_partition = statement.lstrip().upper().startswith("SELECT") and "event_logs.partition" in statement
        if by_partition and KEY_PARAM in values:
            reads.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", seen)


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Partition reads of four runs on one instance: new runs of one and of three days, then re-executions
    of each (which skip every day and report the figures recorded when it was stored)."""
    tmp: Path = tmp_path_factory.mktemp("vce_reads")
    m = vce_monitoring({"broad": SAMPLED_QUERY})
    counts: dict[str, int] = {}
    with running_sandbox(now=SANDBOX_NOW) as sb, dg.instance_for_test() as instance:
        for name, days in (("one day", ONE_DAY), ("three days", THREE_DAYS)):
            with partition_reads() as new_run:
                run = materialize_range(m, sb, tmp, instance, days, {})
            with partition_reads() as reexecution:
                again = materialize_range(m, sb, tmp, instance, days, {RESUME_TAG: run.run_id})
            assert run.success and again.success
            counts[name], counts[f"{name} re-executed"] = len(new_run), len(reexecution)
    return counts


def test_a_run_of_three_days_reads_the_event_log_as_often_as_a_run_of_one(reads: dict[str, int]) -> None:
    assert reads["three days"] == reads["one day"] <= 2  # the latest materializations, the observations


def test_a_reexecution_of_three_days_reads_it_as_often_as_one_of_one(reads: dict[str, int]) -> None:
    assert reads["three days re-executed"] == reads["one day re-executed"] <= 2
