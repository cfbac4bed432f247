"""The user_info asset's books under faults, against the sandbox over HTTP and a real Dagster instance: a call
that gives up after retried 500s fails its step attempt, and that attempt's summary still counts the requests
the API saw, so the run's summaries add up to the sandbox's own count.

Before: a failed attempt's summary left out the call that failed (the asset added only answered profiles);
the run below recorded 5 requests of the sandbox's 9 (500: 4, 200: 3, 400: 2)."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from tiktok_assets.collect.metadata import RUN_REQUESTS, plain, run_spend
from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

USER_INFO = "research /v2/research/user/info/"
# Two readable accounts, a private one and an unknown one: profiles, and refusals after retried 500s.
ACCOUNTS = ["nerali7775", "biki__7942", "no_such_user_xyz", "josudaha."]
# Two attempts per request: at 60% internal errors some calls give up, failing the step; the step is retried
# (the sandbox preset's short step delay) until an attempt gets every profile.
POLICY = "sandbox,max_attempts=2"


def user_info_asset() -> dg.AssetsDefinition:
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ACCOUNTS, "hashtags": ["cat"],
           "queries": {"cats": {"from": "hashtags"}}}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = research.build_assets(parse_monitoring(raw, "m.yaml", today=date(2026, 6, 15)))
    return next(a for a in assets if a.key.path[-1] == "user_info")


def summaries(instance: dg.DagsterInstance, run_id: str) -> list[dict]:
    """Every run summary of the run, one per step attempt, as the event log keeps them."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION).records
    return [dict(r.event_log_entry.asset_observation.metadata) for r in records]


def served(sandbox: SandboxHandle) -> int:
    return sum(sandbox.stats()["requests"].get(USER_INFO, {}).values())


def test_a_user_info_run_books_the_calls_that_gave_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOK_RETRY_POLICY", POLICY)  # the step retries are built from it, with the asset
    asset = user_info_asset()
    instance = dg.DagsterInstance.ephemeral()
    with running_sandbox(per_minute=1_000_000, faults={"internal_error": 0.6}) as sandbox:
        research_api = ResearchApiResource(
            base_url=sandbox.research_url, client_key=sandbox.client_key, client_secret=sandbox.client_secret,
            ledger_url=f"sqlite:///{tmp_path / 'quota.sqlite'}", retry_policy=POLICY,
        )  # fmt: skip
        resources = {"research_api": research_api, "lake": LakeResource(lake_dir=str(tmp_path / "lake"))}
        result = dg.materialize([asset], instance=instance, resources=resources, partition_key="2026-06-15")
        total = served(sandbox)
        by_status = sandbox.stats()["requests"][USER_INFO]
    assert result.success
    runs = summaries(instance, result.run_id)
    failed = [s for s in runs if "run_outcome" in s]
    assert failed and all(plain(s["run_outcome"]) == "failed: RetryableError" for s in failed)
    assert by_status.get("500", 0) > 0 and by_status.get("400", 0) > 0  # faults hit, refusals answered
    # Each attempt's summary is its own spend, the call that gave up included: together, the sandbox's count.
    assert run_spend((result.run_id, s) for s in runs)["requests"] == total
    assert all(int(plain(s[RUN_REQUESTS])) >= 2 for s in failed)  # at least the two attempts that gave up
