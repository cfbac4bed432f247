"""A re-execution of a VCE run that succeeded skips every day (each stored by its root run) and still tells
the truth about them: each day's tasks, records, requests and ``sampled`` flag as the run that stored the
file in the lake recorded them, and ``complete_result`` fails on the same sampled days. A day asked again by
a later run reports that run's facts, never an older run's.

The story, on one instance and one lake, over three test-stage days that are each a sample:
``first`` stores every day; ``recollect`` (a new run) stores the first day again, then fails (its second task
cancelled from outside); ``resumed``, its re-execution, stores the other two and succeeds; ``again``
re-executes that successful run: it asks nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import pytest

from tests.vce.support import SAMPLED_QUERY, SANDBOX_NOW, SLOW, cancelling, materialize_range, vce_monitoring
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.sandbox.testing import running_sandbox

DAYS = (date(2026, 6, 1), date(2026, 6, 3))
PARTITIONS = ["2026-06-01", "2026-06-02", "2026-06-03"]
# What a day's materialization says about the tasks that filled it.
FIGURES = ("task_ids", "task_records", "task_requests", "task_windows", "tasks_resumed", "sampled",
           "dagster/row_count")  # fmt: skip


@dataclass
class Runs:
    first: dg.ExecuteInProcessResult
    recollect: dg.ExecuteInProcessResult
    resumed: dg.ExecuteInProcessResult
    again: dg.ExecuteInProcessResult
    tasks_created: int  # by the service, over the whole story


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp("vce_reexecution")
    m = vce_monitoring({"broad": SAMPLED_QUERY})
    with running_sandbox(now=SANDBOX_NOW) as sb, dg.instance_for_test() as instance:
        first = materialize_range(m, sb, tmp, instance, DAYS, {})  # tasks 1_000_001..3
        with cancelling(sb, 1_000_005):  # recollect's second task, once its first (1_000_004) has completed
            recollect = materialize_range(m, sb, tmp, instance, DAYS, {}, **SLOW)
        resume = {RESUME_TAG: recollect.run_id}  # what "Re-execute" and the quota-retry sensor resume by
        resumed = materialize_range(m, sb, tmp, instance, DAYS, resume)
        again = materialize_range(m, sb, tmp, instance, DAYS, resume)  # re-executes resumed: same root
        yield Runs(first, recollect, resumed, again, sb.stats()["vce_tasks"]["tasks"])


def day_figures(run: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Each partition's figures, as the run's materializations hold them."""
    return {
        e.partition: {k: v.value for k, v in e.materialization.metadata.items() if k in FIGURES}
        for e in run.get_asset_materialization_events()
        if e.partition
    }


def complete_result(run: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [e for e in run.get_asset_check_evaluations() if e.check_name == "complete_result"]
    return check


def test_the_story_ran_as_told(runs: Runs) -> None:
    assert runs.first.success and not runs.recollect.success and runs.resumed.success and runs.again.success
    assert sorted(day_figures(runs.recollect)) == []  # it failed: no materialization
    assert runs.tasks_created == 7  # 3 + 2 (one cancelled) + 2; the re-execution of a success asks nothing


def test_a_reexecution_of_a_successful_run_reports_each_day_as_stored(runs: Runs) -> None:
    original, reexecuted = day_figures(runs.resumed), day_figures(runs.again)
    assert sorted(original) == sorted(reexecuted) == PARTITIONS
    for partition in PARTITIONS:
        assert reexecuted[partition] == original[partition], partition
        assert reexecuted[partition]["sampled"] is True


def test_a_reexecution_of_a_successful_run_fails_complete_result_as_the_original(runs: Runs) -> None:
    original, reexecuted = complete_result(runs.resumed), complete_result(runs.again)
    assert not original.passed and not reexecuted.passed
    assert reexecuted.metadata["sampled_partitions"].value == PARTITIONS
    assert reexecuted.metadata["sampled_partitions"] == original.metadata["sampled_partitions"]


def test_a_day_stored_again_by_a_later_run_reports_that_runs_task(runs: Runs) -> None:
    # The first day: stored by `first` (and materialized), then by `recollect` (which failed before its
    # materializations). When `resumed` skips it, the newest materialization is still `first`'s, yet the file
    # in the lake is `recollect`'s: its facts are the ones to report, then and on every later re-execution.
    assert day_figures(runs.first)[PARTITIONS[0]]["task_ids"] == [1_000_001]
    assert day_figures(runs.resumed)[PARTITIONS[0]]["task_ids"] == [1_000_004]
    assert day_figures(runs.again)[PARTITIONS[0]]["task_ids"] == [1_000_004]
