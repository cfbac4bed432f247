"""Concurrent dbt runs against one warehouse: the warehouse file lock serializes them, so none fails.

DuckDB allows one process to open a database file for writing; dbt-duckdb holds its connection for the whole
build. Beside the ``duckdb`` pool (which only the run queue of a Dagster instance enforces), every dbt
invocation of the assets runs under ``warehouse_lock()`` (tiktok_assets/analysis/warehouse.py).

1. Two processes materialize the real dbt assets (``dg.materialize``: dbt CLI, lock and all) against the same
   warehouse at the same moment (a rendezvous right before the lock, see tests/dbt/concurrent_build.py): both
   succeed, their dbt builds never overlap, and one of them waited for the other.
2. Without the lock DuckDB does conflict: a ``dbt build`` run directly (bypassing the lock) while another
   process holds the warehouse open for writing — what a running dbt build does — fails on DuckDB's file lock.
   The same writer holding the file *and* the warehouse lock only delays the Dagster asset, which then succeeds.
   (Two unlocked ``dbt build`` processes started together conflict only if their connections happen to
   overlap — a few seconds of startup against about a second of build on this lake — so that race is not
   asserted; a writer that provably holds the file is.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.dataset as ds
import pytest

from tests.dbt import location
from tests.dbt.lakedata import DAYS, build_lake
from tiktok_assets import settings
from tiktok_assets.analysis.warehouse import lock_path
from tiktok_assets.defs.dbt.project import DBT_EXECUTABLE

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORKER = HERE / "concurrent_build.py"
_ENV = ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV}
    return {**env, "TIKTOK_DATA_DIR": str(data_dir)}


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.timeout(1200)  # four dbt runs in turn, each a process loading the code location, on a busy box
def test_two_concurrent_dbt_builds_both_succeed_one_after_the_other(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_lake(data_dir / "lake")
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    names = {"a": DAYS[0].isoformat(), "b": DAYS[1].isoformat()}
    # Each build logs to a file, not a pipe: a pipe nobody reads while the test waits on the other build fills
    # up, and the build blocked on writing its log would hold the warehouse lock forever.
    logs = {name: tmp_path / f"{name}.log" for name in names}
    procs = {}
    for name, day in names.items():
        with logs[name].open("w") as log:
            procs[name] = subprocess.Popen(
                [sys.executable, str(WORKER), name, str(rendezvous), day, str(len(names))],
                cwd=REPO, env=_env(data_dir), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
    for proc in procs.values():
        try:
            proc.wait(timeout=900)  # four dbt runs in turn on a busy box
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    outputs = {name: path.read_text() for name, path in logs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, f"build {name} failed:\n{outputs[name][-4000:]}"
        assert "Could not set lock" not in outputs[name]

    events = {name: _events(rendezvous / f"{name}.jsonl") for name in names}
    for name, evs in events.items():
        runs = [e for e in evs if e["event"] == "run"]
        assert [(r["success"], r["failed_checks"]) for r in runs] == [(True, [])] * 2, name
    # Every hold of the lock (acquired → release), across both processes, is disjoint from every other.
    holds = sorted(
        (acq["t"], rel["t"], name)
        for name, evs in events.items()
        for acq, rel in zip(
            [e for e in evs if e["event"] == "acquired"],
            [e for e in evs if e["event"] == "release"],
            strict=True,
        )
    )
    assert len(holds) == 4, "two dbt invocations per process"
    for (_, end, first), (start, _, second) in zip(holds, holds[1:], strict=False):
        assert start >= end, f"dbt builds of {first} and {second} overlapped"
    # Contention happened: some process asked for the lock while the other held it, and waited for it.
    waited = [
        (name, e["t"])
        for name, evs in events.items()
        for e, granted in zip(
            [e for e in evs if e["event"] == "request"],
            [e for e in evs if e["event"] == "acquired"],
            strict=True,
        )
        if any(s < e["t"] < end and other != name for s, end, other in holds) and granted["t"] > e["t"]
    ]
    assert waited, "the two builds never contended for the warehouse"

    # The warehouse holds both builds' work: the incremental model (its first run, with no table yet, loads
    # every day; the second replaces its own day), and marts with every video of the lake.
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        days = con.execute(
            "select distinct partition_date::varchar from staging.stg_research__videos order by 1"
        ).fetchall()
        (videos,) = con.execute("select count(*) from marts.fct_videos").fetchone()
    finally:
        con.close()
    assert days == [(d.isoformat(),) for d in DAYS]
    lake = data_dir / "lake" / "research"
    ids = set(ds.dataset(lake / "videos", partitioning="hive").to_table(columns=["id"])["id"].to_pylist())
    ids |= set(
        ds.dataset(lake / "liked_videos", partitioning="hive").to_table(columns=["id"])["id"].to_pylist()
    )
    assert videos == len(ids)


HOLDER = """
import sys, time, duckdb
from tiktok_assets.analysis.warehouse import warehouse_lock
db, with_lock, hold = sys.argv[1], sys.argv[2] == "lock", float(sys.argv[3])
def held():
    con = duckdb.connect(db)  # read-write, like a running dbt build
    con.execute("create schema if not exists holder")
    print("held", time.time(), flush=True)
    time.sleep(hold)
    con.close()
if with_lock:
    with warehouse_lock():
        held()
else:
    held()
"""


def _hold(data_dir: Path, with_lock: bool, seconds: float) -> tuple[subprocess.Popen, float]:
    """A process holding the warehouse open for writing (and the warehouse lock if asked) for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir / "warehouse.duckdb"), "lock" if with_lock else "-",
         str(seconds)],
        cwd=REPO, env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    if not line.startswith("held"):
        proc.kill()
        raise AssertionError(f"the holder did not open the warehouse: {line}{proc.stderr.read()[-2000:]}")
    return proc, float(line.split()[1])


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_without_the_lock_duckdb_refuses_a_concurrent_dbt_build(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_lake(data_dir / "lake")
    holder, _ = _hold(data_dir, with_lock=False, seconds=120)
    try:
        dbt_vars = {"lake_dir": str(data_dir / "lake"), "duckdb_path": str(data_dir / "warehouse.duckdb")}
        result = subprocess.run(
            [DBT_EXECUTABLE, "build", "--select", "stg_research__user_info", "--vars", json.dumps(dbt_vars),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
            cwd=settings.dbt_project_dir(), env=_env(data_dir), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        _stop(holder)
    assert result.returncode != 0, "dbt wrote to a DuckDB file another process held open"
    assert "Could not set lock on file" in result.stdout, result.stdout[-3000:]


def test_with_the_lock_a_concurrent_writer_only_delays_the_dbt_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    build_lake(data_dir / "lake")
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(data_dir))
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    hold = 4.0
    holder, held_at = _hold(data_dir, with_lock=True, seconds=hold)
    try:
        assert lock_path().exists()
        result = dg.materialize(
            [location.DBT_DAILY_STAGING],
            partition_key=DAYS[0].isoformat(),
            resources=location.resources(),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        finished = time.time()
    finally:
        _stop(holder)
    assert holder.returncode == 0, holder.stderr.read()[-2000:]
    assert result.success, [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    assert finished >= held_at + hold, "the asset ran while another process held the warehouse"
