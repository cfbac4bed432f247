"""The asset graph as Dagster's GraphQL API serves it: endpoint assets → dbt staging → marts → analysis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import dagster as dg
import httpx
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
QUERY = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"


def _code_location() -> list[str]:
    """The real code location once it wires research + dbt + analysis, else the same three merged here."""
    from tiktok_assets.definitions import defs

    keys = defs.resolve_all_asset_keys()
    wired = dg.AssetKey(["marts", "fct_videos"]) in keys and any(k.path[0] == "research" for k in keys)
    return ["-m", "tiktok_assets.definitions"] if wired else ["-f", str(HERE / "lineage_defs.py")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def asset_nodes(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    home = tmp_path_factory.mktemp("dagster_home")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(home / "data")}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    proc = subprocess.Popen(
        [str(webserver), *_code_location(), "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=30)
                nodes = response.json()["data"]["assetNodes"]
                if nodes:
                    break
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"webserver did not serve the graph: {proc.stderr.read()[-3000:] if proc.poll() is not None else 'timeout'}"
                )
            time.sleep(1)
        return nodes
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _key(node_key: dict) -> str:
    return "/".join(node_key["path"])


def test_lineage_runs_from_endpoint_assets_through_dbt_to_analysis(asset_nodes: list[dict]) -> None:
    downstream: dict[str, set[str]] = {}
    groups = {}
    for node in asset_nodes:
        key = _key(node["assetKey"])
        groups[key] = node["groupName"]
        for dep in node["dependencyKeys"]:
            downstream.setdefault(_key(dep), set()).add(key)

    def reachable(start: str) -> set[str]:
        seen, todo = {start}, deque([start])
        while todo:
            for nxt in downstream.get(todo.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    # Every endpoint asset feeds at least one dbt staging model; no source is a dangling stub.
    research = [k for k, g in groups.items() if g == "research"]
    assert research, "research assets are in the graph"
    for key in research:
        assert any(groups.get(k) == "dbt_staging" for k in downstream.get(key, ())), key
    assert not [k for k in groups if k.startswith("lake/")]

    # A video query reaches every mart that videos feed and every analysis asset built on them.
    from_videos = reachable(next(k for k in research if k.startswith("research/videos_")))
    for expected in ("staging/stg_research__videos", "marts/fct_videos", "marts/account_daily",
                     "marts/hashtag_daily", "analysis/engagement_trends", "analysis/hashtag_momentum",
                     "analysis/posting_times"):  # fmt: skip
        assert expected in from_videos, expected
    assert "marts/comment_threads" in reachable("research/comments")
    assert "marts/follow_edges" in reachable("research/followers")
    assert "marts/account_daily" in reachable("research/user_info")
    # Every dbt model is reachable from some endpoint asset and every mart reaches nothing it should not.
    from_any = set().union(*(reachable(k) for k in research))
    dbt_assets = [k for k, g in groups.items() if (g or "").startswith("dbt")]
    assert dbt_assets and set(dbt_assets) <= from_any
    assert {k for k, g in groups.items() if g == "analysis"} <= from_any
