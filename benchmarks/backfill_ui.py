"""A backfill of every day-partitioned asset launched the way the UI launches it, against the same work
``execute_in_process`` (issue 14: within 2×, requests unchanged).

Both sides start from nothing — a fresh sandbox process (seed 7, small world, clock ``--now``), a fresh lake and
Dagster home — and materialize the same assets for the same ``--days`` days:

- ``in-process``: one ``execute_in_process`` per day partitioning (Research/VCE days with the dbt staging of
  those days; EnsembleData's posted days), the partition range as run tags, on a persistent instance. Timed
  around the executions only (the code location is already loaded).
- ``daemon``: ``dagster-webserver`` and ``dagster-daemon`` (what ``dagster dev`` / ``dg dev`` start) over the
  repository's workspace.yaml and dagster.yaml: the default run launcher, the queued run coordinator, the
  code location's executor. The backfill is submitted through the GraphQL mutation the UI's Materialize
  dialog sends (``launchPartitionBackfill``, the range per asset); timed from that
  call to the backfill's terminal status. ``tiktok_automation_sensor`` is stopped first (through GraphQL,
  before the daemon starts): the marts and analyses it would build next are not part of the backfill.

Printed: seconds, ratio daemon / in-process, runs, and the sandbox's request counts per endpoint side by side
(the floor is the in-process count; the daemon must spend exactly the same). The benchmark's monitoring.yaml is
the shipped one with every VCE query in the execution stage: the test stage allows 5,000 records a day, which
a year of days on one fixed sandbox day exhausts by design. The client's own daily Research budget (the
real API's 1,000 video + comment requests) still applies: a long range stops ``research/comments`` there, the
same way on both sides (``ok`` says so). The default range is the 332 days the small
world has before a clock of 2026-12-01 (a sandbox clock after the wall clock cannot be used: the partitions'
end offset is computed against the wall clock).

    .venv/bin/python benchmarks/backfill_ui.py [--days 332] [--now 2026-12-01T12:00:00Z] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SANDBOX_LIMITS = ["--research-daily-requests", "1000000", "--research-daily-records", "100000000",
                  "--per-minute", "10000000", "--ed-daily-units", "100000000"]  # fmt: skip
TERMINAL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Group:
    """A process group started from the repository, its output in ``log``; stopped as Ctrl-C would."""

    def __init__(self, argv: list[str], env: Mapping[str, str], log: Path) -> None:
        self._log = log.open("wb")
        self.log = log
        self.proc = subprocess.Popen(argv, cwd=REPO, env=dict(env), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        for sig, wait in ((signal.SIGINT, 60), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=wait)
                break
        self._log.close()


def wait_http(url: str, group: Group, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if group.proc.poll() is not None:
            raise RuntimeError(f"{group.log.name} exited: {group.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout:.0f} s")


@contextlib.contextmanager
def sandbox(now: str, log: Path) -> Iterator[str]:
    port = free_port()
    argv = [
        str(BIN / "tiktok-assets"),
        "sandbox",
        "serve",
        "--port",
        str(port),
        "--now",
        now,
        *SANDBOX_LIMITS,
    ]
    group = Group(argv, os.environ, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/_sandbox/health", group)
        yield url
    finally:
        group.stop()


def requests_by_endpoint(sandbox_url: str) -> dict[str, int]:
    stats = httpx.get(f"{sandbox_url}/_sandbox/stats", timeout=30).json()
    totals: dict[str, int] = {}
    for endpoint, by_status in stats["requests"].items():
        totals[endpoint] = sum(by_status.values()) if isinstance(by_status, dict) else int(by_status)
    return totals


def bench_monitoring(into: Path) -> Path:
    """The shipped monitoring.yaml, every VCE query in the execution stage (see the module docstring)."""
    shipped = yaml.safe_load((REPO / "tiktok_assets" / "monitoring.yaml").read_text())
    for query in (shipped.get("vce_queries") or {}).values():
        query["stage"] = "execution"
    path = into / "monitoring.yaml"
    path.write_text(yaml.safe_dump(shipped, sort_keys=False))
    return path


def environment(root: Path, sandbox_url: str, monitoring: Path, now: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "ENSEMBLEDATA_", "DAGSTER_"))}
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env.update({
        "DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(root / "data"), "TIKTOK_SANDBOX_URL": sandbox_url,
        "TIKTOK_QUOTA_DB_URL": f"sqlite:///{root / 'quota.sqlite'}", "TIKTOK_MONITORING": str(monitoring),
        "TIKTOK_CLOCK_NOW": now,
    })  # fmt: skip
    return env


# -- the in-process side (a child process: this file with `_in_process`) ---------------------------------------
def day_asset_groups(graph: Any, with_dbt: bool) -> list[list[Any]]:
    """Every asset with a backfill policy (the day-partitioned ones), grouped by partitions definition;
    without the dbt staging models unless ``with_dbt``."""
    groups: dict[Any, list[Any]] = {}
    for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if node.backfill_policy is not None and (with_dbt or key.path[0] != "staging"):
            groups.setdefault(node.partitions_def, []).append(key)
    return list(groups.values())


def in_process_child(first: str, last: str, with_dbt: bool) -> None:
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from tiktok_assets.definitions import defs

    definitions = defs()
    groups = day_asset_groups(definitions.resolve_asset_graph(), with_dbt)
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    seconds, ok = 0.0, True
    with dg.DagsterInstance.get() as instance:
        for keys in groups:
            job = definitions.resolve_implicit_job_def_def_for_assets(keys)
            t0 = time.perf_counter()
            result = job.execute_in_process(instance=instance, asset_selection=keys, tags=tags,
                                            raise_on_error=False)  # fmt: skip
            seconds += time.perf_counter() - t0
            ok = ok and result.success
    keys = [k.to_user_string() for g in groups for k in g]
    print(json.dumps({"seconds": seconds, "runs": len(groups), "ok": ok, "assets": keys}))


def run_in_process(env: dict[str, str], first: date, last: date, with_dbt: bool, log: Path) -> dict[str, Any]:
    argv = [sys.executable, __file__, "_in_process", first.isoformat(), last.isoformat(), str(with_dbt)]
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    log.write_text(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"in-process side failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the daemon side -------------------------------------------------------------------------------------------
def graphql(url: str, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": dict(variables or {})}, timeout=120
    )
    if response.status_code != 200:
        raise RuntimeError(f"GraphQL answered {response.status_code}: {response.text[:3000]}")
    body = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


REPOSITORY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    sensors { id name sensorState { status } } } } } }"""
STOP_SENSOR = """mutation($id: String) { stopSensor(id: $id) { __typename } }"""
LAUNCH = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message stack } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }"""
RUNS = """query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { runId status startTime endTime } } } }"""


def run_daemon(env: dict[str, str], keys: list[str], first: date, last: date, root: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    webserver = Group([str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                      env, root / "webserver.log")  # fmt: skip
    daemon: Group | None = None
    try:
        wait_http(f"{url}/server_info", webserver)
        for repo in graphql(url, REPOSITORY)["repositoriesOrError"]["nodes"]:
            for sensor in repo["sensors"]:
                if (
                    sensor["name"] == "tiktok_automation_sensor"
                    and sensor["sensorState"]["status"] == "RUNNING"
                ):
                    graphql(url, STOP_SENSOR, {"id": sensor["id"]})
        daemon = Group([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, root / "daemon.log")
        # The assets' day partitionings differ (Research days end 3 days back, EnsembleData's 1), so the range is
        # given per asset, as the UI's dialog does for such a selection.
        span = {"range": {"start": first.isoformat(), "end": last.isoformat()}}
        params = {"partitionsByAssets": [{"assetKey": {"path": k.split("/")}, "partitions": span} for k in keys],
                  "title": f"benchmark {first}..{last}"}  # fmt: skip
        t0 = time.perf_counter()
        launched = graphql(url, LAUNCH, {"params": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(launched)
        backfill = launched["backfillId"]
        status = ""
        while status not in TERMINAL:
            time.sleep(1)
            status = graphql(url, STATUS, {"id": backfill})["partitionBackfillOrError"]["status"]
        seconds = time.perf_counter() - t0
        runs = graphql(url, RUNS, {"id": backfill})["runsOrError"]["results"]
        return {"seconds": seconds, "runs": len(runs), "ok": status in ("COMPLETED", "COMPLETED_SUCCESS")
                and all(r["status"] == "SUCCESS" for r in runs), "status": status,
                "run_seconds": sum((r["endTime"] or 0) - (r["startTime"] or 0) for r in runs)}  # fmt: skip
    finally:
        if daemon is not None:
            daemon.stop()
        webserver.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=332)
    parser.add_argument("--now", default="2026-12-01T12:00:00Z", help="the sandbox clock (fixed)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, lakes, homes)")
    parser.add_argument("--without-dbt", action="store_true", help="leave out the dbt staging models by day "
                        "(their policy and per-backfill build are defs/dbt's)")  # fmt: skip
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    last = (now - timedelta(hours=48)).date() - timedelta(days=1)  # clock.last_complete_day, stated here
    first = last - timedelta(days=args.days - 1)

    tmp = Path(tempfile.mkdtemp(prefix="backfill_ui_"))
    monitoring = bench_monitoring(tmp)
    results: dict[str, dict[str, Any]] = {}
    requests: dict[str, dict[str, int]] = {}
    try:
        for side in ("in-process", "daemon"):
            root = tmp / side
            root.mkdir()
            with sandbox(args.now, root / "sandbox.log") as sandbox_url:
                env = environment(root, sandbox_url, monitoring, args.now)
                if side == "in-process":
                    results[side] = run_in_process(
                        env, first, last, not args.without_dbt, root / "in_process.log"
                    )
                else:
                    keys = results["in-process"]["assets"]
                    results[side] = run_daemon(env, keys, first, last, root)
                requests[side] = requests_by_endpoint(sandbox_url)
    finally:
        print(f"(logs in {tmp})" if args.keep else "", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    base, ui = results["in-process"], results["daemon"]
    print(
        f"Backfill of {len(base['assets'])} day assets, {first}..{last} ({args.days} days), sandbox clock {args.now}"
    )
    print(f"{'side':<12} {'seconds':>8} {'× in-process':>13} {'runs':>5} {'requests':>9}  ok")
    for side, figures in results.items():
        total = sum(requests[side].values())
        print(f"{side:<12} {figures['seconds']:>8.1f} {figures['seconds'] / base['seconds']:>13.2f} "
              f"{figures['runs']:>5} {total:>9}  {figures['ok']}")  # fmt: skip
    print(f"goal ≤ 2×: {'met' if ui['seconds'] <= 2 * base['seconds'] else 'NOT met'}; daemon runs' own time "
          f"{ui['run_seconds']:.1f} s (the rest: daemon ticks, queueing, run-worker start)")  # fmt: skip
    print(f"\n{'requests by endpoint':<44} {'in-process':>10} {'daemon':>8}")
    for endpoint in sorted(set(requests["in-process"]) | set(requests["daemon"])):
        a, b = requests["in-process"].get(endpoint, 0), requests["daemon"].get(endpoint, 0)
        print(f"{endpoint:<44} {a:>10} {b:>8}{'' if a == b else '  DIFFERENT'}")
    print("requests unchanged: " + ("yes" if requests["in-process"] == requests["daemon"] else "NO"))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_in_process":
        in_process_child(sys.argv[2], sys.argv[3], sys.argv[4] == "True")
    else:
        main()
