"""The UI's way to stop a run: a real ``dagster-webserver`` over a temp instance launches ``vce_daily`` for a
day (the run worker and the code server are real processes), the run is terminated over GraphQL exactly as
the UI's Terminate button does, and the sandbox is left with no task Created, Validating or Processing.
The same webserver serves the lineage VCE asset → staging → mart → analysis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from dagster_graphql import DagsterGraphQLClient

from tests.dbt.test_dbt_lineage import _graphql
from tests.e2e.browser import webserver
from tests.vce.support import SANDBOX_NOW, unfinished
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

LOCATION = "tiktok_assets"
ASSETS = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(400),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # gql, inside dagster_graphql
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, int]]:
    home = tmp_path_factory.mktemp("home")
    # No run queue (dequeuing needs the daemon): the default coordinator launches a submitted run at once,
    # through the same run launcher and code server a queued run would use.
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
    )
    with running_sandbox(now=SANDBOX_NOW) as sb, pytest.MonkeyPatch.context() as env:
        for var, value in {"TIKTOK_SANDBOX_URL": sb.base_url, "TIKTOK_CLOCK_NOW": SANDBOX_NOW,
                           "TIKTOK_QUOTA_DB_URL": f"sqlite:///{home / 'quota.sqlite'}"}.items():  # fmt: skip
            env.setenv(var, value)  # the webserver's code server and run workers inherit these
        for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING",
                    "TIKTOK_VCE_BASE_URL"):  # fmt: skip
            env.delenv(var, raising=False)
        server = webserver(home, home / "data", home / "webserver.log")
        try:
            server.wait_ready()
            deadline = time.monotonic() + 180
            while not _graphql(server.port, ASSETS)["assetNodes"]:  # the code location is still loading
                assert time.monotonic() < deadline, server.log_tail()
                time.sleep(1)
            yield sb, server.port
        finally:
            server.stop()


def test_terminating_a_run_cancels_its_tasks(served: tuple[SandboxHandle, int]) -> None:
    sb, port = served
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution(
        "vce_daily", repository_location_name=LOCATION, repository_name="__repository__",
        tags={"dagster/partition": "2026-06-12"},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while unfinished(sb) == 0:  # the first step has created its task and waits to poll it again (5 s)
        status = client.get_run_status(run_id).value
        assert status in ("QUEUED", "NOT_STARTED", "STARTING", "STARTED"), status
        assert time.monotonic() < deadline, "no VCE task was created"
        time.sleep(0.1)
    client.terminate_run(run_id)
    deadline = time.monotonic() + 120
    while client.get_run_status(run_id).value not in ("CANCELED", "FAILURE", "SUCCESS"):
        assert time.monotonic() < deadline, "the run did not stop"
        time.sleep(0.2)
    assert client.get_run_status(run_id).value == "CANCELED"
    tasks = sb.stats()["vce_tasks"]
    assert tasks["tasks"] >= 1 and unfinished(sb) == 0
    assert tasks["by_status"]["Cancelled"] >= 1 and tasks["by_status"]["Completed"] == 0


def test_the_lineage_runs_vce_asset_staging_mart_analysis(served: tuple[SandboxHandle, int]) -> None:
    _, port = served
    nodes = {"/".join(n["assetKey"]["path"]): n for n in _graphql(port, ASSETS)["assetNodes"]}
    parents = {k: {"/".join(d["path"]) for d in n["dependencyKeys"]} for k, n in nodes.items()}
    vce_assets = {k for k, n in nodes.items() if n["groupName"] == "vce"}
    assert vce_assets == {"vce/pet_mentions", "vce/fyp_reach"}
    assert parents["staging/stg_vce__videos"] == vce_assets
    assert parents["marts/vce_hashtag_region_daily"] == {"staging/stg_vce__videos"}
    assert parents["analysis/vce_hashtag_regions"] == {"marts/vce_hashtag_region_daily"}
