"""Against the sandbox: replies, idempotent re-materialization, and a SIGKILLed materialization that leaves
only complete partitions behind (and a rerun that completes the rest)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from test_research_sandbox import resources_for

from tiktok_assets.clients.quota import Budget
from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import running_sandbox

RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["nerali7775", "josudaha.", "misaan__"],
    "hashtags": ["cat", "cats", "dog", "funny"],
    "queries": {"accounts": {"from": "accounts"}, "tags": {"from": "hashtags"}},
    "comments": {"max_videos_per_day": 1, "replies": True},
}


def _assets(monitoring) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {a.key.path[-1]: a for a in research.build_assets(monitoring)}


def test_replies_and_rematerialization_against_the_sandbox(tmp_path: Path) -> None:
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    assets = _assets(monitoring)
    keys = [assets[k].key for k in ("videos_accounts", "videos_tags", "comments")]
    tags = {
        "dagster/asset_partition_range_start": "2026-06-01",
        "dagster/asset_partition_range_end": "2026-06-03",
    }
    with running_sandbox(per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp_path)
        lake = resources["lake"]
        instance = dg.DagsterInstance.ephemeral()
        assert dg.materialize(
            list(assets.values()), selection=keys, instance=instance, resources=resources, tags=tags
        ).success
        first = {
            d: lake.read(rds.COMMENTS, {"date": d}).sort_by("id")
            for d in ("2026-06-01", "2026-06-02", "2026-06-03")
        }
        replies = 0
        for table in first.values():
            rows = table.to_pylist()
            top = [r for r in rows if r["parent_comment_id"] == r["video_id"]]
            assert len({r["video_id"] for r in top}) <= 1
            for comment in (r for r in top if r["reply_count"]):
                body = {"video_id": comment["video_id"], "comment_id": comment["id"]}
                truth = {int(k) for k in sandbox.truth("research", "video/comment/list/", body)}
                got = {r["id"] for r in rows if r["parent_comment_id"] == comment["id"]}
                assert got == truth
                replies += len(got)
        assert replies > 0
        # Same partitions again: the lake holds exactly the same rows (no duplicates, nothing left over).
        assert dg.materialize(
            list(assets.values()), selection=keys, instance=instance, resources=resources, tags=tags
        ).success
        for day, table in first.items():
            again = lake.read(rds.COMMENTS, {"date": day}).sort_by("id")
            assert again.drop_columns(["collected_at"]).equals(table.drop_columns(["collected_at"]))


CHILD = textwrap.dedent(
    """
    import sys, warnings, yaml, dagster as dg
    warnings.simplefilter("ignore")
    from datetime import date
    from pathlib import Path
    from tiktok_assets.defs.research import assets as research
    from tiktok_assets.config import parse_monitoring
    from tiktok_assets.defs.lake_resource import LakeResource
    from tiktok_assets.defs.research.resources import ResearchApiResource
    url, tmp = sys.argv[1], Path(sys.argv[2])
    monitoring = parse_monitoring(yaml.safe_load((tmp / "m.yaml").read_text()), "m.yaml", today=date(2026, 6, 15))
    assets = research.build_assets(monitoring)
    resources = {"research_api": ResearchApiResource(base_url=url, client_key="sandbox-key",
                 client_secret="sandbox-secret", ledger_url=f"sqlite:///{tmp / 'child.sqlite'}"),
                 "lake": LakeResource(lake_dir=str(tmp / "lake"))}
    tags = {"dagster/asset_partition_range_start": "2026-04-14", "dagster/asset_partition_range_end": "2026-06-12"}
    dg.materialize(assets, selection=[assets[1].key], resources=resources, tags=tags)
    """
)


def test_sigkill_mid_run_leaves_only_complete_partitions(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(RAW))
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    query = monitoring.query("tags").query
    days = [date(2026, 4, 14) + timedelta(days=i) for i in range(60)]
    with running_sandbox(per_minute=1_000_000, faults={"latency_ms": 400}) as sandbox:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, sandbox.research_url, str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        lake_dir = tmp_path / "lake" / "research" / "videos" / "query=tags"
        try:
            deadline = time.time() + 120
            while time.time() < deadline and not list(lake_dir.glob("*/part-0.parquet")):
                assert proc.poll() is None, "the materialization ended before it could be killed"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)  # mid-run: some days committed, the window still streaming
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        lake = resources_for(sandbox, tmp_path)["lake"]
        visible = [p["date"] for p in lake.partitions(rds.VIDEOS)]
        assert 0 < len(visible) < 60, visible
        sandbox.set_faults({})

        def day_truth(day: str) -> set[int]:
            ymd = day.replace("-", "")
            body = {"query": query, "start_date": ymd, "end_date": ymd}
            return {int(k) for k in sandbox.truth("research", "video/query/", body)}

        for day in visible:  # whatever a reader can see is complete
            assert set(lake.read(rds.VIDEOS, {"query": "tags", "date": day})["id"].to_pylist()) == day_truth(
                day
            )
        # The rerun completes every day.
        assets = _assets(monitoring)
        tags = {
            "dagster/asset_partition_range_start": "2026-04-14",
            "dagster/asset_partition_range_end": "2026-06-12",
        }
        resources = resources_for(sandbox, tmp_path)
        assert dg.materialize(
            list(assets.values()), selection=[assets["videos_tags"].key], resources=resources, tags=tags
        ).success
        assert [p["date"] for p in lake.partitions(rds.VIDEOS)] == [d.isoformat() for d in days]
        for day in ("2026-04-14", "2026-05-20", "2026-06-12"):
            assert set(lake.read(rds.VIDEOS, {"query": "tags", "date": day})["id"].to_pylist()) == day_truth(
                day
            )


class EnvBudgetResearch(ResearchApiResource):
    """The video budget read from the environment when a client is built (the job definition is cached)."""

    def budgets(self) -> dict[str, Budget]:
        return {**super().budgets(), "video": Budget(int(os.environ["TEST_VIDEO_BUDGET"]), 100_000)}


def budget_job() -> dg.JobDefinition:
    """Reconstructable (re-execution needs it): the `tags` query with a daily budget from the environment."""
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    api = EnvBudgetResearch(
        base_url=os.environ["TEST_SANDBOX_URL"], client_key="sandbox-key", client_secret="sandbox-secret",
        ledger_url=os.environ["TEST_LEDGER_URL"],
    )  # fmt: skip
    defs = dg.Definitions(
        assets=list(_assets(monitoring).values()),
        jobs=[dg.define_asset_job("tags", selection=["research/videos_tags"])],
        resources={"research_api": api, "lake": LakeResource()},
    )
    return defs.resolve_job_def("tags")


def test_quota_exhaustion_fails_typed_and_reexecution_resumes_without_refetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    query = monitoring.query("tags").query
    tags = {
        "dagster/asset_partition_range_start": "2026-05-14",
        "dagster/asset_partition_range_end": "2026-06-12",
    }
    in_process = {"execution": {"config": {"in_process": {}}}}
    with running_sandbox(per_minute=1_000_000) as sandbox, dg.instance_for_test() as instance:
        truth = sandbox.truth(
            "research", "video/query/", {"query": query, "start_date": "20260514", "end_date": "20260612"}
        )
        assert len(truth) > 300  # several pages, so the budget stops the search midway
        monkeypatch.setenv("TIKTOK_LAKE_DIR", str(tmp_path / "lake"))
        monkeypatch.setenv("TEST_SANDBOX_URL", sandbox.research_url)
        monkeypatch.setenv("TEST_LEDGER_URL", f"sqlite:///{tmp_path / 'quota.sqlite'}")
        monkeypatch.setenv("TEST_VIDEO_BUDGET", "2")
        job = dg.reconstructable(budget_job)
        first = dg.execute_job(job, instance=instance, tags=tags, run_config=in_process, raise_on_error=False)
        assert not first.success
        error = first.get_step_failure_events()[0].step_failure_data.error
        error = error.cause or error
        assert (
            error.cls_name == "BudgetExceededError" and "resets at" in error.message
        )  # a QuotaExhaustedError
        lake = LakeResource()
        stored = [p["date"] for p in lake.partitions(rds.VIDEOS)]
        assert 0 < len(stored) < 30
        stored_rows = sum(lake.read(rds.VIDEOS, {"query": "tags", "date": d}).num_rows for d in stored)
        before = sandbox.stats()["records"]["research /v2/research/video/query/"]
        # After the reset (here: a bigger budget), re-execute from failure.
        monkeypatch.setenv("TEST_VIDEO_BUDGET", "1000")
        retry = dg.execute_job(job, instance=instance, tags=tags, run_config=in_process,
                               reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance))  # fmt: skip
        assert retry.success
        fetched_again = sandbox.stats()["records"]["research /v2/research/video/query/"] - before
    got = {
        i
        for d in [p["date"] for p in lake.partitions(rds.VIDEOS)]
        for i in lake.read(rds.VIDEOS, {"query": "tags", "date": d})["id"].to_pylist()
    }
    assert got == {int(k) for k in truth}
    # The retry fetched only what was not stored: no stored day came back over the wire.
    assert fetched_again == len(truth) - stored_rows
