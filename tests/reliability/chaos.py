"""The demo's 30-day collection against a sandbox with faults, and the comparison with the sandbox's truth;
shared by the chaos test (tests/reliability/test_chaos.py) and the benchmark (benchmarks/chaos.py).

The collection is what ``tiktok-assets demo`` runs for the research group — the same plan (``plan_runs``:
one range run for the day assets, the snapshot day, one run per account) through the real code location
(``definitions.defs()``: its executor, the assets' RetryPolicy, the resources from the environment) and a
persistent Dagster instance with the shipped dagster.yaml — with no manual step: every run must succeed by
itself, retries included.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.compute as pc
import pyarrow.dataset as pads

from tiktok_assets import settings
from tiktok_assets.sandbox.research.hostile import original_id
from tiktok_assets.sandbox.server.faults import PROBABILITY_KINDS
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

NOW = "2026-06-15T12:00:00Z"
DAYS = 30
ENV = ("TIKTOK_SANDBOX_URL", "TIKTOK_DATA_DIR", "TIKTOK_QUOTA_DB_URL", "TIKTOK_CLOCK_NOW", "TIKTOK_RETRY_POLICY",
       "DAGSTER_HOME", "TIKTOK_LAKE_DIR", "TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_RESEARCH_BASE_URL")  # fmt: skip
ACCOUNT_PATHS = {"followers": "user/followers/", "following": "user/following/",
                 "liked_videos": "user/liked_videos/", "pinned_videos": "user/pinned_videos/",
                 "reposted_videos": "user/reposted_videos/"}  # fmt: skip


def every_fault(rate: float, search_id_lag: float = 0.1) -> dict[str, float]:
    """Every fault kind at once: each probability kind at ``rate`` (hostile records included), a fresh
    search_id refused for ``search_id_lag`` seconds."""
    faults = {kind: rate for kind in PROBABILITY_KINDS}
    return {**faults, "search_id_lag": search_id_lag} if rate else {}


@dataclass
class Collection:
    sandbox: SandboxHandle
    lake: Path
    results: list[Any]
    seconds: float
    first: str
    last: str
    today: str
    accounts: list[str]
    queries: dict[str, dict[str, Any]]
    truth_cache: dict[str, set[int | str]] = field(default_factory=dict)
    found: int = 0  # of the truth's keys compared by ``mismatches``, how many the lake (or quarantine) holds
    wanted: int = 0  # how many keys the truth has there

    # -- what the lake holds ---------------------------------------------------------------------------------
    def _table(self, dataset: str, where: str = "") -> Any:
        root = self.lake / "research" / dataset / where
        if not root.exists():
            return None
        return pads.dataset(root, format="parquet", partitioning="hive").to_table()

    def keys(self, dataset: str, where: str = "", column: str = "id") -> list[Any]:
        """Every key the dataset holds there (a list: duplicates show)."""
        table = self._table(dataset, where)
        return [] if table is None else table[column].to_pylist()

    def quarantined(self, dataset: str, partition_prefix: str = "") -> list[int]:
        """World ids of ``dataset``'s records in the quarantine (their 20-digit ids mapped back)."""
        table = self._table("quarantine", f"dataset={dataset}")
        if table is None:
            return []
        out = []
        for row in table.to_pylist():
            if str(row["partition"]).startswith(partition_prefix):
                out.append(original_id(int(json.loads(row["record_json"])["id"])))
        return out

    def truth(self, path: str, body: dict[str, Any]) -> set[Any]:
        key = path + json.dumps(body, sort_keys=True)
        if key not in self.truth_cache:
            try:
                self.truth_cache[key] = {_as_key(k) for k in self.sandbox.truth("research", path, body)}
            except RuntimeError:  # a refused account: nothing to collect
                self.truth_cache[key] = set()
        return self.truth_cache[key]

    # -- the comparison --------------------------------------------------------------------------------------
    def mismatches(self) -> list[str]:
        """Every difference from the truth (empty: nothing lost, nothing twice); counts ``found``/``wanted``."""
        self.found = self.wanted = 0
        problems = []
        for name, query in self.queries.items():
            got = self.keys("videos", f"query={name}")
            held = self.quarantined("videos", f"query={name}/")
            want = self.truth("video/query/", {"query": query, "start_date": self.first.replace("-", ""),
                                                "end_date": self.last.replace("-", "")})  # fmt: skip
            problems += _compare(f"videos {name}", got + held, want, self)
        problems += self._comment_mismatches()
        playlists = self._table("playlists")
        for row in playlists.to_pylist() if playlists is not None else []:
            want = [
                int(k)
                for k in self.sandbox.truth("research", "playlist/info/", {"playlist_id": row["playlist_id"]})
            ]
            if row["playlist_video_ids"] != want:
                problems.append(f"playlist {row['playlist_id']}: {row['playlist_video_ids']} != {want}")
        users = self.keys("user_info", f"date={self.today}", "username")
        problems += _compare("user_info", users, set(self.accounts), self)
        for dataset, path in ACCOUNT_PATHS.items():
            column = "username" if dataset in ("followers", "following") else "id"
            for account in self.accounts:
                got = self.keys(dataset, f"account={account}", column)
                held = self.quarantined(dataset, f"account={account}/") if column == "id" else []
                problems += _compare(
                    f"{dataset} of {account}", got + held, self.truth(path, {"username": account})
                )
        return problems

    def _comment_mismatches(self) -> list[str]:
        """Every video the comments asset had to cover (its selection from the day's videos in the lake) has
        exactly its comments, in the lake or the quarantine."""
        from tiktok_assets.config import load_monitoring
        from tiktok_assets.defs.research.day_fanout import select_comment_videos

        settings_ = load_monitoring().comments
        comments = self._table("comments")
        by_video: dict[int, list[int]] = {}
        for row in comments.select(["id", "video_id"]).to_pylist() if comments is not None else []:
            by_video.setdefault(row["video_id"], []).append(row["id"])
        held = self.quarantined("comments")
        problems, covered = [], 0
        videos = self._table("videos")
        for day in sorted({str(d) for d in videos["date"].to_pylist()}):
            rows = videos.filter(pc.equal(videos["date"], day)).select(["id", "comment_count"])
            merged = (
                rows.group_by("id")
                .aggregate([("comment_count", "max")])
                .rename_columns(["id", "comment_count"])
            )
            for video_id in select_comment_videos(merged, settings_):
                want = self.truth("video/comment/list/", {"video_id": video_id})
                got = by_video.get(video_id, []) + [i for i in held if i in want]
                problems += _compare(f"comments of {video_id} ({day})", got, want, self)
                covered += 1
        return problems if covered else ["no video selected for comments"]

    def failed_runs(self) -> list[str]:
        return [r.run_id for r in self.results if not r.success]

    def failed_checks(self) -> list[tuple[str, str]]:
        return [(e.asset_key.to_user_string(), e.check_name) for r in self.results
                for e in r.get_asset_check_evaluations() if not e.passed]  # fmt: skip

    def step_retries(self) -> int:
        return sum(
            1
            for r in self.results
            for e in r.all_events
            if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
        )


