"""The asset graph as Dagster's GraphQL API serves it: endpoint assets → dbt staging → marts → analysis.

A real ``dagster-webserver`` loads the real code location (``-m tiktok_assets.definitions``, what
``workspace.yaml`` and ``make ui`` load) — never a stand-in: if the code location stopped merging the dbt or
analysis definitions, or a dbt source stopped resolving to the research asset that writes it, this fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CODE_LOCATION = "tiktok_assets.definitions"
LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name
  locationOrLoadError { __typename ... on PythonError { message stack } } } } } }"""
ASSETS = """{ assetNodes { assetKey { path } groupName isMaterializable isObservable isExecutable
  dependencyKeys { path } dependedByKeys { path } } }"""
# The marts of dbt/models/marts and the analyses of assets/analysis.py: the graph must hold at least these.
MARTS = {"marts/fct_videos", "marts/account_daily", "marts/hashtag_daily", "marts/comment_threads",
         "marts/follow_edges"}  # fmt: skip
ANALYSES = {"analysis/engagement_trends", "analysis/hashtag_momentum", "analysis/posting_times",
            "analysis/data_quality"}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def _loaded_location(port: int) -> dict | None:
    """The code location's entry once the webserver has loaded it (or failed to), else None."""
    workspace = _graphql(port, LOCATIONS)["workspaceOrError"]
    entries = {e["name"]: e for e in workspace.get("locationEntries", [])}
    entry = entries.get(CODE_LOCATION)
    if entry is None or entry["locationOrLoadError"] is None:
        return None  # still loading
    return entry


