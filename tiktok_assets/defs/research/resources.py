"""``ResearchApiResource``: the TikTok Research API client as a typed Dagster resource.

Secrets never become config values (Dagster shows resource config in the UI and the event log): the resource
holds ``EnvVar`` references or nothing, and ``tiktok_assets.backends`` reads the values when it builds the
client. With nothing set, the client talks to the sandbox.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from tiktok_assets import backends
from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.research_endpoints import DEFAULT_BUDGETS
from tiktok_assets.clock import clock_now
from tiktok_assets.defs.run_log import RETRIES


class ResearchApiResource(dg.ConfigurableResource):
    """TikTok Research API. ``.client()`` → a ``ResearchApi`` (one per run step; reuses its connection pool)."""

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
    retry_policy: str | None = Field(
        default=None,
        description="named retry policy with overrides, e.g. 'standard,max_attempts=60' (clients/backoff.py); "
        "default env TIKTOK_RETRY_POLICY, else 'standard'",
    )

    _client: ResearchClient | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides: Any) -> ResearchApiResource:
        """``EnvVar`` for the variables that are set, so Dagster shows where a value came from."""
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
        return backends.ledger_for(self.ledger_url)

    def now(self) -> datetime:
        """The backend's clock (``tiktok_assets.clock``): the client's quota day, ``resets_at`` and token
        expiry follow it, as do ``collected_at`` and snapshot dates in the assets."""
        return clock_now()

    def client(self) -> ResearchApi:
        if self._client is None:
            self._client = backends.research_client(
                client_key=self.client_key,
                client_secret=self.client_secret,
                base_url=self.base_url,
                ledger_url=self.ledger_url,
                budgets=self.budgets(),
                http_timeout=self.http_timeout,
                clock=lambda: self.now().timestamp(),
                retry_policy=self.retry_policy,
            ).log_to(RETRIES)
        return self._client

    def quota_left(self) -> dict[str, int]:
        """Requests left today per bucket (by the ledger: what this project's clients spent). Today is the
        backend's day (``now``), the day the client reserved its requests on, not the wall clock's."""
        ledger, today = self.ledger(), self.now()
        return {
            f"{bucket}_requests_left": ledger.remaining("research", bucket, budget, day=today).requests
            for bucket, budget in self.budgets().items()
        }

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
