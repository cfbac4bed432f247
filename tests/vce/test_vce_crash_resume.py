"""A VCE materialization SIGKILLed while its tasks run: the rerun (a new process, the same Dagster instance)
finds the tasks by the ids the killed run recorded and finishes them, creating no second task; the lake ends
exactly at the truth."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import dagster as dg

from tests.vce.support import SANDBOX_NOW, lake_ids, truth_ids
from tiktok_assets import config
from tiktok_assets.config import load_monitoring
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

FIRST, LAST = date(2026, 6, 8), date(2026, 6, 10)
QUERY = "pet_mentions"

CHILD = textwrap.dedent(
    """
    import json, sys, warnings, dagster as dg
    warnings.simplefilter("ignore")
    from pathlib import Path
    from tiktok_assets.config import load_monitoring
    from tiktok_assets.defs.lake_resource import LakeResource
    from tiktok_assets.defs.vce.definitions import build_assets
    from tiktok_assets.defs.vce.resources import VceResource
    url, tmp, first, last, poll = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
    assets = [a for a in build_assets(load_monitoring()) if a.key.path[-1] == "pet_mentions"]
    resources = {"vce": VceResource(base_url=url, ledger_url=f"sqlite:///{tmp / 'quota.sqlite'}", **poll),
                 "lake": LakeResource(lake_dir=str(tmp / "lake"))}
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    with dg.DagsterInstance.get() as instance:  # DAGSTER_HOME: the same instance for the run and its rerun
        result = dg.materialize(assets, resources=resources, tags=tags, instance=instance, raise_on_error=False)
    sys.exit(0 if result.success else 1)
    """
)


def child(sb: SandboxHandle, tmp: Path, poll: dict[str, float], log: Path) -> subprocess.Popen[bytes]:
    """The run in a child process; its log goes to ``log`` (a pipe nobody reads while the test polls the
    sandbox could fill up and stall the run)."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "TIKTOK_CLOCK_NOW": SANDBOX_NOW,
           "TIKTOK_MONITORING": str(config.DEFAULT_PATH)}  # fmt: skip
    args = [sb.vce_url, str(tmp), FIRST.isoformat(), LAST.isoformat(), json.dumps(poll)]
    with log.open("w") as err:
        return subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env, cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip


def test_a_sigkilled_runs_rerun_resumes_its_tasks_and_creates_none(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    days = (LAST - FIRST).days + 1
    (query,) = [q for q in load_monitoring(config.DEFAULT_PATH).vce_queries if q.name == QUERY]
    with running_sandbox(now=SANDBOX_NOW) as sb:
        # Slow polls (0, 1, 3, 7 s): a task shows Processing from its third poll until its fourth.
        proc = child(sb, tmp_path, {"poll_initial_seconds": 1.0, "poll_factor": 2.0}, tmp_path / "killed.log")
        try:
            deadline = time.monotonic() + 120
            while sb.stats()["vce_tasks"]["by_status"]["Processing"] < days:
                assert proc.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the tasks never reached Processing"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)  # mid-poll: every task is running, nothing is stored
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
        tasks = sb.stats()["vce_tasks"]
        assert tasks["tasks"] == days and tasks["by_status"]["Processing"] == days
        assert lake_ids(tmp_path / "lake", QUERY) == []

        rerun = child(
            sb, tmp_path, {"poll_initial_seconds": 0.05, "poll_factor": 1.5}, tmp_path / "rerun.log"
        )
        rerun.wait(timeout=180)
        assert rerun.returncode == 0, (tmp_path / "rerun.log").read_text()[-3000:]
        tasks = sb.stats()["vce_tasks"]
        assert tasks["tasks"] == days  # no second task: each day's recorded task was finished
        assert tasks["by_status"]["Completed"] == days
        stored = lake_ids(tmp_path / "lake", QUERY)
        assert len(stored) == len(set(stored)) and set(stored) == truth_ids(sb, query, FIRST, LAST)

    os.environ["DAGSTER_HOME"], saved = str(tmp_path / "home"), os.environ.get("DAGSTER_HOME")
    try:
        with dg.DagsterInstance.get() as instance:
            records = instance.fetch_materializations(dg.AssetKey(["vce", QUERY]), limit=100).records
            resumed = [r.asset_materialization.metadata["tasks_resumed"].value for r in records]
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = saved
    assert resumed == [1] * days
