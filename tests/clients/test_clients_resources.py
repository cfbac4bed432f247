"""Dagster resources: sandbox defaults with nothing set, EnvVar secrets, budgets as config, a run uses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from tests_clients_support import subjects

from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.defs.vce.resources import VceResource

S = subjects()
ENV = (
    "TIKTOK_CLIENT_KEY",
    "TIKTOK_CLIENT_SECRET",
    "ENSEMBLEDATA_TOKEN",
    "TIKTOK_RESEARCH_BASE_URL",
    "ENSEMBLEDATA_BASE_URL",
    "TIKTOK_VCE_BASE_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sandbox: Any) -> Any:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TIKTOK_SANDBOX_URL", sandbox.base_url)
    monkeypatch.setenv("TIKTOK_QUOTA_DB_URL", f"sqlite:///{tmp_path / 'quota.sqlite'}")
    return sandbox


def test_sandbox_defaults_in_a_dagster_run(clean_env: Any) -> None:
    sb = clean_env

    @dg.asset
    def probe(
        research_api: ResearchApiResource, ensembledata: EnsembleDataResource, vce: VceResource
    ) -> dict:
        info = research_api.client().user_info(S.account)
        ed_user = ensembledata.client().user_info(S.account)
        rows = vce.client().run(
            "profile",
            [
                {
                    "operator": "and",
                    "conditions": [{"field": "username", "operator": "EQ", "field_values": [S.account]}],
                }
            ],
            "username",
            10,
            poll_interval=0.0,
        )
        return {
            "research": info.status,
            "ed": bool(ed_user),
            "vce": len(rows),
            "left": research_api.quota_left(),
        }

    result = dg.materialize(
        [probe],
        resources={
            "research_api": ResearchApiResource(daily_video_requests=500),
            "ensembledata": EnsembleDataResource(),
            "vce": VceResource(),
        },
    )
    assert result.success
    out = result.output_for_node("probe")
    assert out["research"] == "ok" and out["ed"] and out["vce"] == 1
    assert out["left"] == {"video_requests_left": 500, "follow_requests_left": 20_000}  # user info is "other"
    assert sb.stats()["requests_total"] >= 3


def test_from_env_uses_envvar_and_keeps_secrets_out_of_config(
    monkeypatch: pytest.MonkeyPatch, clean_env: Any
) -> None:
    monkeypatch.setenv("TIKTOK_CLIENT_KEY", "sandbox-key")
    monkeypatch.setenv("TIKTOK_CLIENT_SECRET", "sandbox-secret")
    # With credentials set, only an explicit base URL sends them anywhere but the real API.
    monkeypatch.setenv("TIKTOK_RESEARCH_BASE_URL", clean_env.base_url)
    res = ResearchApiResource.from_env()
    assert "sandbox-secret" not in repr(ResearchApiResource())
    client = ResearchApiResource().client()
    assert "sandbox-secret" not in repr(client)
    assert client.base_url == clean_env.base_url
    assert res is not None
    client.close()
