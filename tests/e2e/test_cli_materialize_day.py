"""One day of the whole graph through the real `dagster asset materialize` CLI, against a sandbox process.

The graph mixes partitionings, and one CLI call takes one PartitionsDefinition, so the day is a sequence of
calls (the grouping of `tiktok_assets.demo.plan_runs`, for a single day):
1. the day-partitioned assets (videos per named query, comments, playlists, the two incremental dbt staging
   models) with ``--partition <day>``, then EnsembleData's user posts and comments (their own day partitions);
2. the collection-day assets (``research/user_info``, EnsembleData's profiles, sounds, post statistics, units)
   for the sandbox's today;
3. the account, hashtag, keyword and sound assets once per partition (added to the instance first, as the
   sensor would);
4. everything unpartitioned (dbt staging/intermediate/marts and the analyses).
Every call must exit 0; then the instance's event log must hold a materialization of every asset key and
passing evaluations of every asset check (each dbt test included), and the lake must equal the sandbox's truth.

Each call runs with the in-process executor (``--config-json``): the default multiprocess executor starts a
process per step, each re-importing the code location (~4 s), which takes a one-account run from ~5 s to ~28 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest
from dagster._core.events import DagsterEventType

from tiktok_assets import settings
from tiktok_assets.config import dynamic_keys, load_monitoring, monitoring_path
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.partitions import daily_partitions, snapshot_partitions
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.slow

NOW = "2026-06-15T12:00:00Z"  # the sandbox clock
DAY = "2026-06-12"  # the last day the Research API's 48-hour archive lag allows at NOW
SNAPSHOT_DAY = "2026-06-15"  # user_info is partitioned by collection day: the sandbox's today
BIN = Path(sys.executable).parent
IN_PROCESS = json.dumps({"execution": {"config": {"in_process": {}}}})
DBT_SCHEMAS = ("staging", "intermediate", "marts")


@dataclass
class Step:
    label: str
    keys: list[dg.AssetKey]
    partition: str | None = None

    def argv(self) -> list[str]:
        argv = [str(BIN / "dagster"), "asset", "materialize", "-m", "tiktok_assets.definitions",
                "--select", ",".join(k.to_user_string() for k in self.keys)]  # fmt: skip
        if self.partition is not None:
            argv += ["--partition", self.partition]
        return [*argv, "--config-json", IN_PROCESS]


@dataclass
class DayRun:
    home: Path
    data_dir: Path
    sandbox: SandboxHandle
    graph: Any
    steps: list[Step]
    seconds: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sandbox_process(port: int, log: Path) -> subprocess.Popen:
    argv = [str(BIN / "tiktok-assets"), "sandbox", "serve", "--port", str(port), "--now", NOW,
            "--seed", "7", "--size", "small"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sandbox exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/_sandbox/health", timeout=1.0).json().get("ok"):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise AssertionError(f"sandbox not healthy within 60 s: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # `sandbox serve` stops cleanly on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def plan(graph: Any, entities: dict[str, tuple[str, ...]]) -> list[Step]:
    """One CLI call per partitioning, upstream first (demo.plan_runs' grouping, for one day)."""
    days: dict[Any, list[dg.AssetKey]] = {}
    snapshot, plain = [], []
    dynamic: dict[str, list[dg.AssetKey]] = {}
    monitoring = load_monitoring()
    snapshot_days = snapshot_partitions(monitoring.start_date)
    for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        pdef = graph.get(key).partitions_def
        if pdef is None:
            plain.append(key)
        elif isinstance(pdef, dg.DynamicPartitionsDefinition):
            assert pdef.name in entities, key
            dynamic.setdefault(pdef.name, []).append(key)
        elif pdef == snapshot_days:
            snapshot.append(key)  # live snapshots, by collection day
        elif isinstance(pdef, dg.TimeWindowPartitionsDefinition):
            # days of creation: research video days (with the incremental dbt staging), EnsembleData posted days
            days.setdefault(pdef, []).append(key)
        else:
            raise AssertionError(f"{key.to_user_string()}: unexpected {type(pdef).__name__}")
    assert daily_partitions(monitoring.start_date, monitoring.end_date) in days
    return [
        *(Step(f"day {DAY}", keys, DAY) for keys in days.values()),
        Step(f"snapshot {SNAPSHOT_DAY}", snapshot, SNAPSHOT_DAY),
        *(Step(f"{name}={e}", keys, e) for name, keys in dynamic.items() for e in entities[name]),
        Step("unpartitioned", plain),
    ]


def cli_setup(tmp: Path) -> tuple[subprocess.Popen, SandboxHandle, dict[str, str]]:
    """A sandbox process, and the environment of CLI calls against it: a Dagster home with the repository's
    dagster.yaml (``tmp/dagster_home``), the data folder ``tmp/data``, a quota ledger of their own."""
    home = tmp / "dagster_home"
    home.mkdir()
    shutil.copy(settings.project_root() / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    proc = sandbox_process(port, tmp / "sandbox.log")
    sandbox = SandboxHandle(f"http://127.0.0.1:{port}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "ENSEMBLEDATA_", "DAGSTER_"))}
    env.update({
        "DAGSTER_HOME": str(home),
        "TIKTOK_DATA_DIR": str(tmp / "data"),
        "TIKTOK_SANDBOX_URL": sandbox.base_url,
        "TIKTOK_QUOTA_DB_URL": f"sqlite:///{tmp / 'quota.sqlite'}",
        "TIKTOK_MONITORING": str(monitoring_path()),  # the file this process reads for accounts and queries
    })  # fmt: skip
    return proc, sandbox, env


@pytest.fixture(scope="module")
def day_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DayRun]:
    tmp = tmp_path_factory.mktemp("cli_day")
    home, data_dir = tmp / "dagster_home", tmp / "data"
    proc, sandbox, env = cli_setup(tmp)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DAGSTER_HOME", str(home))  # DagsterInstance.get() below: the CLI's instance
            from tiktok_assets.definitions import defs

            graph = defs().resolve_asset_graph()
            entities = dynamic_keys(load_monitoring())  # accounts, hashtags, keywords, music
            steps = plan(graph, entities)
            with dg.DagsterInstance.get() as instance:  # what monitoring_partitions_sensor would request
                for name, keys in entities.items():
                    instance.add_dynamic_partitions(name, list(keys))
            run = DayRun(home, data_dir, sandbox, graph, steps)
            for step in steps:
                t0 = time.perf_counter()
                done = subprocess.run(step.argv(), env=env, cwd=settings.project_root(), capture_output=True,
                                      text=True, timeout=300)  # fmt: skip
                run.seconds[step.label] = time.perf_counter() - t0
                assert done.returncode == 0, f"{step.label}: exit {done.returncode}\n{done.stderr[-4000:]}"
            yield run
    finally:
        sandbox.close()
        stop(proc)


@contextlib.contextmanager
def instance_at(home: Path) -> Iterator[dg.DagsterInstance]:
    """The instance the CLI calls wrote to (``DAGSTER_HOME=home``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.get() as inst:
            yield inst


@pytest.fixture(scope="module")
def instance(day_run: DayRun) -> Iterator[dg.DagsterInstance]:
    with instance_at(day_run.home) as inst:
        yield inst


def check_evaluations(instance: dg.DagsterInstance) -> list[Any]:
    return [
        entry.dagster_event.event_specific_data
        for run in instance.get_runs()
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    ]


def test_every_call_succeeds_as_its_own_run(day_run: DayRun, instance: dg.DagsterInstance) -> None:
    runs = instance.get_runs()
    assert len(runs) == len(day_run.steps)
    assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
    timing = ", ".join(f"{label} {s:.1f}s" for label, s in day_run.seconds.items())
    # Printed for the reader (-rP), never asserted: tests do not judge wall time (benchmarks/ do).
    print(f"CLI calls: {timing}; total {sum(day_run.seconds.values()):.0f}s")


def test_every_asset_key_is_materialized_for_its_partition(
    day_run: DayRun, instance: dg.DagsterInstance
) -> None:
    graph = day_run.graph
    assert graph.get_all_asset_keys() == graph.materializable_asset_keys  # no external asset left unbuilt
    missing = []
    for step in day_run.steps:
        for key in step.keys:
            partitions = [step.partition] if step.partition is not None else None
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions), limit=1
            ).records
            if not records:
                missing.append(f"{key.to_user_string()}[{step.partition}]")
    assert not missing
    covered = {k for step in day_run.steps for k in step.keys}
    assert covered == set(graph.materializable_asset_keys)


def test_every_asset_check_ran_and_passed(day_run: DayRun, instance: dg.DagsterInstance) -> None:
    evaluations = check_evaluations(instance)
    failed = sorted(f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed)
    assert evaluations and not failed
    never = set(day_run.graph.asset_check_keys) - {e.asset_check_key for e in evaluations}
    assert not never, sorted(k.to_user_string() for k in never)


def dbt_tests_by_model() -> dict[str, set[str]]:
    """Model name → the names of the dbt tests on it (generic tests, and singular tests on one model)."""
    from tiktok_assets.defs.dbt.project import PROJECT

    nodes = json.loads(Path(PROJECT.manifest_path).read_text())["nodes"]
    out: dict[str, set[str]] = {}
    for node in nodes.values():
        if node["resource_type"] != "test":
            continue
        parents = [n for n in node["depends_on"]["nodes"] if n.startswith("model.")]
        attached = node.get("attached_node") or (parents[0] if len(parents) == 1 else None)
        if attached:
            out.setdefault(nodes[attached]["name"], set()).add(node["name"])
    return out


def test_every_dbt_test_passed_as_an_asset_check(day_run: DayRun, instance: dg.DagsterInstance) -> None:
    passed: dict[dg.AssetKey, set[str]] = {}
    for e in check_evaluations(instance):
        if e.passed:
            passed.setdefault(e.asset_key, set()).add(e.check_name)
    by_name = {k.path[-1]: k for k in day_run.graph.materializable_asset_keys if k.path[0] in DBT_SCHEMAS}
    tests = dbt_tests_by_model()
    assert {by_name[m].path[0] for m in tests} >= {"staging", "marts"}  # tests exist on both layers
    for model, names in tests.items():
        key = by_name[model]
        assert passed.get(key), f"{key.to_user_string()}: no passing dbt-test check"
        assert names <= passed[key], (key.to_user_string(), sorted(names - passed[key]))


def test_lake_day_equals_the_sandbox_truth(day_run: DayRun) -> None:
    lake = LakeResource(lake_dir=str(day_run.data_dir / "lake"))
    compact = DAY.replace("-", "")
    total = 0
    for q in load_monitoring().queries:
        body = {"query": q.query, "start_date": compact, "end_date": compact}
        truth = {int(k) for k in day_run.sandbox.truth("research", "video/query/", body)}
        table = lake.read(rds.VIDEOS, {"query": q.name, "date": DAY}, ["id"])
        assert table is not None, q.name
        assert set(table["id"].to_pylist()) == truth, q.name
        total += len(truth)
    assert total > 0, "an empty day proves nothing"
    # The day's comments: every top-level comment of each video whose comments were collected.
    comments = lake.read(rds.COMMENTS, {"date": DAY}, ["id", "video_id"])
    assert comments is not None and comments.num_rows > 0
    by_video: dict[int, set[int]] = {}
    for row in comments.to_pylist():
        by_video.setdefault(row["video_id"], set()).add(row["id"])
    for video_id, ids in by_video.items():
        truth = {
            int(k) for k in day_run.sandbox.truth("research", "video/comment/list/", {"video_id": video_id})
        }
        assert ids == truth, video_id


def test_data_quality_says_replies_were_not_collected(instance: dg.DagsterInstance) -> None:
    assert load_monitoring().comments.replies is False  # the shipped monitoring.yaml
    (record,) = instance.fetch_materializations(dg.AssetKey(["analysis", "data_quality"]), limit=1).records
    metadata = record.asset_materialization.metadata
    assert metadata["replies_collected"].value is False
    assert isinstance(metadata["reply_coverage"], dg.NullMetadataValue)
