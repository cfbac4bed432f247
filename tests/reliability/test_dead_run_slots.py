"""Issue 16.1: a SIGKILLed run must not hold its ``research_api`` pool slot forever.

A real Dagster instance (the shipped dagster.yaml: pools of one slot; Dagster's own sweep of ended runs'
slots pushed to an hour, so only our recovery can free them), the real CLIs, a sandbox whose answers take a
while: a first run is killed (SIGKILL) while its step holds the slot; the next run must complete with no
manual step —
- without the daemon: ``dagster asset materialize`` twice (the CLI and demo path): the next run's executor
  fails the dead run and frees its slot;
- with the daemon: ``dagster job launch`` twice, the daemon's run queue launching both run workers (it holds a
  run while its pool is full): ``dead_run_sensor`` frees the slot.
Then the killed run is FAILURE and no slot is left claimed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest

from tiktok_assets import settings
from tiktok_assets.config import monitoring_path
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

NOW = "2026-06-15T12:00:00Z"
SNAPSHOT_DAY = "2026-06-15"
BIN = Path(sys.executable).parent
POOL = "research_api"
IN_PROCESS = json.dumps({"execution": {"config": {"in_process": {}}}})


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], SandboxHandle]]:
    """A Dagster home with the shipped dagster.yaml, a slow sandbox (1.5 s an answer) and the CLI's env."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = (settings.project_root() / "dagster.yaml").read_text()
    # Only the next run may free the dead run's slot here: the daemon's own sweep of ended runs waits an hour.
    config = config.replace("free_slots_after_run_end_seconds: 60", "free_slots_after_run_end_seconds: 3600")
    (home / "dagster.yaml").write_text(config)
    with running_sandbox(now=NOW, per_minute=1_000_000, faults={"latency_ms": 1500}) as sandbox:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "ENSEMBLEDATA_", "DAGSTER_"))
        }
        env.update({
            "DAGSTER_HOME": str(home),
            "TIKTOK_DATA_DIR": str(tmp_path / "data"),
            "TIKTOK_SANDBOX_URL": sandbox.base_url,
            "TIKTOK_QUOTA_DB_URL": f"sqlite:///{tmp_path / 'quota.sqlite'}",
            "TIKTOK_CLOCK_NOW": NOW,
            "TIKTOK_MONITORING": str(monitoring_path()),
        })  # fmt: skip
        yield home, env, sandbox


def materialize(env: dict[str, str]) -> list[str]:
    return [str(BIN / "dagster"), "asset", "materialize", "-m", "tiktok_assets.definitions", "--select",
            "research/user_info", "--partition", SNAPSHOT_DAY, "--config-json", IN_PROCESS]  # fmt: skip


def launch(env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = [str(BIN / "dagster"), "job", "launch", "-m", "tiktok_assets.definitions", "-j", "research_user_info",
            "--tags", json.dumps({"dagster/partition": SNAPSHOT_DAY})]  # fmt: skip
    return subprocess.run(
        argv, env=env, cwd=settings.project_root(), capture_output=True, text=True, timeout=180
    )


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    return {s.run_id for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots}


def wait_for(what: str, predicate, timeout: float = 180.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its children at once, as a crash of the machine or container would."""
    process = psutil.Process(pid)
    for p in [*process.children(recursive=True), process]:
        p.send_signal(signal.SIGKILL)
    psutil.wait_procs([process], timeout=10)


def kill_a_cli_run_holding_the_slot(instance: dg.DagsterInstance, env: dict[str, str]) -> str:
    """Start ``dagster asset materialize``, SIGKILL it once its step holds the pool's slot; its run id."""
    first = subprocess.Popen(materialize(env), env=env, cwd=settings.project_root(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        return wait_for("the first run to hold the slot", lambda: next(iter(slot_holders(instance)), None))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)


def run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START).records
    return records[0].event_log_entry.dagster_event.pid


def messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    entries = [r.event_log_entry for r in instance.get_records_for_run(run_id).records]
    return [(e.dagster_event.message if e.dagster_event else None) or e.user_message or "" for e in entries]


def assert_recovered(instance: dg.DagsterInstance, killed: str, survivor: str) -> None:
    """The killed run is FAILURE, the next run succeeded, no slot is left claimed."""
    dead = instance.get_run_by_id(killed)
    assert dead is not None and dead.status == dg.DagsterRunStatus.FAILURE, dead and dead.status
    assert instance.get_run_by_id(survivor).status == dg.DagsterRunStatus.SUCCESS
    assert slot_holders(instance) == set()


def test_next_cli_run_after_a_sigkill_completes_without_the_daemon(home) -> None:  # type: ignore[no-untyped-def]
    home_dir, env, _sandbox = home
    with dg.DagsterInstance.from_config(str(home_dir)) as instance:
        killed = kill_a_cli_run_holding_the_slot(instance, env)
        # The pool's one slot is still claimed by a run whose process is gone.
        assert slot_holders(instance) == {killed}
        done = subprocess.run(materialize(env), env=env, cwd=settings.project_root(), capture_output=True,
                              text=True, timeout=240)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        survivor = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))[0]
        assert_recovered(instance, killed, survivor.dagster_run.run_id)
        # The next run itself freed the slot (no daemon here), and says so in its log.
        said = messages(instance, survivor.dagster_run.run_id)
        assert any(killed in m and "gone" in m and "freed" in m for m in said), said
        assert any("run worker" in m and "is gone" in m for m in messages(instance, killed))


def test_next_demo_run_after_a_sigkill_completes(home, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The demo runs in process (``execute_in_process`` brings its own executor): it reaps before each run."""
    from tiktok_assets.cli import demo

    home_dir, env, _sandbox = home
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(home_dir)) as instance:
        killed = kill_a_cli_run_holding_the_slot(instance, env)
        from tiktok_assets.definitions import defs

        step = {"keys": [dg.AssetKey(["research", "user_info"])], "partition_key": SNAPSHOT_DAY, "label": "x"}
        result = demo._run(defs(), instance, step)
        assert result.success
        assert_recovered(instance, killed, result.run_id)


def test_next_daemon_launched_run_after_a_sigkill_completes(home) -> None:  # type: ignore[no-untyped-def]
    home_dir, env, _sandbox = home
    with dg.DagsterInstance.from_config(str(home_dir)) as instance:  # every storage created before they race
        instance.get_runs()
        instance.all_instigator_state()
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "tiktok_assets.definitions"], env=env,
                              cwd=settings.project_root(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # fmt: skip
    try:
        with dg.DagsterInstance.from_config(str(home_dir)) as instance:
            assert launch(env).returncode == 0
            killed = wait_for(
                "the first run to hold the slot", lambda: next(iter(slot_holders(instance)), None)
            )
            kill_tree(run_worker_pid(instance, killed))
            assert slot_holders(instance) == {killed}
            assert launch(env).returncode == 0
            # The launched job's run: the automation sensor's own runs (the daemon runs it) may succeed first.
            survivor = wait_for(
                "the second run to succeed",
                lambda: next((r.dagster_run.run_id for r in instance.get_run_records(dg.RunsFilter(
                    job_name="research_user_info", statuses=[dg.DagsterRunStatus.SUCCESS]))), None),
                timeout=300,
            )  # fmt: skip
            assert_recovered(instance, killed, survivor)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(10)
