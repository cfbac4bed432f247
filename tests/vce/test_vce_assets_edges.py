"""VCE query assets at their edges, against the sandbox: an execution-stage day whose result reaches the limit
is split until every match is stored; a comment query lands in its own dataset; a query the service refuses
fails the step with the service's reason and writes nothing."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from tests.vce.support import SANDBOX_NOW, backend_clock, lake_ids, resources, truth_ids, unfinished
from tiktok_assets.config import Monitoring, parse_monitoring
from tiktok_assets.defs.vce.definitions import build_assets
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.world import day_start

DAY1, DAY2 = date(2026, 6, 1), date(2026, 6, 2)
FYP = {
    "operator": "or",
    "conditions": [{"field": "hashtag_names", "operator": "CONTAINS", "field_values": ["fyp"]}],
}


def monitoring(vce_queries: dict[str, Any]) -> Monitoring:
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}},
           "vce_queries": vce_queries}  # fmt: skip
    return parse_monitoring(raw, today=date(2026, 6, 15))


def materialize(
    m: Monitoring, sb: SandboxHandle, tmp: Path, first: date, last: date
) -> dg.ExecuteInProcessResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(m)
    tags = {"dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat()}  # fmt: skip
    with dg.instance_for_test() as instance, backend_clock(SANDBOX_NOW):
        return dg.materialize(
            assets, instance=instance, resources=resources(sb, tmp), tags=tags, raise_on_error=False
        )


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(now=SANDBOX_NOW) as handle:
        yield handle


def test_a_day_at_the_limit_is_split_until_every_match_is_stored(sb: SandboxHandle, tmp_path: Path) -> None:
    m = monitoring({"tight": {"category": "video", "stage": "execution", "limit": 4, "fields": ["id", "create_time"],
                              "condition_groups": [FYP]}})  # fmt: skip
    (query,) = m.vce_queries
    assert len(truth_ids(sb, query, DAY1, DAY1)) > 4  # more matches a day than the limit
    before = sb.stats()["vce_tasks"]["tasks"]
    result = materialize(m, sb, tmp_path, DAY1, DAY2)
    assert result.success
    stored = lake_ids(tmp_path / "lake", "tight")
    assert len(stored) == len(set(stored)) and set(stored) == truth_ids(sb, query, DAY1, DAY2)
    windows = {e.partition: e.materialization.metadata["task_windows"].value
               for e in result.get_asset_materialization_events()}  # fmt: skip
    assert all(w > 1 for w in windows.values())
    assert sb.stats()["vce_tasks"]["tasks"] - before == sum(windows.values())  # one task per window, no more
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_a_comment_query_has_its_own_dataset(sb: SandboxHandle, tmp_path: Path) -> None:
    videos = sb.truth("vce", "video", {"condition_groups": [{"operator": "and", "conditions": [
        {"field": "create_time", "operator": "GTE", "field_values": [str(day_start(DAY1))]},
        {"field": "create_time", "operator": "LT", "field_values": [str(day_start(DAY1 + timedelta(days=2)))]},
        {"field": "comment_count", "operator": "GT", "field_values": ["0"]}]}]})  # fmt: skip
    m = monitoring({"talk": {"category": "comment", "stage": "execution", "fields": ["id", "create_time", "video_id"],
                             "condition_groups": [{"operator": "and", "conditions": [
                                 {"field": "video_id", "operator": "IN", "field_values": videos[:20]}]}]}})  # fmt: skip
    (query,) = m.vce_queries
    expected = truth_ids(sb, query, DAY1, DAY2)
    assert expected
    result = materialize(m, sb, tmp_path, DAY1, DAY2)
    assert result.success
    assert sorted(lake_ids(tmp_path / "lake", "talk", "comments")) == sorted(expected)
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_a_refused_query_fails_with_the_services_reason_and_writes_nothing(
    sb: SandboxHandle, tmp_path: Path
) -> None:
    m = monitoring({"no_videos": {"category": "comment", "stage": "execution", "fields": ["id", "create_time"],
                                  "condition_groups": [{"operator": "and", "conditions": [
                                      {"field": "like_count", "operator": "GT", "field_values": ["1"]}]}]}})  # fmt: skip
    result = materialize(m, sb, tmp_path, DAY1, DAY1)
    assert not result.success
    (failure,) = result.get_step_failure_events()
    error = failure.step_failure_data.error
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any("AnalysisFailed: " in m and "comment queries need video_id" in m for m in messages), messages
    assert not (tmp_path / "lake" / "vce" / "comments").exists()
    assert unfinished(sb) == 0
