"""Dagster resources over the API clients and the quota ledger.

Secrets come from the environment (``TIKTOK_CLIENT_KEY``, ``TIKTOK_CLIENT_SECRET``, ``ENSEMBLEDATA_TOKEN``) and
never become config values: Dagster shows resource config in the UI and the event log, so a resource holds
only the *names* of the variables (or ``EnvVar`` when wired explicitly) and reads the values when it builds
a client. Real credentials go to the real APIs unless a base URL is set explicitly; half a credential pair is
refused at once. With nothing set, every resource points at the sandbox (``TIKTOK_SANDBOX_URL``, default
``http://127.0.0.1:9400``) with the sandbox credentials, so ``dagster dev`` works on a fresh clone.

Wiring: ``ResearchApiResource()`` reads the environment at run time; ``ResearchApiResource.from_env()``
uses ``EnvVar`` for the variables that are set (Dagster then shows which variable a value came from).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from tiktok_assets.clients import quota as quota_mod
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import DEFAULT_BUDGETS, ResearchClient
from tiktok_assets.clients.vce import VceClient, make_rqs
from tiktok_assets.partitions import clock_now

SANDBOX_URL_ENV = "TIKTOK_SANDBOX_URL"
SANDBOX_URL_DEFAULT = "http://127.0.0.1:9400"
SANDBOX_KEY, SANDBOX_SECRET, SANDBOX_TOKEN = "sandbox-key", "sandbox-secret", "sandbox-token"
RESEARCH_URL = "https://open.tiktokapis.com"
ENSEMBLEDATA_URL = "https://ensembledata.com/apis"


class MissingCredentialsError(ValueError):
    """Half a credential pair is set: refuse at once rather than mixing real and sandbox values."""


def sandbox_url() -> str:
    return (os.environ.get(SANDBOX_URL_ENV) or SANDBOX_URL_DEFAULT).rstrip("/")


def _env(name: str, fallback: str) -> str:
    return os.environ.get(name) or fallback


def research_target(key: str | None, secret: str | None, base_url: str | None) -> tuple[str, str, str]:
    """(client key, client secret, base URL) for the Research API.

    Real credentials go to the real API unless a base URL is given explicitly: a secret must never be sent to
    the sandbox's address just because no base URL was configured. With no credentials at all, the sandbox.
    """
    key = key or os.environ.get("TIKTOK_CLIENT_KEY")
    secret = secret or os.environ.get("TIKTOK_CLIENT_SECRET")
    explicit_url = base_url or os.environ.get("TIKTOK_RESEARCH_BASE_URL")
    if key and secret:
        return key, secret, explicit_url or RESEARCH_URL
    if key or secret:
        missing = "TIKTOK_CLIENT_SECRET" if key else "TIKTOK_CLIENT_KEY"
        raise MissingCredentialsError(
            f"Research API credentials are incomplete: {missing} is not set "
            "(set both TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET, or neither to use the sandbox)"
        )
    return SANDBOX_KEY, SANDBOX_SECRET, explicit_url or sandbox_url()


def ensembledata_target(token: str | None, base_url: str | None) -> tuple[str, str]:
    """(token, base URL) for EnsembleData: a real token goes to the real API unless a base URL is given."""
    token = token or os.environ.get("ENSEMBLEDATA_TOKEN")
    explicit_url = base_url or os.environ.get("ENSEMBLEDATA_BASE_URL")
    if token:
        return token, explicit_url or ENSEMBLEDATA_URL
    return SANDBOX_TOKEN, explicit_url or sandbox_url() + "/apis"


_ledgers: dict[str, QuotaLedger] = {}


def ledger_for(url: str | None) -> QuotaLedger:
    """One ledger (one engine) per URL per process."""
    key = url or quota_mod.default_url()
    if key not in _ledgers:
        _ledgers[key] = QuotaLedger(key)
    return _ledgers[key]


class ResearchApiResource(dg.ConfigurableResource):
    """TikTok Research API. ``.client()`` → ``ResearchClient`` (one per run step; reuses its connection pool)."""

    client_key: str | None = Field(
        default=None, description="default: env TIKTOK_CLIENT_KEY, else the sandbox's"
    )
    client_secret: str | None = Field(
        default=None, description="default: env TIKTOK_CLIENT_SECRET, else the sandbox's"
    )
    base_url: str | None = Field(
        default=None, description="default: env TIKTOK_RESEARCH_BASE_URL, else the sandbox"
    )
    daily_video_requests: int = Field(
        default=1_000, description="video/query + comments requests per UTC day"
    )
    daily_video_records: int = Field(default=100_000)
    daily_follow_requests: int = Field(
        default=20_000, description="followers + following requests per UTC day"
    )
    daily_follow_records: int = Field(default=2_000_000)
    ledger_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default env TIKTOK_QUOTA_DB_URL, else <data>/quota.sqlite"
    )
    http_timeout: float = 120.0

    _client: ResearchClient | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides: Any) -> ResearchApiResource:
        kw: dict[str, Any] = {}
        for field, var in (
            ("client_key", "TIKTOK_CLIENT_KEY"),
            ("client_secret", "TIKTOK_CLIENT_SECRET"),
            ("base_url", "TIKTOK_RESEARCH_BASE_URL"),
        ):
            if os.environ.get(var):
                kw[field] = dg.EnvVar(var)
        return cls(**{**kw, **overrides})

    def budgets(self) -> dict[str, Budget]:
        return {
            **DEFAULT_BUDGETS,
            "video": Budget(self.daily_video_requests, self.daily_video_records),
            "follow": Budget(self.daily_follow_requests, self.daily_follow_records),
        }

    def ledger(self) -> QuotaLedger:
        return ledger_for(self.ledger_url)

    def now(self) -> datetime:
        """The backend's clock: ``$TIKTOK_CLOCK_NOW`` when set (a sandbox on a fixed clock), else the wall clock.

        The client's quota day, ``resets_at`` and token expiry follow it, as do snapshot dates in the assets.
        """
        return clock_now()

    def client(self) -> ResearchClient:
        if self._client is None:
            key, secret, url = research_target(self.client_key, self.client_secret, self.base_url)
            self._client = ResearchClient(
                key,
                secret,
                url,
                ledger=self.ledger(),
                budget=self.budgets(),
                http_timeout=self.http_timeout,
                clock=lambda: self.now().timestamp(),
            )
        return self._client

    def quota_left(self) -> dict[str, int]:
        """Requests left today per bucket (by the ledger: what this project's clients spent)."""
        ledger = self.ledger()
        return {
            f"{bucket}_requests_left": ledger.remaining("research", bucket, budget).requests
            for bucket, budget in self.budgets().items()
        }

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class EnsembleDataResource(dg.ConfigurableResource):
    """EnsembleData. ``.client()`` → ``EnsembleDataClient``."""

    token: str | None = Field(default=None, description="default: env ENSEMBLEDATA_TOKEN, else the sandbox's")
    base_url: str | None = Field(
        default=None, description="default: env ENSEMBLEDATA_BASE_URL, else <sandbox>/apis"
    )
    daily_units: int | None = Field(default=None, description="units per UTC day (your plan's allowance)")
    ledger_url: str | None = None
    http_timeout: float = 120.0
    long_timeout: float = Field(default=600.0, description="for the 'full' searches that page server-side")

    _client: EnsembleDataClient | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides: Any) -> EnsembleDataResource:
        kw: dict[str, Any] = {}
        for field, var in (("token", "ENSEMBLEDATA_TOKEN"), ("base_url", "ENSEMBLEDATA_BASE_URL")):
            if os.environ.get(var):
                kw[field] = dg.EnvVar(var)
        return cls(**{**kw, **overrides})

    def client(self) -> EnsembleDataClient:
        if self._client is None:
            token, url = ensembledata_target(self.token, self.base_url)
            self._client = EnsembleDataClient(
                token,
                url,
                ledger=ledger_for(self.ledger_url),
                daily_units=self.daily_units,
                http_timeout=self.http_timeout,
                long_timeout=self.long_timeout,
            )
        return self._client

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class VceResource(dg.ConfigurableResource):
    """VCE query tasks: pyrqs inside a VCE, else the sandbox's stand-in at ``base_url``."""

    base_url: str | None = Field(
        default=None, description="default: env TIKTOK_VCE_BASE_URL, else <sandbox>/vce"
    )
    poll_interval: float = 5.0
    timeout: float = 3600.0

    def client(self) -> VceClient:
        url = self.base_url or _env("TIKTOK_VCE_BASE_URL", sandbox_url() + "/vce")
        return VceClient(make_rqs(url), poll_interval=self.poll_interval, timeout=self.timeout)