def _as_key(key: str) -> int | str:
    return int(key) if key.isdigit() else key


def _compare(what: str, got: list[Any], want: set[Any], totals: Collection | None = None) -> list[str]:
    if totals is not None:
        totals.found += len(set(got) & want)
        totals.wanted += len(want)
    problems = []
    dupes = len(got) - len(set(got))
    if dupes:
        problems.append(f"{what}: {dupes} duplicates")
    if set(got) != want:
        problems.append(f"{what}: {len(want - set(got))} missing, {len(set(got) - want)} unexpected")
    return problems


@contextmanager
def collected(
    tmp: Path, faults: dict[str, float], *, policy: str = "sandbox", **limits: Any
) -> Iterator[Collection]:
    """Run the demo's collection of the research group into ``tmp`` against a sandbox with ``faults``."""
    from tiktok_assets.cli.demo import plan_runs
    from tiktok_assets.clock import last_complete_day
    from tiktok_assets.config import load_monitoring

    saved = {name: os.environ.get(name) for name in ENV}
    home = tmp / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((settings.project_root() / "dagster.yaml").read_text())
    try:
        with running_sandbox(now=NOW, faults=faults, per_minute=1_000_000, **limits) as sandbox:
            for name in ENV:
                os.environ.pop(name, None)
            os.environ.update({
                "TIKTOK_SANDBOX_URL": sandbox.base_url, "TIKTOK_DATA_DIR": str(tmp / "data"),
                "TIKTOK_QUOTA_DB_URL": f"sqlite:///{tmp / 'quota.sqlite'}", "TIKTOK_CLOCK_NOW": NOW,
                "TIKTOK_RETRY_POLICY": policy, "DAGSTER_HOME": str(home),
            })  # fmt: skip
            from tiktok_assets.definitions import defs as code_location

            defs = code_location()  # built now: the assets' RetryPolicy follows TIKTOK_RETRY_POLICY
            clock = sandbox.clock()["now"]
            from datetime import datetime

            now = datetime.fromisoformat(clock.replace("Z", "+00:00"))
            last = last_complete_day(now)
            first = last - timedelta(days=DAYS - 1)
            monitoring = load_monitoring()
            started = time.perf_counter()
            results = []
            with dg.DagsterInstance.get() as instance:
                for step in plan_runs(defs, instance, first, last, now.date()):
                    keys = [k for k in step["keys"] if k.path[0] == "research"]
                    if not keys or step["label"].startswith("skipped"):
                        continue
                    job = defs.resolve_implicit_job_def_def_for_assets(keys)
                    results.append(job.execute_in_process(
                        instance=instance, asset_selection=keys, partition_key=step.get("partition_key"),
                        tags=step.get("tags", {}), raise_on_error=False,
                    ))  # fmt: skip
            yield Collection(
                sandbox, tmp / "data" / "lake", results, time.perf_counter() - started, first.isoformat(),
                last.isoformat(), now.date().isoformat(), list(monitoring.accounts),
                {q.name: q.query for q in monitoring.queries},
            )  # fmt: skip
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
