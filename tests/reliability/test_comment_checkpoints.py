"""Issue 16.6 and 16.7: a day's comments are checkpointed per video, and the collection assets retry their
step themselves, continuing where the failed attempt stopped.

The client here gives up at the first fault (``max_attempts=1``), so 500s at 15% fail the steps again and
again; the assets' RetryPolicy (``step_retries``) re-runs them with no manual step. Before, one failure threw
away every page of the day fetched so far; now a retry re-fetches at most the video it was in the middle of.
"""

from __future__ import annotations

import math
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.day_fanout import select_comment_videos
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.testing import running_sandbox

pytestmark = pytest.mark.reliability

DAYS = ("2026-06-10", "2026-06-11", "2026-06-12")
COMMENTS = "research /v2/research/video/comment/list/"


def test_failed_steps_retry_by_themselves_and_continue_from_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox,max_attempts=1,step_retries=60,step_delay=0.05")
    monitoring = load_monitoring()
    assets = research.build_assets(monitoring)  # the assets' RetryPolicy follows the policy above
    daily = [a.key for a in assets if a.key.path[-1].startswith("videos_") or a.key.path[-1] == "comments"]
    lake = LakeResource(lake_dir=str(tmp_path / "lake"))
    tags = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}
    with running_sandbox(faults={"internal_error": 0.15}, per_minute=1_000_000) as sandbox:
        api = ResearchApiResource(
            base_url=sandbox.research_url, ledger_url=f"sqlite:///{tmp_path / 'q.sqlite'}"
        )
        result = dg.materialize(
            assets, selection=daily, resources={"research_api": api, "lake": lake}, tags=tags
        )
        retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
        comment_retries = [e for e in retries if e.step_key == "research__comments"]
        assert result.success and comment_retries  # failed, retried by itself, finished
        served = sandbox.stats()["requests"][COMMENTS]["200"]
        pages, largest = 0, 0
        for day in DAYS:
            videos = [
                lake.read(rds.VIDEOS, {"query": q.name, "date": day}, ["id", "comment_count"])
                for q in monitoring.queries
            ]
            merged = pa.concat_tables(videos).group_by("id").aggregate([("comment_count", "max")])
            selected = select_comment_videos(
                merged.rename_columns(["id", "comment_count"]), monitoring.comments
            )
            stored = lake.read(rds.COMMENTS, {"date": day}, ["id", "video_id"]).to_pylist()
            for video_id in selected:
                truth = {
                    int(k) for k in sandbox.truth("research", "video/comment/list/", {"video_id": video_id})
                }
                got = [r["id"] for r in stored if r["video_id"] == video_id]
                assert sorted(got) == sorted(truth), video_id
                need = max(1, math.ceil(len(truth) / 100))
                pages, largest = pages + need, max(largest, need)
    # Pages served again after a failure: at most the video each failed attempt was in (before: the day).
    assert pages <= served <= pages + len(comment_retries) * (largest - 1)
    assert not (tmp_path / "lake" / "_checkpoints" / "research" / "comments").exists() or not any(
        (tmp_path / "lake" / "_checkpoints" / "research" / "comments").rglob("*.parquet")
    )  # committed days leave no checkpoint behind


def test_the_daily_quota_is_never_retried_by_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry before the UTC reset only spends requests to fail: the step fails once, the quota error as its
    cause (the quota-retry sensor resumes the run after the reset)."""
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", "sandbox,step_retries=5,step_delay=0.05")
    assets = research.build_assets(load_monitoring())
    videos = [a.key for a in assets if a.key.path[-1] == "videos_pets"]
    lake = LakeResource(lake_dir=str(tmp_path / "lake"))
    tags = {
        "dagster/asset_partition_range_start": "2026-05-14",
        "dagster/asset_partition_range_end": "2026-06-12",
    }
    with running_sandbox(research_daily_requests=1, per_minute=1_000_000) as sandbox:
        api = ResearchApiResource(
            base_url=sandbox.research_url, ledger_url=f"sqlite:///{tmp_path / 'q.sqlite'}"
        )
        result = dg.materialize(assets, selection=videos, resources={"research_api": api, "lake": lake}, tags=tags,
                                raise_on_error=False)  # fmt: skip
        answers = sandbox.stats()["requests"]["research /v2/research/video/query/"]
    assert not result.success
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    error = result.get_step_failure_events()[0].step_failure_data.error
    assert error.cause is not None and error.cause.cls_name == "QuotaExhaustedError"
    assert answers.get("429", 0) == 1
