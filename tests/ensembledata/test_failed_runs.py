"""A run that fails still leaves its books, against the sandbox over HTTP: each kind of EnsembleData asset
(range, collection day, "about X" snapshot) stopped by the API's 495 records a run summary whose units and
requests equal what the sandbox counted."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from ed_support import NOW, TODAY, ed_assets, resources_for

from tiktok_assets.config import load_monitoring
from tiktok_assets.sandbox.testing import running_sandbox

RANGE = {
    "dagster/asset_partition_range_start": "2026-05-14",
    "dagster/asset_partition_range_end": "2026-06-12",
}


def _summary(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> dict:
    """The run summary, read where the UI reads it: the instance's event log (a failed step's events are there)."""
    records = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION
    ).records
    found = [{k: v.value for k, v in r.event_log_entry.asset_observation.metadata.items()} for r in records]
    (summary,) = [m for m in found if "run_requests_spent" in m]
    return summary


@pytest.mark.parametrize(
    ("name", "partition"),
    [("user_posts", None), ("comments", None), ("user_info", TODAY), ("hashtag_posts", "cat")],
)
def test_a_run_stopped_by_495_records_what_it_spent(
    name: str, partition: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", NOW)
    monitoring = load_monitoring()
    assets = ed_assets(monitoring)
    with running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        resources, instance = resources_for(sandbox, tmp_path), dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("hashtags", ["cat"])
        kw = {"partition_key": partition} if partition else {"tags": RANGE}

        def run(key: str) -> dg.ExecuteInProcessResult:
            return dg.materialize(list(assets.values()), selection=[assets[key].key], instance=instance,
                                  resources=resources, raise_on_error=False, **kw)  # fmt: skip

        if name == "comments":
            assert run("user_posts").success  # the posts whose comments it reads
        before = sandbox.stats()
        sandbox.set_limits(ed_daily_units=before["units_total"] + 3)  # three more units today, then 495
        result = run(name)
        after = sandbox.stats()
    assert not result.success
    summary = _summary(instance, result)
    assert summary["run_outcome"] == "failed: QuotaExhaustedError"
    units = after["units_total"] - before["units_total"]
    requests = after["requests_total"] - before["requests_total"]
    assert units == 3 and summary.get("run_units_spent", 0) == units
    assert summary["run_requests_spent"] == requests