@pytest.fixture(scope="module")
def asset_nodes(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    home = tmp_path_factory.mktemp("dagster_home")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(home / "data")}
    env.pop("TIKTOK_LAKE_DIR", None)
    env.pop("TIKTOK_DUCKDB_PATH", None)
    webserver = Path(sys.executable).parent / "dagster-webserver"
    log = home / "webserver.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(webserver), "-m", CODE_LOCATION, "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        entry = None
        while entry is None:
            if proc.poll() is not None:
                raise AssertionError(f"webserver exited with {proc.returncode}: {log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"webserver did not load {CODE_LOCATION} in 180 s: {log.read_text()[-3000:]}"
                )
            try:
                entry = _loaded_location(port)
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                entry = None
            if entry is None:
                time.sleep(1)
        loaded = entry["locationOrLoadError"]
        assert loaded["__typename"] == "RepositoryLocation", (
            f"{CODE_LOCATION} failed to load: {loaded.get('message')}\n{''.join(loaded.get('stack') or [])[-3000:]}"
        )
        return _graphql(port, ASSETS)["assetNodes"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _key(node_key: dict) -> str:
    return "/".join(node_key["path"])


class Graph:
    def __init__(self, nodes: list[dict]) -> None:
        self.nodes = {_key(n["assetKey"]): n for n in nodes}
        self.groups = {k: n["groupName"] or "" for k, n in self.nodes.items()}
        self.parents = {k: {_key(d) for d in n["dependencyKeys"]} for k, n in self.nodes.items()}
        self.children: dict[str, set[str]] = {k: set() for k in self.nodes}
        for key, parents in self.parents.items():
            for parent in parents:
                self.children.setdefault(parent, set()).add(key)

    def in_group(self, *groups: str) -> set[str]:
        return {k for k, g in self.groups.items() if g in groups}

    def _walk(self, start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, todo = set(), deque([start])
        while todo:
            for nxt in edges.get(todo.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def downstream(self, start: str) -> set[str]:
        return self._walk(start, self.children)

    def upstream(self, start: str) -> set[str]:
        return self._walk(start, self.parents)


@pytest.fixture(scope="module")
def graph(asset_nodes: list[dict]) -> Graph:
    return Graph(asset_nodes)


def _missing(expected: Iterable[str], present: Iterable[str]) -> list[str]:
    return sorted(set(expected) - set(present))


def test_the_code_location_serves_research_dbt_and_analysis_assets(graph: Graph) -> None:
    assert graph.in_group("research"), "no research assets in the code location"
    assert graph.in_group("dbt_staging") and graph.in_group("dbt_marts"), "the code location lost dbt"
    assert _missing(MARTS, graph.in_group("dbt_marts")) == []
    assert _missing(ANALYSES, graph.in_group("analysis")) == []
    assert set(graph.groups.values()) <= {
        "research",
        "ensembledata",
        "vce",
        "dbt_staging",
        "dbt_intermediate",
        "dbt_marts",
        "analysis",
        "maintenance",  # maintenance/lake_compaction: the lake's own upkeep (no "lake/" key: see below)
    }


def test_no_stub_or_external_asset_keys(graph: Graph) -> None:
    # Every key any asset depends on is itself an asset of the location (no dangling "lake/…" source stub)...
    dangling = {f"{k} <- {p}" for k, ps in graph.parents.items() for p in ps if p not in graph.nodes}
    assert sorted(dangling) == []
    assert [k for k in graph.nodes if k.startswith("lake/")] == []
    # ...and every node is a materializable asset of this location, not an external/observable stand-in.
    stubs = [k for k, n in graph.nodes.items() if not (n["isMaterializable"] and n["isExecutable"])]
    assert stubs == []
    assert [k for k, n in graph.nodes.items() if n["isObservable"]] == []


def test_the_graph_starts_only_at_endpoint_assets(graph: Graph) -> None:
    roots = {k for k, ps in graph.parents.items() if not ps}
    assert roots & graph.in_group("research"), "the endpoint assets are the graph's roots"
    derived = graph.in_group("dbt_staging", "dbt_intermediate", "dbt_marts", "analysis")
    assert sorted(roots & derived) == [], "a dbt or analysis asset with no upstream"


def test_every_endpoint_asset_feeds_dbt_staging(graph: Graph) -> None:
    for key in graph.in_group("research"):
        assert graph.children[key] & graph.in_group("dbt_staging"), f"{key} feeds no staging model"


def test_every_dbt_model_and_mart_is_reachable_from_an_endpoint_asset(graph: Graph) -> None:
    research = graph.in_group("research", "ensembledata", "vce")  # the endpoint assets of every source
    for key in graph.in_group("dbt_staging", "dbt_intermediate", "dbt_marts"):
        assert graph.upstream(key) & research, f"{key} is not reachable from any research asset"
    for mart in graph.in_group("dbt_marts"):
        staging = graph.upstream(mart) & graph.in_group("dbt_staging")
        assert staging, f"{mart} does not read any staging model"
        # Through staging: every staging model upstream of the mart reaches back to a research asset directly.
        assert all(graph.parents[s] & research for s in staging), mart


def test_every_analysis_asset_is_downstream_of_a_mart(graph: Graph) -> None:
    marts = graph.in_group("dbt_marts")
    for key in graph.in_group("analysis"):
        assert graph.upstream(key) & marts, f"{key} reads no mart"


def test_named_paths_from_endpoints_to_analyses(graph: Graph) -> None:
    research = graph.in_group("research")
    video_queries = sorted(k for k in research if k.startswith("research/videos_"))
    assert video_queries, "one research asset per named video query"
    for query in video_queries:
        reached = graph.downstream(query)
        assert _missing(
            {"staging/stg_research__videos", "intermediate/int_video_observations", "marts/fct_videos",
             "marts/account_daily", "marts/hashtag_daily", "analysis/engagement_trends",
             "analysis/hashtag_momentum", "analysis/posting_times"}, reached,
        ) == [], query  # fmt: skip
    assert "marts/comment_threads" in graph.downstream("research/comments")
    assert {"marts/follow_edges"} <= graph.downstream("research/followers") & graph.downstream(
        "research/following"
    )
    assert "marts/account_daily" in graph.downstream("research/user_info")
    for lists in ("liked_videos", "pinned_videos", "reposted_videos"):
        assert "marts/fct_videos" in graph.downstream(f"research/{lists}"), lists


def test_named_paths_from_ensembledata_endpoints_to_analyses(graph: Graph) -> None:
    """EnsembleData runs endpoint → staging → marts → analysis too, and meets the Research API in the
    reconciliation mart."""
    reached = graph.downstream("ensembledata/user_posts")
    assert _missing(
        {"staging/stg_ensembledata__user_posts", "intermediate/int_video_observations", "marts/fct_videos",
         "marts/account_daily", "marts/hashtag_daily", "marts/video_source_reconciliation",
         "analysis/source_reconciliation", "analysis/engagement_trends"}, reached,
    ) == []  # fmt: skip
    for name in graph.in_group("ensembledata"):  # every EnsembleData dataset has its staging model
        staged = graph.downstream(name) & graph.in_group("dbt_staging")
        assert {s for s in staged if s.startswith("staging/stg_ensembledata__")}, name
    assert "marts/video_source_reconciliation" in graph.downstream("research/videos_monitored_accounts")
