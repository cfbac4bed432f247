"""The demo's 30-day collection + dbt + analyses on a local cluster — Dagster instance on PostgreSQL, lake on an
S3 API (moto), Celery executor with two workers (Redis), quota ledger on PostgreSQL — against the same run on
one machine (in process, SQLite, local lake): the same lake, the same marts row for row, the same quota, the
API pool still one step at a time across workers, and no secret in any log, event or broker message."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import redis
import sqlalchemy as sa
from cluster_events import celery_workers, video_truth
from dagster._serdes import serialize_value

from tiktok_assets.cli.demo import run_demo
from tiktok_assets.cluster.demo import cluster_runner
from tiktok_assets.cluster.services import ServiceUnavailableError
from tiktok_assets.cluster.stack import LAKE_PREFIX, local_cluster
from tiktok_assets.config import load_monitoring
from tiktok_assets.endpoints.research import ACCOUNT_ENDPOINTS
from tiktok_assets.lake import compaction, datasets, layout
from tiktok_assets.sandbox.testing import running_sandbox

DAYS = 30
LAST = date(2026, 6, 12)  # the last complete searchable day at the demo's clock (2026-06-15 12:00)
FIRST = LAST - timedelta(days=DAYS - 1)
# Every run of the demo talks to the sandbox with these (the resources' defaults when nothing is set).
SANDBOX_SECRETS = ["sandbox-secret", "sandbox-token"]
CLEARED = ("TIKTOK_LAKE_URL", "TIKTOK_LAKE_DIR", "TIKTOK_EXECUTOR", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING",
           "TIKTOK_CLOCK_NOW", "TIKTOK_DUCKDB_PATH", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")  # fmt: skip


# The whole cluster and a 30-day demo in one module fixture: minutes, more on a loaded 2-core box than
# pytest's default 600 s per test (the fixture's setup counts against the first test).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


@dataclass
class Outcome:
    summary: dict
    lake: dict[str, pa.Table]  # storage key → the partition's rows
    warehouse: Path
    ledger: list[tuple]
    events: list[dg.EventLogEntry]
    logs: str  # worker logs + broker contents (cluster only)
    secrets: list[str]


def _ledger_rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select * from quota_usage")).all()
        return sorted(tuple(r) for r in rows)
    finally:
        engine.dispose()


def _read_lake(files: dict[str, object]) -> dict[str, pa.Table]:
    return {key: pq.read_table(source) for key, source in files.items()}


def _broker_contents(url: str) -> list[str]:
    """Every value Redis holds (step results, queued and unacknowledged messages), as text."""
    broker = redis.Redis.from_url(url, decode_responses=True)
    readers = {"string": broker.get, "list": lambda k: broker.lrange(k, 0, -1), "hash": broker.hgetall,
               "set": broker.smembers, "zset": lambda k: broker.zrange(k, 0, -1)}  # fmt: skip
    out = [f"{key}={readers.get(broker.type(key), lambda _k: '')(key)}" for key in broker.keys("*")]
    broker.close()
    return out


@pytest.fixture(scope="module")
def single_machine(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    tmp = tmp_path_factory.mktemp("single")
    with pytest.MonkeyPatch.context() as mp:
        for name in CLEARED:
            mp.delenv(name, raising=False)
        mp.setenv("DAGSTER_HOME", str(tmp / "home"))
        mp.setenv("TIKTOK_DATA_DIR", str(tmp / "data"))
        mp.setenv("TIKTOK_QUOTA_DB_URL", "unset")  # the demo sets its own, fresh
        from tiktok_assets.definitions import defs

        summary = run_demo(defs(), days=DAYS, echo=lambda _line: None)
        lake = tmp / "data" / "lake"
        files = {p.relative_to(lake).as_posix(): str(p) for p in lake.rglob(layout.PART_FILE)}
        return Outcome(summary, _read_lake(files), tmp / "data" / "warehouse.duckdb",
                       _ledger_rows(f"sqlite:///{tmp / 'data' / 'demo_quota.sqlite'}"), [], "", [])  # fmt: skip


@pytest.fixture(scope="module")
def on_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    tmp = tmp_path_factory.mktemp("cluster")
    with pytest.MonkeyPatch.context() as mp:
        for name in CLEARED:
            mp.delenv(name, raising=False)
        mp.setenv("TIKTOK_QUOTA_DB_URL", "unset")
        try:
            stack = local_cluster(tmp)
            cluster = stack.__enter__()
        except ServiceUnavailableError as exc:
            pytest.skip(str(exc))
        try:
            from tiktok_assets.definitions import defs

            lines: list[str] = []
            summary = run_demo(
                defs(), days=DAYS, echo=lines.append, start_runner=cluster_runner(cluster, 2, lines.append)
            )
            summary["echo"] = "\n".join(lines)
            client, bucket = cluster.store.client(), cluster.store.bucket
            files = {
                key.removeprefix(LAKE_PREFIX + "/"): pa.BufferReader(
                    client.get_object(Bucket=bucket, Key=key)["Body"].read()
                )
                for key in cluster.store.keys(LAKE_PREFIX + "/")
            }
            with dg.DagsterInstance.get() as instance:
                assert type(instance.run_storage).__name__ == "PostgresRunStorage"
                events = [e for run in instance.get_runs() for e in instance.all_logs(run.run_id)]
            worker_logs = "\n".join(p.read_text(errors="replace") for p in cluster.log_dir.glob("*.log"))
            logs = worker_logs + "\n".join(_broker_contents(cluster.redis.url))
            outcome = Outcome(summary, _read_lake(files), tmp / "data" / "warehouse.duckdb",
                              _ledger_rows(cluster.env["TIKTOK_QUOTA_DB_URL"]), events, logs,
                              cluster.secrets())  # fmt: skip
            assert worker_logs.count(" ready.") == 2
        finally:
            stack.__exit__(None, None, None)
    yield outcome


def test_every_run_succeeds_and_every_check_passes(on_cluster: Outcome) -> None:
    assert not on_cluster.summary["failed_runs"], on_cluster.summary["echo"]
    assert on_cluster.summary["checks_total"] > 100 and not on_cluster.summary["checks_failed"]


def test_the_lake_on_s3_equals_the_sandbox_truth(on_cluster: Outcome) -> None:
    monitoring = load_monitoring()
    with running_sandbox() as sandbox:  # same seed and clock as the demo's: the same world, its truth
        for query in monitoring.queries:
            truth = video_truth(sandbox, query.query, FIRST, LAST)
            prefix = f"research/videos/query={query.name}/"
            days = {k for k in on_cluster.lake if k.startswith(prefix)}
            assert len(days) == DAYS, query.name  # every day is a partition, even an empty one
            got = {i for k in days for i in on_cluster.lake[k]["id"].to_pylist()}
            assert got == truth and truth, query.name
        checked = 0
        for endpoint in ACCOUNT_ENDPOINTS:
            column = "username" if endpoint.dataset.name in ("followers", "following") else "id"
            for account in monitoring.accounts:
                key = layout.partition_key(endpoint.dataset, {"account": account, "snapshot": "2026-06-15"})
                got = {str(v) for v in on_cluster.lake[key][column].to_pylist()}
                try:
                    truth = set(
                        sandbox.truth("research", endpoint.path.strip("/") + "/", {"username": account})
                    )
                except RuntimeError:  # refused by the API (private account, hidden likes): recorded as empty
                    truth = set()
                assert got == truth, (endpoint.dataset.name, account)
                checked += len(truth)
        assert checked > 0
        comments = pa.concat_tables(
            [t for k, t in on_cluster.lake.items() if k.startswith("research/comments/")]
        )
        by_video: dict[int, set[int]] = defaultdict(set)
        for row in comments.select(["video_id", "id"]).to_pylist():
            by_video[row["video_id"]].add(row["id"])
        for video_id, ids in sorted(by_video.items())[:25]:  # a truth per video walks its pages: sample
            assert ids == {
                int(k) for k in sandbox.truth("research", "video/comment/list/", {"video_id": video_id})
            }


def test_the_lake_on_s3_holds_what_one_machine_writes(single_machine: Outcome, on_cluster: Outcome) -> None:
    assert set(on_cluster.lake) == set(single_machine.lake) and on_cluster.lake
    copies = [key for key in single_machine.lake if key.startswith(compaction.ROOT + "/")]
    assert copies, "the demo compacts its complete month, and dbt reads the copies from S3"
    for key, table in single_machine.lake.items():
        copied = key in copies  # a monthly copy: its days' rows, with the day as a column
        of = key.removeprefix(compaction.ROOT + "/")
        dataset = next(d for d in datasets.ALL if of.startswith(layout.dataset_prefix(d) + "/"))
        order = [(c, "ascending") for c in (*dataset.key, *((compaction.DAY,) if copied else ()))]
        assert on_cluster.lake[key].sort_by(order).equals(table.sort_by(order)), key


def test_marts_from_s3_parquet_match_the_local_lake_marts_row_for_row(
    single_machine: Outcome, on_cluster: Outcome
) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{single_machine.warehouse}' as local (read_only)")
    con.execute(f"attach '{on_cluster.warehouse}' as s3 (read_only)")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'local' "
        "and schema_name in ('staging', 'marts') order by all"
    ).fetchall()
    assert {t for _, t in tables} >= {"fct_videos", "account_daily", "hashtag_daily", "comment_threads"}
    for schema, table in tables:
        a, b = f"local.{schema}.{table}", f"s3.{schema}.{table}"
        (rows,) = con.execute(f"select count(*) from {a}").fetchone()
        (only_a,) = con.execute(
            f"select count(*) from (select * from {a} except all select * from {b})"
        ).fetchone()
        (only_b,) = con.execute(
            f"select count(*) from (select * from {b} except all select * from {a})"
        ).fetchone()
        assert (only_a, only_b) == (0, 0), (schema, table, rows)
    con.close()


def test_quota_spent_equals_a_single_machine_run(single_machine: Outcome, on_cluster: Outcome) -> None:
    assert on_cluster.ledger == single_machine.ledger and on_cluster.ledger
    assert on_cluster.summary["requests"] == single_machine.summary["requests"]
    assert on_cluster.summary["rows"] == single_machine.summary["rows"]


def test_steps_ran_on_both_workers_and_the_api_pool_held_one_at_a_time(on_cluster: Outcome) -> None:
    workers: dict[str, set[str]] = defaultdict(set)
    for step_key, worker in celery_workers(on_cluster.events):
        workers[worker].add(step_key)
    spans: dict[tuple[str, str], list[float]] = {}
    for event in on_cluster.events:
        dagster_event = event.dagster_event
        if dagster_event is None or event.step_key is None:
            continue
        if dagster_event.event_type_value in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
            spans.setdefault((event.run_id, event.step_key), []).append(event.timestamp)
    assert len(workers) == 2 and all(len(steps) > 3 for steps in workers.values()), workers
    intervals = sorted((min(t), max(t), step) for (_, step), t in spans.items())
    research = [i for i in intervals if i[2].startswith("research__")]
    overlaps = lambda xs: [(a, b) for a, b in zip(xs, xs[1:], strict=False) if b[0] < a[1]]  # noqa: E731
    assert not overlaps(research)  # pool research_api: one step at a time, whatever worker runs it
    assert overlaps(intervals)  # while steps of other pools did run side by side on the two workers


def test_no_secret_in_worker_logs_broker_or_event_log(on_cluster: Outcome) -> None:
    events = json.dumps([serialize_value(e) for e in on_cluster.events])
    assert "Executing steps" in on_cluster.logs and "STEP_SUCCESS" in events  # what is searched is real
    for secret in [*on_cluster.secrets, *SANDBOX_SECRETS]:
        assert secret not in on_cluster.logs, secret[:3]
        assert secret not in events, secret[:3]
