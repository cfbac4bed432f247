"""Where the resources send credentials: real secrets never go to the sandbox's address by default."""

from __future__ import annotations

import pytest

from tiktok_assets.backends import (
    ENSEMBLEDATA_URL,
    RESEARCH_URL,
    MissingCredentialsError,
    ensembledata_target,
    research_target,
)
from tiktok_assets.defs.research.resources import ResearchApiResource

ENV = (
    "TIKTOK_CLIENT_KEY",
    "TIKTOK_CLIENT_SECRET",
    "TIKTOK_RESEARCH_BASE_URL",
    "ENSEMBLEDATA_TOKEN",
    "ENSEMBLEDATA_BASE_URL",
    "TIKTOK_SANDBOX_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_means_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_SANDBOX_URL", "http://127.0.0.1:9555/")
    assert research_target(None, None, None) == ("sandbox-key", "sandbox-secret", "http://127.0.0.1:9555")
    assert ensembledata_target(None, None) == ("sandbox-token", "http://127.0.0.1:9555/apis")


def test_real_credentials_go_to_the_real_apis_even_with_a_sandbox_url_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIKTOK_SANDBOX_URL", "http://127.0.0.1:9555")
    monkeypatch.setenv("TIKTOK_CLIENT_KEY", "real-key")
    monkeypatch.setenv("TIKTOK_CLIENT_SECRET", "real-secret")
    monkeypatch.setenv("ENSEMBLEDATA_TOKEN", "real-token")
    assert research_target(None, None, None) == ("real-key", "real-secret", RESEARCH_URL)
    assert ensembledata_target(None, None) == ("real-token", ENSEMBLEDATA_URL)


def test_an_explicit_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_CLIENT_KEY", "real-key")
    monkeypatch.setenv("TIKTOK_CLIENT_SECRET", "real-secret")
    monkeypatch.setenv("TIKTOK_RESEARCH_BASE_URL", "https://proxy.example")
    assert research_target(None, None, None)[2] == "https://proxy.example"
    assert ensembledata_target("tok", "https://ed-proxy.example")[1] == "https://ed-proxy.example"


@pytest.mark.parametrize("present", ["TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"])
def test_half_a_credential_pair_is_refused_naming_the_missing_one(
    monkeypatch: pytest.MonkeyPatch, present: str
) -> None:
    monkeypatch.setenv(present, "value-that-must-not-leak")
    missing = "TIKTOK_CLIENT_SECRET" if present == "TIKTOK_CLIENT_KEY" else "TIKTOK_CLIENT_KEY"
    with pytest.raises(MissingCredentialsError, match=missing) as caught:
        ResearchApiResource().client()
    assert "value-that-must-not-leak" not in str(caught.value)
