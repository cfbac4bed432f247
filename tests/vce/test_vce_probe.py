"""``plan --probe-vce`` against the sandbox over HTTP: one task over the range, then the daily tasks replayed on
its matches, held against what the assets then record — an execution-stage query whose days pass its limit
(every capped window is split and asked again: those records are spent too), and a test-stage query whose
probe never spends more of the day's records than the collection itself could."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
from support import SAMPLED_QUERY, SANDBOX_NOW, backend_clock, materialize_range, resources, vce_monitoring

from tiktok_assets.config import Monitoring
from tiktok_assets.forecast import vce as vce_forecast
from tiktok_assets.forecast import vce_probe
from tiktok_assets.forecast.line import ForecastLine
from tiktok_assets.forecast.vce_probe import QueryProbe
from tiktok_assets.sandbox.testing import running_sandbox

BUSY = {**SAMPLED_QUERY, "stage": "execution", "limit": 20, "fields": ["id", "create_time"]}
FIRST, LAST = date(2026, 6, 10), date(2026, 6, 12)


def _figures(result: dg.ExecuteInProcessResult, node: str) -> tuple[int, int]:
    mats = result.asset_materializations_for_node(node)
    return (sum(int(m.metadata["task_records"].value) for m in mats),
            sum(int(m.metadata["task_requests"].value) for m in mats))  # fmt: skip


def _probe_then_collect(
    m: Monitoring, first: date, last: date, tmp: Path
) -> tuple[dict[str, QueryProbe], list[ForecastLine], int, dg.ExecuteInProcessResult]:
    """The probe, its forecast and the test stage's spend after it, then the assets' collection of the range."""
    with (
        running_sandbox(now=SANDBOX_NOW) as sb,
        dg.instance_for_test() as instance,
        backend_clock(SANDBOX_NOW),
    ):
        vce = resources(sb, tmp)["vce"]
        found = dict(vce_probe.probe(m, first, last, client=vce.client, budget=vce.budget))
        lines = vce_forecast.forecast(m, first, last, probe=found)
        spent = vce.budget("test").spent_today()
        return found, lines, spent, materialize_range(m, sb, tmp, instance, (first, last), {})


def test_an_execution_query_past_its_limit_is_forecast_with_its_splits(tmp_path: Path) -> None:
    found, forecast, _, result = _probe_then_collect(vce_monitoring({"busy": BUSY}), FIRST, LAST, tmp_path)
    lines = {line.unit: line for line in forecast}
    assert result.success
    records, requests = _figures(result, "vce__busy")
    assert found["busy"].records > 3 * BUSY["limit"]  # the case: days past the limit
    assert "split at the limit" in lines["records"].basis
    assert lines["records"].amount == records > found["busy"].records  # the splits' records, spent too
    assert abs(lines["requests"].amount - requests) <= 0.1 * requests


def test_a_test_stage_probe_spends_no_more_than_the_collection_could(tmp_path: Path) -> None:
    """30 days of a query matching far more than its 30-a-day sample: the probe's limit is the collection's
    most (30 x 30), so it is saturated, not used, and leaves the day's records for the collection."""
    first, last = date(2026, 5, 14), date(2026, 6, 12)
    m = vce_monitoring({"sampled": SAMPLED_QUERY})
    probes, forecast, spent, result = _probe_then_collect(m, first, last, tmp_path)
    found = probes["sampled"]
    (line,) = [x for x in forecast if x.unit == "records"]
    assert found.limit == 30 * SAMPLED_QUERY["limit"] == found.records == spent and found.saturated
    assert "--probe-vce" not in line.basis and line.amount == 30 * SAMPLED_QUERY["limit"]  # the bound
    assert result.success and _figures(result, "vce__sampled")[0] == line.amount
